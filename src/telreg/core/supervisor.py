"""The supervisor of `telreg serve`: uvicorn's worker supervisor, plus the job worker and the listeners.

    supervisor (this process: binds the public sockets, serves nothing; outside production the dev SMTP sink)
    ├── public app worker × N   uvicorn workers, a listening socket each (worker_pool); each builds its own app
    ├── listeners               the IVR webhook and the mutual-TLS listener, one event loop (server_app.run_listeners)
    └── job worker              telreg.core.jobs.run_worker (server_app.run_job_worker), with --with-worker

The public workers are a :class:`~telreg.core.worker_pool.WorkerPool` (uvicorn's Multiprocess with a socket per
worker, so that connections spread evenly): a worker that dies or stops answering its health check for
``timeout_worker_healthcheck`` seconds is killed and replaced; one that fails before it serves (a broken app, say)
stops the whole server, since every replacement would fail alike; SIGHUP replaces the workers one by one,
SIGTTIN/SIGTTOU add or remove one. The other two processes are supervised here the same
way: replaced when they die after they started, the server stopped (exit status 1, the reason logged) when
they die before — a listener's port taken, for instance — since a replacement would fail alike.

SIGTERM or SIGINT stops everything: SIGTERM to every child, the job worker given :data:`JOB_GRACE_SECONDS` to finish
the job in hand, then the supervisor exits 0.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from multiprocessing.context import SpawnProcess
from typing import Any

from uvicorn.config import Config

from telreg.core.server_app import ServeOptions
from telreg.core.worker_pool import Listener, WorkerPool

__all__ = ["Supervisor"]

JOB_GRACE_SECONDS = 30.0
log = logging.getLogger("telreg.serve")
spawn = multiprocessing.get_context("spawn")  # as uvicorn's workers: nothing of this process is inherited


class Supervisor(WorkerPool):
    """The public workers' pool with processes of other kinds beside them (``others``: name → target,
    each a module-level function called with the ServeOptions and an Event it sets once it has started)."""

    def __init__(self, config: Config, listener: Listener, *, options: ServeOptions,
                 others: dict[str, Callable[[ServeOptions, Any], None]]) -> None:
        super().__init__(config, listener)
        self.options = options
        self.others = others
        self.running: dict[str, tuple[SpawnProcess, Any]] = {}  # name → (process, its "started" Event)
        self.signalled = False

    @property
    def failed(self) -> bool:
        """True when the server stopped of itself (a process that could not start), not on a signal."""
        return self.should_exit.is_set() and not self.signalled

    def run(self) -> None:
        try:
            super().run()
        except BaseException:  # a bug of ours here must not leave the children running without a supervisor
            self.should_exit.set()
            self.terminate_all()
            self.join_all()
            raise

    def init_processes(self) -> None:
        for name in self.others:
            self._start(name)
        super().init_processes()

    def _start(self, name: str) -> None:
        started = spawn.Event()
        process = spawn.Process(target=self.others[name], args=(self.options, started), name=f"telreg-{name}")
        process.start()
        self.running[name] = (process, started)
        log.info("%s process launched", name, extra={"event": "serve.started", "role": name, "pid": process.pid})

    def keep_subprocess_alive(self) -> None:
        super().keep_subprocess_alive()  # the public workers
        for name, (process, started) in list(self.running.items()):
            if self.should_exit.is_set():
                return
            if process.is_alive():
                continue
            process.join()
            fields = {"role": name, "pid": process.pid, "exitcode": process.exitcode}
            if not started.is_set():
                log.error("%s process exited (status %s) before it was ready; stopping the server", name,
                          process.exitcode, extra={"event": "serve.failed", **fields})
                self.should_exit.set()
                return
            log.warning("%s process died (status %s); starting another", name, process.exitcode,
                        extra={"event": "serve.restarted", **fields})
            self._start(name)

    def handle_int(self) -> None:
        self.signalled = True
        super().handle_int()

    def handle_term(self) -> None:
        self.signalled = True
        super().handle_term()

    def terminate_all(self) -> None:
        for process, _ in self.running.values():
            if process.is_alive():
                process.terminate()  # SIGTERM: the job worker ends after the job in hand
        super().terminate_all()

    def join_all(self) -> None:
        super().join_all()
        for name, (process, _) in self.running.items():
            process.join(JOB_GRACE_SECONDS)
            if process.is_alive():
                log.warning("%s process still running after %.0f s; killing it", name, JOB_GRACE_SECONDS,
                            extra={"event": "serve.killed", "role": name, "pid": process.pid})
                process.kill()
                process.join()
