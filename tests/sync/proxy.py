"""An in-test TCP proxy between a register and PostgreSQL, on loopback only.

It can misbehave the ways real networks do:

- ``hang()``: stop forwarding in both directions and leave the sockets open (a stuck
  VPN or a cable pulled behind a switch: TCP itself still looks fine);
- ``drop_next_commit()``: forward the client's COMMIT to the server, let the server
  commit, then reset the connection instead of passing the server's answer on (the
  acknowledgement lost after the commit);
- ``resume()``: forward normally again.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        self._hanging = threading.Event()
        self._drop_commit = threading.Event()
        self.commits_dropped = 0
        self._closed = False
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True, name="proxy-accept").start()

    # -- control -------------------------------------------------------------------
    def hang(self) -> None:
        self._hanging.set()

    def resume(self) -> None:
        self._hanging.clear()

    def drop_next_commit(self) -> None:
        self._drop_commit.set()

    def reset_all(self) -> None:
        """Cut every open connection (RST)."""
        with self._lock:
            socks = list(self._sockets)
        for s in socks:
            _reset(s)

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()
        self.reset_all()

    # -- plumbing ------------------------------------------------------------------
    def _track(self, s: socket.socket) -> None:
        with self._lock:
            self._sockets.add(s)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                _reset(client)  # nothing listening behind us: refuse like the server would
                continue
            self._track(client)
            self._track(server)
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, from_server: bool) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                while self._hanging.is_set() and not self._closed:
                    time.sleep(0.02)  # hold the bytes: the link "hangs"
                if from_server and self._drop_commit.is_set() and b"COMMIT\x00" in data:
                    self._drop_commit.clear()
                    self.commits_dropped += 1
                    _reset(src)
                    _reset(dst)
                    return
                dst.sendall(data)
        except OSError:
            return  # the other side went away: this direction ends (finally still runs)
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)


def _reset(s: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer gets a RST, like a broken connection.

    ``shutdown(SHUT_RD)`` first wakes the other pump thread blocked in ``recv`` on this
    socket; until it lets go, the kernel would not really close it.
    """
    with contextlib.suppress(OSError):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RD)
    with contextlib.suppress(OSError):
        s.close()
