"""`telreg serve`, `telreg worker` and `telreg demo`."""

from __future__ import annotations

from typing import Annotated

import typer

from telreg.core.cli_support import runtime
from telreg.core.tlog.keys import log_signer


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("serve")(serve)


def worker(
    once: Annotated[bool, typer.Option("--once", help="Run the jobs that are due, then stop")] = False,
) -> None:
    """Run background jobs (callbacks, fax codes, retries, expiries, publication)."""
    from telreg.core.jobs import run_worker
    from telreg.core.logs import configure_logging
    from telreg.ecert.profiles import get_profiles
    from telreg.realname.policy import get_policy

    configure_logging(runtime().settings.log_level)
    get_policy(runtime().settings)  # refuse to start on a broken real-name policy
    get_profiles(runtime().settings)  # or on broken certificate profiles
    log_signer(runtime().settings)  # and without the audit log's key in production (it signs checkpoints)
    ran = run_worker(runtime(), once=once)
    if once:
        typer.echo(f"ran {ran} job(s)")


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    with_worker: Annotated[bool, typer.Option("--with-worker", help="Run a worker thread beside the server")] = False,
    ivr_host: Annotated[str | None, typer.Option("--ivr-host", help="Address of the IVR webhook listener "
                                                 "(default TELREG_IVR_HOST, 127.0.0.1)")] = None,
    ivr_port: Annotated[int | None, typer.Option("--ivr-port", help="Port of the IVR webhook listener "
                                                 "(default TELREG_IVR_PORT, 8001)")] = None,
    mtls_host: Annotated[str | None, typer.Option("--mtls-host", help="Address of the mutual-TLS listener for "
                                                  "senders' automation (default TELREG_MTLS_HOST)")] = None,
    mtls_port: Annotated[int | None, typer.Option("--mtls-port", help="Port of the mutual-TLS listener "
                                                  "(default TELREG_MTLS_PORT; unset: not started)")] = None,
) -> None:
    """Serve the API and the web pages on --port, and the signed IVR webhook on a listener of its own."""
    import asyncio
    import threading

    import uvicorn

    from telreg.app import create_app
    from telreg.core.dev_inbox import start_smtp_sink
    from telreg.core.listeners import Server, serve_all
    from telreg.core.logs import configure_logging
    from telreg.dnc.ivr_api import create_ivr_app
    from telreg.ecert.profiles import get_profiles
    from telreg.realname.policy import get_policy

    rt = runtime()
    configure_logging(rt.settings.log_level)
    get_policy(rt.settings)  # before the worker thread, so a broken policy stops everything with its message
    get_profiles(rt.settings)  # the certificate profiles likewise
    log_signer(rt.settings)  # production without the audit log's key stops here, not in a worker's loop
    sink = start_smtp_sink(rt)  # outside production only: the mails of /dev/inbox
    if with_worker:
        from telreg.core.jobs import run_worker

        threading.Thread(target=run_worker, args=(rt,), daemon=True, name="telreg-worker").start()
    try:
        # log_config=None: uvicorn's lines go through our one handler instead of a format of its own.
        level = rt.settings.log_level.lower()
        public = Server(uvicorn.Config(create_app(rt), host=host, port=port, log_level=level, log_config=None))
        ivr = Server(uvicorn.Config(create_ivr_app(rt), host=ivr_host or rt.settings.ivr_host,
                                     port=rt.settings.ivr_port if ivr_port is None else ivr_port,
                                     log_level=level, log_config=None))
        servers = [public, ivr]
        mtls_port = rt.settings.mtls_port if mtls_port is None else mtls_port
        if mtls_port is not None:  # senders' automation by client certificate (telreg.ecert.mtls)
            from telreg.ecert.mtls import mtls_config

            servers.append(Server(mtls_config(rt, host=mtls_host or rt.settings.mtls_host, port=mtls_port,
                                              log_level=level)))
        asyncio.run(serve_all(servers))
    finally:
        if sink is not None:
            sink.stop()
