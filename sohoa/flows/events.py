"""Completion events: a durable outbox in the catalogue's database, delivered to webhooks.

When a dossier's manifest is committed (`digitise.commit_dossier`, whichever command digitised
it: `digitise`, `backlog`, `watch` or the API), `dossier_committed` records one event,
``dossier.completed`` (status done or partial) or ``dossier.failed``, with one delivery row per
webhook subscribed to it, in one transaction. The event's id comes from the dossier and the
manifest's time, so recording it twice records it once. A Prefect event
(``sohoa.dossier.completed`` …) is emitted too, for those who automate in Prefect.

`deliver_due` (run by `sohoa serve` in a thread, or `sohoa webhooks deliver`) POSTs each due
delivery: JSON body, headers ``X-Sohoa-Event-Id``, ``X-Sohoa-Event`` and
``X-Sohoa-Signature: sha256=<hex HMAC-SHA256 of the body with the webhook's secret>``. A 2xx
answer marks it delivered; anything else (refused, timed out, 500) tries again after a backoff
that doubles from ``SOHOA_WEBHOOK_BACKOFF_S`` (default 5 s) up to ``SOHOA_WEBHOOK_MAX_BACKOFF_S``
(default 300 s), for as long as it takes: a receiver down for hours gets every event, each at
least once with the same id, when it is back. A delivery is leased before it is sent, so two
servers do not send it at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal, get_args

import httpx
from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from sohoa.flows.keys import manifest_key
from sohoa.pipeline.model import Manifest
from sohoa.storage.catalogue import Catalogue

EventType = Literal["dossier.completed", "dossier.failed"]
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
_NAMESPACE = uuid.UUID("5d1f0d8e-8a53-4b38-9a3c-5f0c6a1e2b7d")  # sohoa's own, for uuid5

metadata = MetaData()

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False, unique=True),
    Column("secret", Text, nullable=False),
    Column("events", JSON, nullable=False),
    Column("created", String(40), nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("type", String(40), nullable=False),
    Column("dossier_id", String(255), nullable=False, index=True),
    Column("body", Text, nullable=False),  # the exact JSON sent, so every retry signs the same
    Column("created", String(40), nullable=False),
)

deliveries = Table(
    "event_deliveries",
    metadata,
    Column("event_id", ForeignKey("events.id"), primary_key=True),
    Column("webhook_id", Integer, primary_key=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt", Float, nullable=False, index=True),  # seconds since the epoch
    Column("delivered", String(40)),
    Column("last_error", Text),
)


class DeliverySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOHOA_WEBHOOK_", extra="ignore")

    backoff_s: float = 5.0
    max_backoff_s: float = 300.0
    timeout_s: float = 10.0


class Webhook(BaseModel):
    id: int
    url: str
    events: list[EventType]
    created: str


class WebhookError(ValueError):
    pass


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def signature(secret: str, body: bytes) -> str:
    """The X-Sohoa-Signature header's value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Outbox:
    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        catalogue.add_tables(metadata)

    # --- webhooks -----------------------------------------------------------------------------

    def add_webhook(self, url: str, secret: str, wanted: Iterable[str] = EVENT_TYPES) -> Webhook:
        chosen = list(dict.fromkeys(wanted))
        unknown = [e for e in chosen if e not in EVENT_TYPES]
        if unknown or not chosen:
            raise WebhookError(f"events are some of {', '.join(EVENT_TYPES)}, not {unknown}")
        if not url.startswith(("http://", "https://")):
            raise WebhookError(f"{url!r} is not an http(s) URL")
        if len(secret) < 16:
            raise WebhookError("the secret must be at least 16 characters")
        try:
            with self._catalogue.begin() as conn:
                conn.execute(
                    insert(webhooks).values(url=url, secret=secret, events=chosen, created=_now())
                )
        except IntegrityError as e:
            raise WebhookError(f"{url} is a webhook already") from e
        return next(w for w in self.webhooks() if w.url == url)

    def webhooks(self) -> list[Webhook]:
        with self._catalogue.connect() as conn:
            rows = conn.execute(select(webhooks).order_by(webhooks.c.id)).mappings()
            return [Webhook.model_validate(r) for r in rows]

    def remove_webhook(self, url: str) -> None:
        with self._catalogue.begin() as conn:
            found = conn.scalar(select(webhooks.c.id).where(webhooks.c.url == url))
            if found is None:
                raise WebhookError(f"no webhook {url}")
            conn.execute(
                delete(deliveries).where(
                    deliveries.c.webhook_id == found, deliveries.c.delivered.is_(None)
                )
            )
            conn.execute(delete(webhooks).where(webhooks.c.id == found))

    # --- recording ----------------------------------------------------------------------------

    def record(self, event_id: str, event_type: EventType, body: dict[str, Any]) -> bool:
        """Put the event in the outbox for every webhook that wants it; False when it was
        there already."""
        data = json.dumps(body, ensure_ascii=False, sort_keys=True)
        with self._catalogue.connect() as conn:
            if conn.scalar(select(events.c.id).where(events.c.id == event_id)) is not None:
                return False
        try:
            with self._catalogue.begin() as conn:
                conn.execute(
                    insert(events).values(
                        id=event_id,
                        type=event_type,
                        dossier_id=body["dossier_id"],
                        body=data,
                        created=_now(),
                    )
                )
                wanted = [w.id for w in self._webhooks(conn) if event_type in w.events]
                if wanted:
                    conn.execute(
                        insert(deliveries),
                        [
                            {
                                "event_id": event_id,
                                "webhook_id": w,
                                "attempts": 0,
                                "next_attempt": 0.0,
                            }
                            for w in wanted
                        ],
                    )
        except IntegrityError:
            return False  # recorded meanwhile by another process
        return True

    def _webhooks(self, conn: Any) -> list[Webhook]:
        return [Webhook.model_validate(r) for r in conn.execute(select(webhooks)).mappings()]

    # --- delivering ---------------------------------------------------------------------------

    def deliver_due(
        self, client: httpx.Client, settings: DeliverySettings, now: float | None = None
    ) -> int:
        """Send every delivery that is due; how many were delivered."""
        now = time.time() if now is None else now
        due = (
            select(deliveries, events.c.type, events.c.body, webhooks.c.url, webhooks.c.secret)
            .join(events, events.c.id == deliveries.c.event_id)
            .join(webhooks, webhooks.c.id == deliveries.c.webhook_id)
            .where(deliveries.c.delivered.is_(None), deliveries.c.next_attempt <= now)
            .order_by(deliveries.c.next_attempt, events.c.created, events.c.id)
            .limit(100)
        )
        with self._catalogue.connect() as conn:
            rows = conn.execute(due).mappings().all()
        delivered = 0
        for row in rows:
            if not self._lease(row, now + settings.timeout_s * 3):
                continue  # another server took it
            body = row["body"].encode()
            error = None
            try:
                answer = client.post(
                    row["url"],
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Sohoa-Event-Id": row["event_id"],
                        "X-Sohoa-Event": row["type"],
                        "X-Sohoa-Signature": signature(row["secret"], body),
                    },
                    timeout=settings.timeout_s,
                )
                if not answer.is_success:
                    error = f"HTTP {answer.status_code}"
            except httpx.HTTPError as e:
                error = f"{type(e).__name__}: {e}"
            self._finish(row, error, settings)
            delivered += error is None
        return delivered

    def _lease(self, row: Any, until: float) -> bool:
        with self._catalogue.begin() as conn:
            taken = conn.execute(
                update(deliveries)
                .where(
                    deliveries.c.event_id == row["event_id"],
                    deliveries.c.webhook_id == row["webhook_id"],
                    deliveries.c.next_attempt == row["next_attempt"],
                    deliveries.c.delivered.is_(None),
                )
                .values(next_attempt=until)
            )
        return taken.rowcount == 1

    def _finish(self, row: Any, error: str | None, settings: DeliverySettings) -> None:
        attempts = row["attempts"] + 1
        values: dict[str, Any] = {"attempts": attempts, "last_error": error}
        if error is None:
            values["delivered"] = _now()
        else:
            wait = min(settings.backoff_s * 2 ** (attempts - 1), settings.max_backoff_s)
            values["next_attempt"] = time.time() + wait
        with self._catalogue.begin() as conn:
            conn.execute(
                update(deliveries)
                .where(
                    deliveries.c.event_id == row["event_id"],
                    deliveries.c.webhook_id == row["webhook_id"],
                )
                .values(**values)
            )

    def pending(self) -> int:
        """Deliveries not made yet."""
        with self._catalogue.connect() as conn:
            waiting = select(func.count()).select_from(deliveries)
            return int(conn.scalar(waiting.where(deliveries.c.delivered.is_(None))) or 0)


