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
    from telreg.realname.policy import get_policy

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
    from telreg.realname.policy import get_policy

    rt = runtime()
    get_policy(rt.settings)  # before the worker thread, so a broken policy stops everything with its message
    if with_worker:
        from telreg.core.jobs import run_worker

        threading.Thread(target=run_worker, args=(rt,), daemon=True, name="telreg-worker").start()
    uvicorn.run(create_app(rt), host=host, port=port, log_level="info")
