"""A webhook receiver and an SMTP sink on 127.0.0.1, started by the tests themselves."""

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from serving import free_port


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    signed: bool
    answered: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def delivery(self) -> str:
        return self.headers["x-opcoord-delivery"]


@dataclass
class Receiver:
    """Counts what arrives, checks each signature, answers from a script (then 200)."""

    secret: str
    script: list[int] = field(default_factory=list)
    hold: threading.Event | None = None  # set: answer; unset: keep the sender waiting
    # Decides the status from the headers (after the script): may block, like a slow receiver.
    answer: Callable[[dict[str, str]], int] | None = None
    requests: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self) -> list[Received]:
        """Requests answered 2xx, one per delivery id (a receiver's deduplication)."""
        seen: dict[str, Received] = {}
        for r in self.requests:
            if 200 <= r.answered < 300:
                seen.setdefault(r.delivery, r)
        return list(seen.values())

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        signed = hmac.compare_digest(headers.get("x-opcoord-signature", ""), expected)
        if self.hold is not None:
            self.hold.wait(30)
        decided = self.answer(headers) if self.answer is not None else None
        with self.lock:
            status = self.script.pop(0) if self.script else (decided or 200)
            status = status if signed else 401
            self.requests.append(Received(headers, body, signed, status))
        return status


@contextmanager
def receiver(secret: str, script: list[int] | None = None) -> Iterator[Receiver]:
    box = Receiver(secret, list(script or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = box.handle({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the worker sends a batch at once; 5 would refuse some

    server = Server(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        if box.hold is not None:
            box.hold.set()
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)
    url: str = ""

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


def text_of(m: Message) -> str:
    payload = m.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(m.get_content_charset() or "utf-8")


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        self.box.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@contextmanager
def smtp_sink() -> Iterator[Mailbox]:
    box = Mailbox()
    port = free_port()
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=port)
    controller.start()
    box.url = f"smtp://127.0.0.1:{port}"
    try:
        yield box
    finally:
        controller.stop()
