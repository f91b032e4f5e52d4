"""Flow runs left RUNNING by a process that was killed are marked crashed.

A process killed outright (``kill -9``, a power cut, the OOM killer) cannot tell the Prefect
server that its flow run ended, and sohoa's server runs none of the event services that would
notice. So each of sohoa's flow runs records, as it starts running, which process runs it
(:func:`record_owner`, a flow ``on_running`` hook): ``sohoa:<host>:<pid>:<process start>`` in
the run's ``infrastructure_pid``. Every sohoa command that runs flows first looks for RUNNING
runs whose process, on this host, is gone (:func:`mark_crashed`), and sets them CRASHED.

The process's start time tells a recycled pid apart. Runs owned by other hosts are left alone:
from here their processes cannot be seen.

Import this module only after `prefect_server.configure_client_env` (it imports Prefect).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.sorting import FlowRunSort
from prefect.states import Crashed

OWNER_PREFIX = "sohoa"
# Runs looked at per start: more than the flow runs one machine runs at once.
PAGE = 200


def owner_of_this_process() -> str:
    return f"{OWNER_PREFIX}:{socket.gethostname()}:{os.getpid()}:{_start_time(os.getpid())}"


def record_owner(flow: Any, flow_run: Any, state: Any) -> None:
    """A flow's ``on_running`` hook: record this process as the run's owner."""
    with get_client(sync_client=True) as client:
        client.update_flow_run(flow_run.id, infrastructure_pid=owner_of_this_process())


def mark_crashed() -> list[str]:
    """Set CRASHED every RUNNING flow run whose owner, a process of this host, is gone.
    Returns the names of the runs marked."""
    running = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING]))
    )
    marked = []
    with get_client(sync_client=True) as client:
        found = client.read_flow_runs(
            flow_run_filter=running, sort=FlowRunSort.START_TIME_ASC, limit=PAGE
        )
        for run in found:
            if run.infrastructure_pid is None or not _owner_is_gone(run.infrastructure_pid):
                continue
            client.set_flow_run_state(
                run.id,
                Crashed(
                    message=f"the process that ran it ({run.infrastructure_pid}) was killed; "
                    "marked crashed by the next sohoa command on this host"
                ),
                force=True,
            )
            marked.append(run.name)
    return marked


def _owner_is_gone(owner: str) -> bool:
    prefix, _, rest = owner.partition(":")
    host, _, process = rest.rpartition(":")
    host, _, pid = host.rpartition(":")
    if prefix != OWNER_PREFIX or host != socket.gethostname() or not pid.isdigit():
        return False  # not sohoa's, or another host's
    return _start_time(int(pid)) != process


def _start_time(pid: int) -> str:
    """The process's start time (clock ticks since boot), or "" when there is no such process.

    From ``/proc/<pid>/stat``: its 22nd field, counted after the command name, which is in
    brackets and may itself hold spaces; a zombie (exited, not yet reaped) counts as gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return ""
    return "" if fields[0] == "Z" else fields[19]  # a zombie has exited
