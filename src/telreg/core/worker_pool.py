"""The public workers of `telreg serve`, each listening on a socket of its own, so that connections spread evenly.

Why not one socket shared by every worker, as uvicorn does: each worker's event loop wakes on a new connection and
asyncio accepts every connection already queued (up to the backlog) in one go, so a burst of keep-alive
connections — a sender's 32 checking threads, a reverse proxy's pool — lands on whichever worker woke first and
stays there. Measured with the check benchmark: one worker at 100% of a core and the other idle for a whole round.

With ``SO_REUSEPORT`` (Linux) each worker *slot* has its own socket bound to the same address, and the kernel picks
a socket for each new connection by a hash of its addresses. The supervisor binds the slots' sockets and keeps
them open: a worker that dies leaves its slot's socket listening, the connections the kernel hands it wait in its
backlog, and the replacement (given the same socket) takes them, so none is refused; SIGHUP's rolling restart
starts the replacement on the same socket before the old worker stops. Only SIGTTOU, which removes a worker,
closes its slot's socket: connections still queued on that one are reset (Linux can hand them to the other
sockets with ``net.ipv4.tcp_migrate_req=1``).

Before the group is bound, the address is bound once without ``SO_REUSEPORT``, which fails when anything else
listens there: without that, a second server started by mistake by the same user would silently join the group
and take a share of the connections instead of failing with "address already in use".

Where ``SO_REUSEPORT`` does not balance (outside Linux) every worker shares one socket, as uvicorn's own.
"""

from __future__ import annotations

import logging
import socket
import sys

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors import Multiprocess
from uvicorn.supervisors.multiprocess import Process

__all__ = ["Listener", "WorkerPool", "balancing_supported"]

log = logging.getLogger("telreg.serve")
# How long SIGHUP's rolling restart waits for each new worker to serve before it keeps the old one and stops.
# uvicorn waits its health-check timeout (5 s), but a new worker imports and builds the whole app: 7 s was seen on
# a loaded 2-core machine, and every SIGHUP restart there was abandoned (tests/core/test_serve_workers.py).
READY_SECONDS = 120.0


def balancing_supported() -> bool:
    """Whether the kernel spreads connections among sockets sharing a port (Linux's SO_REUSEPORT; BSD's does not)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


class Listener:
    """The public address and the listening sockets bound to it, one per worker slot (or one for all)."""

    def __init__(self, host: str, port: int, *, balanced: bool | None = None) -> None:
        self.host = host
        self.family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as uvicorn decides it
        self.balanced = balancing_supported() if balanced is None else balanced
        self.port = self._probe(port)  # a port of 0 becomes the one the system chose, shared by every slot
        self.slots: list[socket.socket] = []

    def _new_socket(self, *, reuse_port: bool) -> socket.socket:
        sock = socket.socket(self.family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once over TIME_WAIT connections
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        return sock

    def _probe(self, port: int) -> int:
        """Bind the address without SO_REUSEPORT: fails (OSError, "address already in use") if anything listens there.

        The probe is the shared socket itself when the workers share one; otherwise it is closed again at once."""
        probe = self._new_socket(reuse_port=False)
        try:
            probe.bind((self.host, port))
        except OSError:
            probe.close()
            raise
        bound = int(probe.getsockname()[1])
        if self.balanced:
            probe.close()
        else:
            probe.set_inheritable(True)
            self._shared = probe
        return bound

    def sockets_for(self, slot: int) -> list[socket.socket]:
        """The socket of worker slot ``slot`` (0, 1, …), bound on first use and kept until :meth:`release`."""
        if not self.balanced:
            return [self._shared]
        while len(self.slots) <= slot:
            sock = self._new_socket(reuse_port=True)
            try:
                sock.bind((self.host, self.port))
            except OSError:
                sock.close()
                raise
            sock.set_inheritable(True)
            self.slots.append(sock)
        return [self.slots[slot]]

    def release(self, keep: int) -> None:
        """Close the sockets of the slots from ``keep`` on (their workers are gone)."""
        while len(self.slots) > keep:
            self.slots.pop().close()

    def close(self) -> None:
        self.release(0)
        if not self.balanced:
            self._shared.close()


class WorkerPool(Multiprocess):
    """uvicorn's Multiprocess with each worker slot's socket from a :class:`Listener`.

    uvicorn gives every worker ``self.sockets``; the methods that start a worker are restated here with the slot's
    socket instead, their logic otherwise uvicorn's (0.55): start all, replace a dead or hung one (a worker that
    failed before serving stops the pool), roll a restart on SIGHUP (each new worker given READY_SECONDS to serve,
    not the health check's 5 s), add one on SIGTTIN, remove one on SIGTTOU."""

    def __init__(self, config: Config, listener: Listener) -> None:
        super().__init__(config, [])
        self.listener = listener

    def _worker(self, slot: int) -> Process:
        process = Process(self.config, self.listener.sockets_for(slot))
        process.start()
        return process

    def run(self) -> None:
        kind = f"a socket each (SO_REUSEPORT) on {self.listener.host}:{self.listener.port}" if self.listener.balanced \
            else f"one socket on {self.listener.host}:{self.listener.port}"
        log.info("public workers: %d, %s", self.processes_num, kind,
                 extra={"event": "serve.listening", "port": self.listener.port, "workers": self.processes_num})
        try:
            super().run()
        finally:
            self.listener.close()

    def init_processes(self) -> None:
        for slot in range(self.processes_num):
            self.processes.append(self._worker(slot))

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for slot, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # dead or hung
            process.join()
            if process.exitcode == STARTUP_FAILURE:  # it never served: every replacement would fail alike
                log.error("public worker %s failed to start; stopping the server", process.pid,
                          extra={"event": "serve.failed", "role": "public worker", "pid": process.pid})
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            log.warning("public worker %s died; starting another on its socket", process.pid,
                        extra={"event": "serve.restarted", "role": "public worker", "pid": process.pid})
            self.processes[slot] = self._worker(slot)

    def restart_all(self) -> None:
        for slot, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._worker(slot)
            if not new.wait_until_ready(max(READY_SECONDS, self.config.timeout_worker_healthcheck), self.should_exit):
                new.kill()
                new.join()
                if not self.should_exit.is_set():
                    log.error("the new public worker %s was not ready in time; keeping %s and stopping the restart",
                              new.pid, old.pid, extra={"event": "serve.restart_aborted", "pid": new.pid})
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def handle_ttin(self) -> None:
        log.info("SIGTTIN: adding a public worker")
        self.processes_num += 1
        self.processes.append(self._worker(len(self.processes)))

    def handle_ttou(self) -> None:
        super().handle_ttou()
        self.listener.release(len(self.processes))
