"""A local stand-in for Slack's Socket Mode WebSocket (RFC 6455 over plain TCP on loopback).

The fake Web API answers `apps.connections.open` with this server's ws:// URL; the bot connects,
gets `hello`, and the test sends envelopes (a slash command, an event) the way Slack does and
reads the bot's acknowledgements ({"envelope_id": ..., "payload": ...}). Pings are answered.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import queue
import socket
import struct
import threading
from typing import Any

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3


class SocketModeStandIn:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._conn: socket.socket | None = None
        self._connected = threading.Event()
        self._send_lock = threading.Lock()
        self.acks: queue.Queue[dict[str, Any]] = queue.Queue()
        self._ids = itertools.count(1)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket=local"

    def start(self) -> SocketModeStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        for s in (self._conn, self._listener):
            if s is not None:
                with contextlib.suppress(OSError):
                    s.close()

    def wait_connected(self, timeout: float = 30) -> bool:
        return self._connected.wait(timeout)

    # -- envelopes
    def send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        envelope_id = f"env-{next(self._ids)}"
        self._send_text(
            json.dumps({"envelope_id": envelope_id, "type": kind, "payload": payload, "accepts_response_payload": True})
        )
        return envelope_id

    def ack_for(self, envelope_id: str, timeout: float = 15) -> dict[str, Any]:
        """The bot's acknowledgement of one envelope (others seen meanwhile are kept)."""
        seen: list[dict[str, Any]] = []
        try:
            while True:
                msg = self.acks.get(timeout=timeout)
                if msg.get("envelope_id") == envelope_id:
                    return msg
                seen.append(msg)
        finally:
            for m in seen:
                self.acks.put(m)

    # -- the socket
    def _serve(self) -> None:
        try:
            conn, _ = self._listener.accept()
        except OSError:
            return
        self._conn = conn
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                return
            request += chunk
        key = next(
            line.split(":", 1)[1].strip()
            for line in request.decode().split("\r\n")
            if line.lower().startswith("sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        conn.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        self._send_text(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0"}}))
        self._connected.set()
        try:
            while True:
                opcode, data = self._read_frame(conn)
                if opcode == 0x1:
                    self.acks.put(json.loads(data.decode()))
                elif opcode == 0x9:  # ping -> pong with the same data
                    self._send_frame(0xA, data)
                elif opcode == 0x8:
                    return
        except (OSError, ConnectionError, ValueError):
            return

    @staticmethod
    def _recv_exact(conn: socket.socket, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        return buf

    def _read_frame(self, conn: socket.socket) -> tuple[int, bytes]:
        b0, b1 = self._recv_exact(conn, 2)
        length = b1 & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._recv_exact(conn, 2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._recv_exact(conn, 8))
        mask = self._recv_exact(conn, 4) if b1 & 0x80 else b"\0\0\0\0"
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(self._recv_exact(conn, length)))
        return b0 & 0x0F, data

    def _send_text(self, text: str) -> None:
        self._send_frame(0x1, text.encode())

    def _send_frame(self, opcode: int, data: bytes) -> None:
        if self._conn is None:
            raise ConnectionError("not connected")
        n = len(data)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        with self._send_lock:
            self._conn.sendall(header + data)  # a server's frames are not masked (RFC 6455 5.1)
