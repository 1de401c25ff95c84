"""`telreg serve` and `telreg worker`.

`telreg serve` runs the public app in --workers processes, each on a listening socket of its own bound to --port
(``telreg.core.worker_pool``: the kernel spreads connections among them), the IVR webhook and the mutual-TLS
listener in a process of their own, and with --with-worker the job worker in another; the process that was started
supervises them (``telreg.core.supervisor``) and, outside production, runs the development SMTP sink, whose mails
every worker's /dev/inbox shows (``telreg.core.dev_share``).
"""

from __future__ import annotations

import os
from pathlib import Path
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
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="Processes answering --port (default TELREG_WEB_WORKERS, else one per CPU)")] = None,
    with_worker: Annotated[bool, typer.Option(
        "--with-worker", help="Run the job worker in a process of its own beside the server")] = False,
    proxy_headers: Annotated[bool | None, typer.Option(
        "--proxy-headers/--no-proxy-headers", help="Take the client's address and scheme from X-Forwarded-For "
        "and X-Forwarded-Proto when the request comes from an allowed proxy (default: on when "
        "--forwarded-allow-ips or TELREG_TRUSTED_PROXIES names one)")] = None,
    forwarded_allow_ips: Annotated[str | None, typer.Option(
        "--forwarded-allow-ips", help="Comma-separated addresses or networks of the reverse proxies whose "
        "X-Forwarded-* headers are believed (default TELREG_TRUSTED_PROXIES)")] = None,
    ivr_host: Annotated[str | None, typer.Option("--ivr-host", help="Address of the IVR webhook listener "
                                                 "(default TELREG_IVR_HOST, 127.0.0.1)")] = None,
    ivr_port: Annotated[int | None, typer.Option("--ivr-port", help="Port of the IVR webhook listener "
                                                 "(default TELREG_IVR_PORT, 8001)")] = None,
    mtls_host: Annotated[str | None, typer.Option("--mtls-host", help="Address of the mutual-TLS listener for "
                                                  "senders' automation (default TELREG_MTLS_HOST)")] = None,
    mtls_port: Annotated[int | None, typer.Option("--mtls-port", help="Port of the mutual-TLS listener "
                                                  "(default TELREG_MTLS_PORT; unset: not started)")] = None,
) -> None:
    """Serve the API and the web pages on --port in --workers processes, the signed IVR webhook on a listener of
    its own, and the job worker in a process of its own with --with-worker.

    SIGTERM or Ctrl-C stops every process; a worker that dies is replaced, and one that cannot start stops the
    server with exit status 1.
    """
    import shutil
    import tempfile

    import uvicorn

    from telreg.core.dev_inbox import start_smtp_sink
    from telreg.core.logs import configure_logging
    from telreg.core.secret_files import private_dir
    from telreg.core.server_app import OPTIONS_VARIABLE, ServeOptions, run_job_worker, run_listeners
    from telreg.core.supervisor import Supervisor
    from telreg.core.worker_pool import Listener
    from telreg.ecert.profiles import get_profiles
    from telreg.realname.policy import get_policy

    rt = runtime()
    settings = rt.settings
    configure_logging(settings.log_level)
    # Checked here, before any process starts, so that a broken file stops everything with its message.
    get_policy(settings)
    get_profiles(settings)
    log_signer(settings)  # production without the audit log's key stops here, not in a worker's loop
    shared_dir = None
    if not settings.is_production:  # the dev inbox and demo lines, seen alike by every process of this run
        parent = private_dir(Path(settings.data_dir) / "dev")
        _remove_abandoned(parent)
        shared_dir = Path(tempfile.mkdtemp(prefix=f"serve-{os.getpid()}-", dir=parent))
    options = ServeOptions(
        log_level=settings.log_level, shared_dir=None if shared_dir is None else str(shared_dir),
        ivr_host=ivr_host or settings.ivr_host, ivr_port=settings.ivr_port if ivr_port is None else ivr_port,
        mtls_host=mtls_host or settings.mtls_host, mtls_port=settings.mtls_port if mtls_port is None else mtls_port,
    )
    os.environ[OPTIONS_VARIABLE] = options.to_environment()  # inherited by every process started below
    allowed = forwarded_allow_ips if forwarded_allow_ips is not None else ",".join(settings.trusted_proxies)
    level = settings.log_level.lower()
    # log_config=None: uvicorn's lines go through our one handler instead of a format of its own.
    config = uvicorn.Config(
        "telreg.core.server_app:public_app", factory=True, host=host, port=port,
        workers=workers or settings.web_workers or os.cpu_count() or 1, log_level=level, log_config=None,
        # Off unless a proxy is named: uvicorn's own default believes any local process's X-Forwarded-For.
        proxy_headers=bool(allowed) if proxy_headers is None else proxy_headers,
        forwarded_allow_ips=allowed or None,
    )
    others = {"listeners": run_listeners} | ({"job worker": run_job_worker} if with_worker else {})
    sink = None
    try:
        if shared_dir is not None:
            from telreg.core.dev_share import use_shared

            sink = start_smtp_sink(use_shared(rt, shared_dir))  # outside production only: /dev/inbox's mails
        try:
            listener = Listener(host, port)  # bound here, before any worker starts; a socket per worker slot
        except OSError as exc:
            typer.echo(f"cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
            raise SystemExit(1) from None
        supervisor = Supervisor(config, listener, options=options, others=others)
        supervisor.run()
    finally:
        if sink is not None:
            sink.stop()
        if shared_dir is not None:
            shutil.rmtree(shared_dir, ignore_errors=True)
    if supervisor.failed:
        raise SystemExit(1)  # a process could not start (the reason is logged above)


def _remove_abandoned(parent: Path) -> None:
    """Remove the shared directories of earlier runs whose supervisor is gone (killed outright, say)."""
    import shutil

    for directory in parent.glob("serve-*-*"):
        pid = directory.name.split("-")[1]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            shutil.rmtree(directory, ignore_errors=True)
        except PermissionError:  # alive, another user's
            pass
