"""The development conveniences of one `telreg serve`, shared by its processes: the demo lines and the dev inbox.

In one process the demo's telephone network (``telreg.core.notify.DemoLines``) and the development inbox
(``telreg.core.dev_inbox.DevInbox``) are objects in memory. `telreg serve` runs the public app in several worker
processes, the job worker in a process of its own and the SMTP sink in the supervisor, so a line scripted on
``/api/v1/dev/lines`` (answered by one worker) must reach the job worker that makes the call, and a mail the sink
received must show on ``/dev/inbox`` whichever worker answers. Outside production `telreg serve` gives every
process of one run the same directory (:func:`use_shared`), where these subclasses keep their state: a small JSON
file each, read and rewritten under an exclusive ``flock`` on every operation. A demo makes a handful of calls and
mails a minute; a file is plenty, needs no service and dies with the run (the supervisor removes the directory).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telreg.core.dev_inbox import KEPT, DevInbox, InboxMail
from telreg.core.notify import (
    RECENT_KEPT,
    CallOutcome,
    DemoLines,
    DemoSms,
    FaxOutcome,
    LineEvent,
    shared_demo_lines,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from telreg.runtime import Runtime

__all__ = ["SharedDemoLines", "SharedDevInbox", "use_shared"]


@contextmanager
def _locked_state(directory: Path, name: str, *, write: bool) -> Iterator[dict[str, Any]]:
    """Yield the JSON state NAME under an exclusive lock; with write, store what the caller left in it."""
    with open(directory / f"{name}.lock", "a+") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # released when the file closes, whatever happens
        path = directory / f"{name}.json"
        try:
            state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            state = {}
        yield state
        if write:
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, path)  # a reader never sees half a file


class SharedDemoLines(DemoLines):
    """DemoLines whose scripts and record live in DIRECTORY, so every process of one server sees the same."""

    def __init__(self, directory: Path, *, now: Callable[[], dt.datetime] | None = None,
                 keep: int = RECENT_KEPT) -> None:
        super().__init__(now=now, keep=keep)
        self._directory = directory
        self._keep = keep

    @contextmanager
    def _shared(self, *, write: bool) -> Iterator[None]:
        with _locked_state(self._directory, "demo-lines", write=write) as state:
            self._calls = defaultdict(deque, {n: deque(map(CallOutcome, q)) for n, q in state.get("calls", {}).items()})
            self._faxes = defaultdict(deque, {n: deque(map(FaxOutcome, q)) for n, q in state.get("faxes", {}).items()})
            self._recent = deque((_event(e) for e in state.get("recent", [])), maxlen=self._keep)
            yield
            state["calls"] = {n: [o.value for o in q] for n, q in self._calls.items() if q}
            state["faxes"] = {n: [o.value for o in q] for n, q in self._faxes.items() if q}
            state["recent"] = [{**asdict(e), "at": e.at.isoformat()} for e in self._recent]

    def script(self, number: str, *, calls: Iterable[str] = (), faxes: Iterable[str] = ()) -> None:
        with self._shared(write=True):
            super().script(number, calls=calls, faxes=faxes)

    def clear(self, number: str) -> None:
        with self._shared(write=True):
            super().clear(number)

    def scripted(self, number: str | None = None) -> dict[str, dict[str, list[str]]]:
        with self._shared(write=False):
            return super().scripted(number)

    def recent(self, limit: int | None = None) -> list[LineEvent]:
        with self._shared(write=False):
            return super().recent(limit)

    def call(self, number: str, message: str) -> CallOutcome:
        with self._shared(write=True):
            return super().call(number, message)

    def fax(self, number: str, text: str) -> FaxOutcome:
        with self._shared(write=True):
            return super().fax(number, text)

    def sms(self, number: str, text: str) -> None:
        with self._shared(write=True):
            super().sms(number, text)


def _event(data: dict[str, Any]) -> LineEvent:
    return LineEvent(**{**data, "at": dt.datetime.fromisoformat(data["at"])})


class SharedDevInbox(DevInbox):
    """A DevInbox kept in DIRECTORY: the supervisor's SMTP sink writes it, every worker's /dev/inbox reads it."""

    def __init__(self, directory: Path, *, now: Callable[[], dt.datetime] | None = None, keep: int = KEPT) -> None:
        super().__init__(now=now, keep=keep)
        self._directory = directory
        self._keep = keep

    @contextmanager
    def _shared(self, *, write: bool) -> Iterator[None]:
        with _locked_state(self._directory, "dev-inbox", write=write) as state:
            self._mails = deque((_mail(m) for m in state.get("mails", [])), maxlen=self._keep)
            yield
            state["mails"] = [{**asdict(m), "received_at": m.received_at.isoformat()} for m in self._mails]

    def receive(self, *, sender: str, to: list[str], content: bytes) -> InboxMail:
        with self._shared(write=True):
            return super().receive(sender=sender, to=to, content=content)

    def mails(self, limit: int | None = None) -> list[InboxMail]:
        with self._shared(write=False):
            return super().mails(limit)

    def clear(self) -> None:
        with self._shared(write=True):
            super().clear()


def _mail(data: dict[str, Any]) -> InboxMail:
    return InboxMail(**{**data, "to": tuple(data["to"]), "received_at": dt.datetime.fromisoformat(data["received_at"])})


def use_shared(runtime: Runtime, directory: Path) -> Runtime:
    """Point the runtime's dev inbox and demo lines (when it uses the demo adapters) at DIRECTORY; return it."""
    # Dated late-bound, as build_runtime does: the lambdas follow a clock swapped in later.
    runtime.inbox = SharedDevInbox(directory, now=lambda: runtime.clock.now())
    if shared_demo_lines(runtime.telephony, runtime.fax) is not None:
        lines = SharedDemoLines(directory, now=lambda: runtime.clock.now())
        runtime.telephony.lines = lines  # type: ignore[attr-defined]  # DemoTelephony, checked just above
        runtime.fax.lines = lines  # type: ignore[attr-defined]  # DemoFax
        if isinstance(runtime.sms, DemoSms):
            runtime.sms.lines = lines
    return runtime
