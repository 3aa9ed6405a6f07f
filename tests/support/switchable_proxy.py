"""A TCP proxy in front of an Odoo (the double or a real one) that can be switched off and on.

``go_down()`` closes the listening socket and resets every open connection, so clients see
"connection refused" / "connection reset" exactly as when Odoo is unreachable; ``come_up()``
listens again on the same port.
"""
from __future__ import annotations

import socket
import struct
import threading
import time

_BUFFER = 65536


class SwitchableProxy:
    def __init__(self, target_host: str, target_port: int, listen_host: str = "127.0.0.1"):
        self.target = (target_host, int(target_port))
        self.listen_host = listen_host
        self.port: int | None = None
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._connections: set = set()
        self._lock = threading.Lock()
        self._up = False
        self.delay = 0.0  # seconds each chunk from a client waits before it reaches Odoo (a slow Odoo)

    @property
    def url(self) -> str:
        return f"http://{self.listen_host}:{self.port}"

    @property
    def is_up(self) -> bool:
        return self._up

    # -- switching ---------------------------------------------------------------
    def start(self) -> int:
        """Listen (on a free port the first time) and return the port."""
        self._listen(self.port or 0)
        return self.port

    def come_up(self) -> None:
        """Listen again, on the same port as before."""
        if not self._up:
            self._listen(self.port or 0)

    def go_down(self) -> None:
        """Stop listening and reset every open connection."""
        with self._lock:
            self._up = False
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, set()
        if listener is not None:
            _close(listener)
        for pair in connections:
            pair.reset()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=2)
            self._accept_thread = None

    def stop(self) -> None:
        self.go_down()

    def __enter__(self) -> "SwitchableProxy":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- internals -------------------------------------------------------------
    def _listen(self, port: int) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.listen_host, port))
        listener.listen(64)
        listener.settimeout(0.05)
        with self._lock:
            self._listener = listener
            self.port = listener.getsockname()[1]
            self._up = True
        self._accept_thread = threading.Thread(target=self._accept_loop, args=(listener,),
                                               name=f"proxy:{self.port}", daemon=True)
        self._accept_thread.start()

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            with self._lock:
                if self._listener is not listener:
                    return
            try:
                client, _addr = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            client.settimeout(None)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=10)
            upstream.settimeout(None)
        except OSError:
            _reset(client)
            return
        pair = _Pair(client, upstream)
        with self._lock:
            if not self._up:
                pair.reset()
                return
            self._connections.add(pair)
        threading.Thread(target=self._pump, args=(pair, upstream, client), daemon=True).start()
        self._pump(pair, client, upstream)

    def _pump(self, pair: "_Pair", source: socket.socket, dest: socket.socket) -> None:
        try:
            while True:
                data = source.recv(_BUFFER)
                if not data:
                    break
                if self.delay and source is pair.socks[0]:
                    time.sleep(self.delay)
                dest.sendall(data)
        except OSError:
            pass
        try:
            dest.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        with self._lock:
            pair.finished += 1
            last = pair.finished == 2
            if last:
                self._connections.discard(pair)
        if last:
            for sock in pair.socks:
                _close(sock)


class _Pair:
    """A client connection and its upstream connection."""

    def __init__(self, client: socket.socket, upstream: socket.socket):
        self.socks = (client, upstream)
        self.finished = 0

    def reset(self) -> None:
        for sock in self.socks:
            _reset(sock)


def _reset(sock: socket.socket) -> None:
    """Close with an RST (SO_LINGER 0) so the peer sees 'connection reset'."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RD)  # wakes a thread blocked in recv() on it
    except OSError:
        pass
    _close(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass
