"""A TCP proxy in front of a node that a test can close and reopen: the node "unreachable"."""

from __future__ import annotations

import socket
import threading
from urllib.parse import urlparse

from keepers.chain.faults import Faults


class TcpProxy:
    """Listens on a loopback port and pipes each connection to ``target``; ``close()`` refuses and
    cuts every connection (as a dead node or a network partition does), ``open()`` serves again on
    the same port; ``stall()`` keeps accepting and holding connections but forwards nothing (a frozen
    node: callers wait for their own timeouts), ``resume()`` forwards what was held and goes on."""

    def __init__(self, target_url: str):
        parsed = urlparse(target_url)
        self.target = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self._listener: socket.socket | None = None
        self._port = 0
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()
        self.open()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def open(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self._port))
        listener.listen(64)
        self._port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            listener.close()
        with self._lock:
            for connection in self._connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                connection.close()
            self._connections.clear()

    def stall(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.close()
                except OSError:
                    pass
            with self._lock:
                self._connections.discard(source)
                self._connections.discard(sink)


class CutAt(Faults):
    """Cuts the node off (closes `proxy`) at a crash point instead of crashing: the process runs on,
    its node gone."""

    def __init__(self, point: str, proxy: TcpProxy):
        super().__init__(frozenset({point}), "raise")
        self.proxy: TcpProxy | None = proxy
        self.cut = False

    def point(self, name: str) -> None:
        if name in self.crash_at and self.proxy is not None:
            self.proxy.close()
            self.proxy, self.cut = None, True
