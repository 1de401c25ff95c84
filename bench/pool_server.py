"""Serve an ASGI app factory the way `telreg serve` serves the public app: its worker pool, a listening socket per
worker (telreg.core.worker_pool), so that the HTTP benchmarks run telreg and their floor apps alike, and alike to
production.

    python bench/pool_server.py MODULE:FACTORY --port P --workers N [--app-dir DIR] [--shared-socket]

``--shared-socket`` gives every worker one socket, as plain ``uvicorn --workers`` does, to measure the difference.
"""

from __future__ import annotations

import argparse
import sys

import uvicorn

from telreg.core.worker_pool import Listener, WorkerPool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("factory")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--app-dir")
    parser.add_argument("--shared-socket", action="store_true")
    args = parser.parse_args()
    if args.app_dir:
        sys.path.insert(0, args.app_dir)  # the spawned workers start with this process's sys.path
    config = uvicorn.Config(args.factory, factory=True, host="127.0.0.1", port=args.port, workers=args.workers,
                            log_level="warning", access_log=False)
    WorkerPool(config, Listener("127.0.0.1", args.port, balanced=not args.shared_socket)).run()


if __name__ == "__main__":  # the spawned workers import this file again, as __mp_main__
    main()
