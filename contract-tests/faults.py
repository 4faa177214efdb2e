"""A TCP proxy that spoils the first exchanges between a client and the server, then relays faithfully.

It speaks just enough HTTP/1.1 to find where each message ends (Content-Length or chunked), so it can
let a request reach the server and then lose, or replace, the answer on its way back.
"""

from __future__ import annotations

import enum
import json
import socket
import struct
import threading
from urllib.parse import urlsplit

HEAD_END = b"\r\n\r\n"
_GATEWAY_PROBLEM = json.dumps(
    {"type": "about:blank", "title": "Service Unavailable", "status": 503, "detail": "The gateway gave up."}
).encode()
SERVICE_UNAVAILABLE = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: application/problem+json\r\n"
    b"Retry-After: 0\r\n"
    b"Connection: close\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(_GATEWAY_PROBLEM), _GATEWAY_PROBLEM)
)


class Fault(enum.Enum):
    """What happens to an answer the proxy spoils; the request itself always reaches the server."""

    # The connection is reset once the server starts answering: the client never sees the answer.
    DROP = "drop"
    # The server's answer is thrown away and a 503 with Retry-After: 0 sent instead.
    SERVICE_UNAVAILABLE = "503"


def _read_exactly(sock: socket.socket, buffer: bytearray, size: int) -> bool:
    while len(buffer) < size:
        chunk = sock.recv(65536)
        if not chunk:
            return False
        buffer.extend(chunk)
    return True


def _read_until(sock: socket.socket, buffer: bytearray, marker: bytes, start: int = 0) -> int:
    """The index just past `marker` in what `sock` sends, or -1 if it closes first."""
    while (found := buffer.find(marker, start)) < 0:
        chunk = sock.recv(65536)
        if not chunk:
            return -1
        buffer.extend(chunk)
    return found + len(marker)


def read_message(sock: socket.socket) -> bytes | None:
    """One whole HTTP/1.1 message (head and body) from `sock`, or None if it closes first."""
    buffer = bytearray()
    head_end = _read_until(sock, buffer, HEAD_END)
    if head_end < 0:
        return None
    head = headers(bytes(buffer[:head_end]))
    if head.get("transfer-encoding", "").lower() == "chunked":
        return bytes(buffer[: _read_until(sock, buffer, b"\r\n0\r\n\r\n", head_end - 2)])
    end = head_end + int(head.get("content-length", "0"))
    return bytes(buffer[:end]) if _read_exactly(sock, buffer, end) else None


def headers(message: bytes) -> dict[str, str]:
    """The header fields of a message's head, names in lower case."""
    lines = message.split(HEAD_END, 1)[0].decode("latin-1").split("\r\n")[1:]
    return {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}


class FaultyProxy:
    """Listens on a free loopback port and forwards to `upstream`, spoiling the first `times` answers."""

    def __init__(self, upstream: str, fault: Fault, times: int = 1) -> None:
        target = urlsplit(upstream)
        self._upstream = (target.hostname or "127.0.0.1", target.port or 80)
        self._fault, self._left = fault, times
        self._lock = threading.Lock()
        self.requests: list[bytes] = []  # every request that reached the server through the proxy
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _spoil_next(self) -> bool:
        with self._lock:
            self._left -= 1
            return self._left >= 0

    def _serve(self, conn: socket.socket) -> None:
        with conn, socket.create_connection(self._upstream) as upstream:
            while (request := read_message(conn)) is not None:
                self.requests.append(request)
                upstream.sendall(request)
                if self._spoil_next():
                    if self._fault is Fault.DROP:
                        upstream.recv(1)  # the server has done the work and is answering
                        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    else:
                        read_message(upstream)
                        conn.sendall(SERVICE_UNAVAILABLE)
                    return
                response = read_message(upstream)
                if response is None:
                    return
                conn.sendall(response)
