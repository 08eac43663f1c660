"""A partner's webhook endpoint on loopback for the API tests (fixtures `receiver`,
`endpoint` and `enqueued` in tests/api/conftest.py)."""

from __future__ import annotations

import http.server
import json
import threading

from tests.reliability.receiver import signed_event


class Receiver:
    """A partner's webhook endpoint: verifies each POST with the `standardwebhooks` package,
    keeps what it got, and answers the next status."""

    def __init__(self):
        self.secret = ""
        self.statuses: list[int] = []
        self.received: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(
                    {
                        "valid": signed_event(self.headers, body, receiver.secret) is not None,
                        "payload": json.loads(body),
                        "content_type": self.headers["Content-Type"],
                        "headers": self.headers,  # read case-insensitively
                        "body": body,
                    }
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/atelier"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
