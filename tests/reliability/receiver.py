"""A partner's webhook endpoint for the fault tests: nothing listening, then answering
503 (slowly, so workers hold unacknowledged messages), then 200; every POST's signature
is checked as the partner would (docs/partner-quickstart.md): with the `standardwebhooks`
package."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
import time
from collections import Counter

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.servers import free_port


def signed_event(headers, body: bytes, secret: str) -> str | None:
    """The event id ("<order>:<status>", the receiver's dedupe key) of a POST whose
    Standard Webhooks signature checks out against the `whsec_` `secret`, verified by the
    `standardwebhooks` package as a partner would; None for a bad or stale signature."""
    headers = {name.lower(): value for name, value in headers.items()}
    try:
        event = Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return None
    # The header's message id is the event id: one dedupe key, in the header or the body.
    return event["id"] if event["id"] == headers["webhook-id"] else None


def legacy_signed_event(headers, body: bytes, key: bytes) -> str | None:
    """The same for the deprecated X-Atelier-* headers (sent until 0.3.0), checked with
    the recipe partners were given before 0.2.0, keyed with the old secret's bytes."""
    headers = {name.lower(): value for name, value in headers.items()}
    stamp = headers["x-atelier-timestamp"]
    mac = hmac.new(key, f"{stamp}.".encode() + body, hashlib.sha256)
    if hmac.compare_digest(f"sha256={mac.hexdigest()}", headers["x-atelier-signature"]):
        return json.loads(body)["id"]
    return None


class Receiver:
    def __init__(self, *, secret: str = "", port: int | None = None):
        self.secret = secret
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.failing_until = 0.0  # time.monotonic() before which POSTs get 503
        self.delay = 0.0  # seconds each failing answer takes
        self.valid: Counter[str] = Counter()  # event id ("<order>:<status>") -> valid POSTs
        self.invalid = 0
        self.refused = 0
        self._server: http.server.ThreadingHTTPServer | None = None

    def _handler(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if time.monotonic() < receiver.failing_until:
                    time.sleep(receiver.delay)
                    receiver.refused += 1
                    self.send_response(503)
                else:
                    event = signed_event(self.headers, body, receiver.secret)
                    if event is None:
                        receiver.invalid += 1
                    else:
                        receiver.valid[event] += 1
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler

    def listen(self) -> None:
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def fail_for(self, seconds: float, *, delay: float = 0.0) -> None:
        self.failing_until = time.monotonic() + seconds
        self.delay = delay

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
