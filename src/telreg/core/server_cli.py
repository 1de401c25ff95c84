"""`telreg serve`, `telreg worker` and `telreg demo`."""

from __future__ import annotations

from typing import Annotated

import typer

from telreg.core.cli_support import runtime


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("serve")(serve)


def worker(
    once: Annotated[bool, typer.Option("--once", help="Run the jobs that are due, then stop")] = False,
) -> None:
    """Run background jobs (callbacks, fax codes, retries, expiries, publication)."""
    from telreg.core.jobs import run_worker
    from telreg.core.logs import configure_logging
    from telreg.realname.policy import get_policy

    configure_logging(runtime().settings.log_level)
    get_policy(runtime().settings)  # refuse to start on a broken real-name policy
    ran = run_worker(runtime(), once=once)
    if once:
        typer.echo(f"ran {ran} job(s)")


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    with_worker: Annotated[bool, typer.Option("--with-worker", help="Run a worker thread beside the server")] = False,
) -> None:
    """Serve the API and the web pages."""
    import threading

    import uvicorn

    from telreg.app import create_app
    from telreg.core.dev_inbox import start_smtp_sink
    from telreg.core.logs import configure_logging
    from telreg.realname.policy import get_policy

    rt = runtime()
    configure_logging(rt.settings.log_level)
    get_policy(rt.settings)  # before the worker thread, so a broken policy stops everything with its message
    sink = start_smtp_sink(rt)  # outside production only: the mails of /dev/inbox
    if with_worker:
        from telreg.core.jobs import run_worker

        threading.Thread(target=run_worker, args=(rt,), daemon=True, name="telreg-worker").start()
    try:
        # log_config=None: uvicorn's lines go through our one handler instead of a format of its own.
        uvicorn.run(create_app(rt), host=host, port=port, log_level=rt.settings.log_level.lower(),
                    log_config=None)
    finally:
        if sink is not None:
            sink.stop()