# --- What the flows call ----------------------------------------------------------------------


def completion(manifest: Manifest) -> tuple[str, EventType, dict[str, Any]]:
    """The event of a committed manifest: its id, type and body."""
    event_type: EventType = "dossier.failed" if manifest.status == "failed" else "dossier.completed"
    event_id = str(uuid.uuid5(_NAMESPACE, f"{manifest.dossier_id}\n{manifest.created}"))
    body = {
        "event_id": event_id,
        "event": event_type,
        "dossier_id": manifest.dossier_id,
        "status": manifest.status,
        "documents": [{"id": d.id, "type": d.type} for d in manifest.documents],
        "manifest_key": manifest_key(manifest.dossier_id),
        "committed": manifest.created,
        "error": None,
    }
    return event_id, event_type, body


def dossier_committed(catalogue: Catalogue, manifest: Manifest) -> None:
    """Record the manifest's completion event in the outbox, and emit it to Prefect."""
    event_id, event_type, body = completion(manifest)
    Outbox(catalogue).record(event_id, event_type, body)
    _emit_to_prefect(event_id, event_type, body)


def dossier_not_digitised(catalogue: Catalogue, dossier_id: str, error: str) -> None:
    """An uploaded dossier the worker could not digitise (no manifest): a failed event."""
    created = _now()
    event_id = str(uuid.uuid5(_NAMESPACE, f"{dossier_id}\nerror\n{created}"))
    body: dict[str, Any] = {
        "event_id": event_id,
        "event": "dossier.failed",
        "dossier_id": dossier_id,
        "status": "failed",
        "documents": [],
        "manifest_key": None,
        "committed": None,
        "error": error,
    }
    Outbox(catalogue).record(event_id, "dossier.failed", body)
    _emit_to_prefect(event_id, "dossier.failed", body)


