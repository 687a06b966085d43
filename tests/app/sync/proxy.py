"""A TCP proxy on 127.0.0.1 in front of the real PostgreSQL server that a test can cut.

`reset()` closes every connection with a TCP RST and refuses new ones (cable pulled at the switch);
`blackhole()` keeps the sockets open but drops every byte both ways, and new connections get no
answer (dead Wi-Fi: no reset, nothing). `restore()` forwards again; connections cut meanwhile stay
dead, as after a real drop.
"""
from __future__ import annotations

import socket
import struct
import threading

from sqlalchemy.engine import make_url


class _Pair:
    def __init__(self, client: socket.socket, server: socket.socket | None) -> None:
        self.client, self.server, self.cut = client, server, server is None

    def rst(self) -> None:
        _rst(self.client)
        if self.server is not None:
            _rst(self.server)


class TcpProxy:
    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432) -> None:
        self.target = (target_host, target_port)
        self.mode = "pass"
        self._lock = threading.Lock()
        self._pairs: list[_Pair] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @classmethod
    def for_url(cls, url: str) -> "TcpProxy":
        parsed = make_url(url)
        return cls(parsed.host or "127.0.0.1", parsed.port or 5432)

    def url(self, url: str) -> str:
        return make_url(url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    # -- the switches --------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.mode = "reset"
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            pair.rst()

    def blackhole(self) -> None:
        with self._lock:
            self.mode = "blackhole"
            for pair in self._pairs:
                pair.cut = True

    def restore(self) -> None:
        """Forward again. Connections cut by a blackhole are then reset, as TCP would end them once
        its retransmissions and keepalives give up (a proxy on loopback cannot make the kernel do it)."""
        with self._lock:
            self.mode = "pass"
            dead = [p for p in self._pairs if p.cut]
            self._pairs = [p for p in self._pairs if not p.cut]
        for pair in dead:
            pair.rst()

    def close(self) -> None:
        self._closed = True
        self.reset()
        self._listener.close()

    # -- plumbing ------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            mode = self.mode
            if mode == "reset":
                _rst(client)
                continue
            if mode == "blackhole":
                pair = _Pair(client, None)
                with self._lock:
                    self._pairs.append(pair)
                threading.Thread(target=self._pump, args=(pair, client, None), daemon=True).start()
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                _rst(client)
                continue
            pair = _Pair(client, server)
            with self._lock:
                self._pairs.append(pair)
            threading.Thread(target=self._pump, args=(pair, client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(pair, server, client), daemon=True).start()

    def _pump(self, pair: _Pair, src: socket.socket, dst: socket.socket | None) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if pair.cut or dst is None:
                    continue  # dropped on the floor; the sender gets no error
                dst.sendall(data)
        except OSError:
            pass
        if not pair.cut and dst is not None:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def _rst(sock: socket.socket) -> None:
    """Abort with a TCP RST. shutdown(SHUT_RD) first wakes a pump thread blocked in recv() on it: the
    kernel does not close a socket another thread is still reading, so close() alone would send nothing."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
