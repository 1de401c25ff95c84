"""The dated publication is inflated and parsed piece by piece: lines cut between pieces must read as whole lines."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import numpy as np
import pytest

from telreg.core.calendar import WorkingCalendar
from telreg.senders.scrub import publication as module
from telreg.senders.scrub.errors import PublicationRefused

from .helpers import write_publication

DAY = dt.date(2026, 3, 2)


def _listings(count: int) -> dict[str, str]:
    rng = random.Random(count)
    numbers = rng.sample(range(20_000_000, 99_999_999), count)
    return {f"{n:08d}": (dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(6000))).isoformat() for n in numbers}


@pytest.mark.parametrize("piece", [1, 5, 19, 64, 1 << 20])
def test_every_piece_size_reads_the_same_register(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    piece: int) -> None:
    listings = _listings(3_000)  # ~57 KB of lines, ~20 KB compressed: many pieces at the small sizes
    path = write_publication(tmp_path, listings, day=DAY)
    monkeypatch.setattr(module, "_PIECE", piece)
    loaded = module.load_publication(path, register="sms", calendar=WorkingCalendar())

    assert loaded.count == len(listings)
    members = np.flatnonzero(np.unpackbits(loaded.listed.words.view(np.uint8), bitorder="little"))
    assert members.tolist() == sorted(int(n) for n in listings)
    dates = [loaded.registered_on[i].isoformat() for i in loaded.date_of_member.tolist()]
    assert dates == [listings[f"{n:08d}"] for n in members.tolist()]


def test_a_bad_line_far_into_the_entry_is_named_with_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from telreg.core.clock import HK
    from telreg.dnc.publish import formats

    lines = [b"%08d,20200101" % n for n in range(20_000_000, 20_000_500)]
    lines[321] = b"2000032X,20200101"
    path = tmp_path / "sms-dated.zip"
    formats.write_zip(path, entry="sms-dated.txt", data=b"".join(line + b"\r\n" for line in lines), lines=len(lines),
                      stamp=dt.datetime.combine(DAY, dt.time(23, 0), HK))
    monkeypatch.setattr(module, "_PIECE", 7)
    with pytest.raises(PublicationRefused, match=r"line 322 is not 'NNNNNNNN,YYYYMMDD'"):
        module.load_publication(path, register="sms", calendar=WorkingCalendar())


def test_more_distinct_dates_than_two_bytes_index_are_refused_with_the_line(tmp_path: Path) -> None:
    """Dates are indexed in 16 bits; the 65,537th distinct date is refused, not wrapped onto another date."""
    from telreg.core.clock import HK
    from telreg.dnc.publish import formats

    first = dt.date(1901, 1, 1)
    days = [(first + dt.timedelta(days=i)).strftime("%Y%m%d").encode() for i in range(65_537)]
    lines = [b"%08d,%s\r\n" % (20_000_000 + i, day) for i, day in enumerate(days)]
    path = tmp_path / "sms-dated.zip"
    formats.write_zip(path, entry="sms-dated.txt", data=b"".join(lines), lines=len(lines),
                      stamp=dt.datetime.combine(DAY, dt.time(23, 0), HK))
    with pytest.raises(PublicationRefused, match=r"more than 65,536 distinct registration dates \(line 65537\)"):
        module.load_publication(path, register="sms", calendar=WorkingCalendar())

    # one date fewer loads, each number with its own date, in date order
    formats.write_zip(path, entry="sms-dated.txt", data=b"".join(lines[:-1]), lines=len(lines) - 1,
                      stamp=dt.datetime.combine(DAY, dt.time(23, 0), HK))
    loaded = module.load_publication(path, register="sms", calendar=WorkingCalendar(), protection_days=0)
    assert len(loaded.registered_on) == 65_536
    assert loaded.registered_on[-1] == first + dt.timedelta(days=65_535)
    assert loaded.date_of_member[:3].tolist() == [0, 1, 2] and int(loaded.date_of_member[-1]) == 65_535