def _emit_to_prefect(event_id: str, event_type: EventType, body: dict[str, Any]) -> None:
    """Only where this process is pointed at a Prefect server (the worker, a backlog, a
    watcher): elsewhere Prefect would start a server of its own just for the event."""
    try:
        from prefect.events import emit_event
        from prefect.settings import get_current_settings

        if not get_current_settings().api.url:
            return

        emit_event(
            event=f"sohoa.{event_type}",
            resource={
                "prefect.resource.id": f"sohoa.dossier.{body['dossier_id']}",
                "prefect.resource.name": body["dossier_id"],
            },
            payload=body,
            id=uuid.UUID(event_id),
        )
    except Exception:
        pass


class Dispatcher:
    """Delivers the outbox's due events every `interval_s`, in a thread."""

    def __init__(self, catalogue: Catalogue, interval_s: float = 1.0) -> None:
        self.outbox = Outbox(catalogue)
        self.settings = DeliverySettings()
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        with httpx.Client(follow_redirects=False, trust_env=False) as client:
            while not self._stop.is_set():
                try:
                    self.outbox.deliver_due(client, self.settings)
                except Exception as e:  # the catalogue away: the next round tries again
                    print(f"sohoa: delivering events failed: {e}", file=sys.stderr, flush=True)
                self._stop.wait(self.interval_s)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="sohoa-events", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
