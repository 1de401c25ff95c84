"""What each process of `telreg serve` runs: a public-app worker, the listeners, the job worker.

Every process builds its own runtime (settings from the environment, its own database pool) and, outside
production, points the dev inbox and the demo lines at the run's shared directory (``telreg.core.dev_share``).
The supervisor (``telreg.core.supervisor``) passes what the processes share through one environment variable,
:data:`OPTIONS_VARIABLE`, which the spawned processes inherit: uvicorn calls :func:`public_app` with no argument.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event

    from telreg.runtime import Runtime

__all__ = ["OPTIONS_VARIABLE", "ServeOptions", "public_app", "run_job_worker", "run_listeners"]

OPTIONS_VARIABLE = "TELREG_SERVE_OPTIONS"
WORKER_HEADER = b"x-telreg-worker"
log = logging.getLogger("telreg.serve")


@dataclass(frozen=True)
class ServeOptions:
    """What the supervisor tells its processes."""

    log_level: str = "INFO"
    shared_dir: str | None = None  # outside production: the run's dev inbox and demo lines (dev_share)
    ivr_host: str = "127.0.0.1"
    ivr_port: int = 8001
    mtls_host: str = "127.0.0.1"
    mtls_port: int | None = None

    def to_environment(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_environment(cls) -> ServeOptions:
        raw = os.environ.get(OPTIONS_VARIABLE)
        return cls(**json.loads(raw)) if raw else cls()


def process_runtime(options: ServeOptions) -> Runtime:
    """The runtime of one server process, with the run's shared dev state when there is one."""
    from telreg.core.cli_support import runtime
    from telreg.core.logs import configure_logging

    configure_logging(options.log_level)
    rt = runtime()
    if options.shared_dir is not None and not rt.settings.is_production:
        from telreg.core.dev_share import use_shared

        use_shared(rt, Path(options.shared_dir))
    return rt


def public_app() -> Any:
    """uvicorn's factory in each worker process: the public app on this process's own runtime (so the state the
    app starts in its lifespan — indexes, writer threads — exists once per worker)."""
    from telreg.app import create_app

    rt = process_runtime(ServeOptions.from_environment())
    app = create_app(rt)
    app.state.freeze_after_start = True  # a long-lived server process (telreg.app._lifespan)
    if rt.settings.is_production:
        return app
    return _naming_the_worker(app)


def _naming_the_worker(app: Any) -> Any:
    """Outside production, answer every HTTP request with the worker's process id (X-Telreg-Worker), so a
    developer — and the test of --workers — can see which process answered."""
    pid = str(os.getpid()).encode()

    async def named(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_named(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), (WORKER_HEADER, pid)]}
            await send(message)

        return await app(scope, receive, send_named)

    return named


def run_listeners(options: ServeOptions, started: Event) -> None:
    """The listeners' process: the signed IVR webhook and, when configured, the mutual-TLS listener; STARTED is
    set once both serve."""
    import asyncio

    import uvicorn

    from telreg.core.listeners import Server, serve_all
    from telreg.dnc.ivr_api import create_ivr_app

    rt = process_runtime(options)
    level = options.log_level.lower()
    servers = [Server(uvicorn.Config(create_ivr_app(rt), host=options.ivr_host, port=options.ivr_port,
                                     log_level=level, log_config=None))]
    if options.mtls_port is not None:  # senders' automation by client certificate (telreg.ecert.mtls)
        from telreg.ecert.mtls import mtls_config

        servers.append(Server(mtls_config(rt, host=options.mtls_host, port=options.mtls_port, log_level=level)))
    asyncio.run(serve_all(servers, on_started=started.set))


def run_job_worker(options: ServeOptions, started: Event) -> None:
    """The job worker's process: `telreg.core.jobs.run_worker` until SIGTERM or SIGINT, which let the job in
    progress finish (and commit) before the process ends; STARTED is set once its runtime is built."""
    from telreg.core.jobs import run_worker

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    rt = process_runtime(options)
    started.set()
    log.info("job worker started", extra={"event": "serve.job_worker", "pid": os.getpid()})
    run_worker(rt, stop=stop)
    log.info("job worker stopped", extra={"event": "serve.job_worker_stopped", "pid": os.getpid()})
