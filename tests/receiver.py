"""A webhook receiver for the tests, run as its own process: listens on 127.0.0.1:PORT and
appends each POST it gets (its headers and body) as a JSON line to FILE, answering 204."""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        record = {"headers": dict(self.headers.items()), "body": body.decode()}
        with Path(sys.argv[2]).open("a") as out:
            out.write(json.dumps(record) + "\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(sys.argv[1])), _Handler).serve_forever()
