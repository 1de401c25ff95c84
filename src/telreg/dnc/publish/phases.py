"""Seconds spent per phase of a publication build, for the benchmark's breakdown (and anyone profiling a night).

Phases run on several threads at once (registers are built concurrently, the previous files are read while the
database scans), so the per-phase sums are thread-seconds and may add up to more than the build's wall time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Phases"]


class Phases:
    """Accumulate the seconds spent in named phases, from any thread."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._lock = threading.Lock()

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                self.seconds[name] = self.seconds.get(name, 0.0) + elapsed
