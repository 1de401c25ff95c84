"""Arrays a thread reuses from chunk to chunk, and chunk buffers the reader reuses.

Why: a fresh array of megabytes is fresh memory, which the kernel must zero page by page (with transparent huge
pages, 2 MB at a time) before the first write. Allocating every per-chunk array anew made a fifth of a scrub's CPU
time the kernel's ``clear_page``. Reused arrays are zeroed once per thread, not once per chunk.
"""

from __future__ import annotations

import threading
from queue import Empty, SimpleQueue

import numpy as np
import numpy.typing as npt

__all__ = ["BufferPool", "Scratch", "scratch"]


class Scratch:
    """Named, growable arrays; an array handed out stays valid until the same name is asked for again."""

    def __init__(self) -> None:
        self._buffers: dict[str, npt.NDArray[np.uint8]] = {}

    def get(self, name: str, dtype: type[np.generic] | np.dtype, n: int) -> np.ndarray:  # type: ignore[type-arg]
        size = n * np.dtype(dtype).itemsize
        buffer = self._buffers.get(name)
        if buffer is None or len(buffer) < size:
            buffer = self._buffers[name] = np.empty(size + size // 4 + 64, dtype=np.uint8)  # room to grow a little
        return buffer[:size].view(dtype)


_local = threading.local()


def scratch() -> Scratch:
    """This thread's scratch arrays."""
    found: Scratch | None = getattr(_local, "scratch", None)
    if found is None:
        found = _local.scratch = Scratch()
    return found


# A chunk's buffer holds the line cut off the end of the chunk before it, so the sizes asked for vary by a line:
# buffers made exactly to size were too small for the next chunk one time in two, and every new 2 MB buffer is fresh
# memory to fault in (1,900 page faults at 50 million lines).
_HEADROOM = 64 << 10


class BufferPool:
    """Chunk buffers given back once a chunk is done, for the reader to fill again (thread-safe)."""

    def __init__(self) -> None:
        self._free: SimpleQueue[npt.NDArray[np.uint8]] = SimpleQueue()

    def take(self, size: int) -> npt.NDArray[np.uint8]:
        try:
            buffer = self._free.get_nowait()
        except Empty:
            return np.empty(size + _HEADROOM, dtype=np.uint8)
        return buffer if len(buffer) >= size else np.empty(size + _HEADROOM, dtype=np.uint8)

    def give(self, buffer: npt.NDArray[np.uint8]) -> None:
        self._free.put(buffer)
