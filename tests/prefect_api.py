"""Calls to a Prefect server's REST API, with the basic auth sohoa's local server requires."""

from __future__ import annotations

import base64
import json
import urllib.request
from typing import Any

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(api_url: str, auth: str | None, path: str, body: dict[str, Any] | None = None) -> Any:
    """POST ``body`` (GET without one) to ``path`` and return the decoded JSON answer."""
    headers = {"Content-Type": "application/json"}
    if auth is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    request = urllib.request.Request(
        f"{api_url}{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers=headers,
    )
    with DIRECT.open(request, timeout=30) as response:
        return json.loads(response.read())
