"""Several uvicorn listeners in one process (`telreg serve`: the public app and the IVR webhook)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator

import uvicorn

__all__ = ["Server", "serve_all"]


class Server(uvicorn.Server):
    """A uvicorn server that leaves the signals to :func:`serve_all`, which stops every listener at once."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_all(servers: list[uvicorn.Server], *, on_started: Callable[[], None] | None = None) -> None:
    """Run the listeners in one event loop; Ctrl-C / SIGTERM (or one of them stopping) stops them all.
    ON_STARTED is called once every listener is bound and serving (`telreg serve`'s supervisor learns that the
    listeners' process started: dying later is a crash to recover from, dying before is a failure to report)."""
    loop = asyncio.get_running_loop()

    def stop(sig: signal.Signals | None = None) -> None:
        for server in servers:
            # A second Ctrl-C stops without waiting for connections, as uvicorn does. Only a second SIGINT: under
            # `telreg serve` a Ctrl-C reaches every process, then the supervisor's SIGTERM follows, and that must
            # not cut short the apps' shutdown.
            if server.should_exit and sig == signal.SIGINT:
                server.force_exit = True
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread, or Windows
            loop.add_signal_handler(sig, stop, sig)
    tasks = [asyncio.create_task(_serve(server)) for server in servers]
    watcher = asyncio.create_task(_when_started(servers, on_started)) if on_started is not None else None
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    stop()
    await asyncio.gather(*tasks)
    if watcher is not None:
        watcher.cancel()
    if any(not server.started for server in servers):
        raise SystemExit(1)  # a listener could not bind its address (uvicorn has logged why)


async def _serve(server: uvicorn.Server) -> None:
    try:
        await server.serve()
    except SystemExit:  # uvicorn's answer to an address it cannot bind, once it has logged why: stop the others
        pass


async def _when_started(servers: list[uvicorn.Server], on_started: Callable[[], None]) -> None:
    while not all(server.started for server in servers):
        await asyncio.sleep(0.05)
    on_started()
