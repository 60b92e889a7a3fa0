"""A small HTTP/1.1 client over asyncio streams that can hang up on purpose.

httpx cannot be told "send this request, then close the socket before the answer", and
cancelling one of its requests does not say how far the request got. Here the harness
decides: a cut either stops half-way through the body (the server never has the whole
request) or closes after the last byte was written (the server may well commit it: the
client cannot know, which is the case retries must survive). It is also cheap: a few
hundred keep-alive connections cost the client process little CPU.
"""

import asyncio
import json
import random
from dataclasses import dataclass
from typing import Any, Literal

CutMode = Literal["mid_body", "after_send"]


class TransportError(Exception):
    """The exchange failed below HTTP (refused, reset, timed out, closed early)."""


class CutOffError(Exception):
    """The client hung up on purpose before the response."""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Connection:
    """One keep-alive connection to ``host:port``, opened on first use and after a failure."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    def close(self) -> None:
        if self._writer is not None:
            self._writer.transport.abort()  # no FIN handshake to wait for: drop it now
        self._reader = self._writer = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        timeout: float = 10.0,
        cut: CutMode | None = None,
        cut_delay: float = 0.0,
    ) -> Reply:
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
        try:
            return await asyncio.wait_for(self._exchange(raw, cut, cut_delay), timeout)
        except CutOffError:
            self.close()
            raise
        except (OSError, EOFError, asyncio.IncompleteReadError, ValueError, TimeoutError) as exc:
            self.close()
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc

    async def _exchange(self, raw: bytes, cut: CutMode | None, cut_delay: float) -> Reply:
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._reader, self._writer
        assert reader is not None
        if cut == "mid_body":
            writer.write(raw[: random.randint(len(raw) // 2, len(raw) - 1)])
            await writer.drain()
            raise CutOffError
        writer.write(raw)
        await writer.drain()
        if cut == "after_send":
            await asyncio.sleep(cut_delay)  # the server may be anywhere in its transaction
            raise CutOffError
        return await self._read_reply(reader)

    async def _read_reply(self, reader: asyncio.StreamReader) -> Reply:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status_line, *lines = head.rstrip("\r\n").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                body += (await reader.readexactly(size + 2))[:-2]
            await reader.readuntil(b"\r\n")
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Reply(status, headers, body)
