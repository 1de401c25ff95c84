"""The online check's fast path for common spellings gives the general parser's answers, entry by entry."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from telreg.core.errors import InvalidNumber
from telreg.core.phone import parse_registrable
from telreg.senders import online_check
from telreg.senders.online_check import parse_entry


def _general(raw: str | None) -> tuple[str | None, str | None]:
    try:
        return parse_registrable(raw).national, None
    except InvalidNumber as problem:
        return None, problem.message


digits = st.text(alphabet="0123456789", min_size=0, max_size=12)
separator = st.sampled_from(["", " ", "-", "  ", "--", ".", "\t", "\u3000"])
prefix = st.sampled_from(["", "+852", "852", "00852", "+85", "+44", "+", "+852 ", "852-", "852 ", "+852-", " "])
shaped = st.builds(lambda p, a, s, b, t: f"{p}{a}{s}{b}{t}", prefix, digits, separator, digits,
                   st.sampled_from(["", " ", "-", "x", "\n"]))
anything = st.text(alphabet="0123456789 +-852()x.\u0662\uff12", max_size=20)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(shaped, anything))
@example("21234567")
@example("2123 4567")
@example("+852 2123 4567")
@example("852-21234567")
@example("85221234567")
@example("8522 1234")
@example("30012345")  # a service code: not registrable, worded by the general parser
@example("+852 0123 4567")
@example("2123--4567")
@example("２１２３４５６７")  # full-width digits fold to ASCII
def test_the_fast_path_agrees_with_the_general_parser(raw):
    assert parse_entry(raw) == _general(raw)


def test_the_fast_path_is_taken_for_the_common_spellings(monkeypatch):
    """Proof that the fast path exists: with the general parser gone, common spellings still parse."""
    def refuse(_raw):
        raise AssertionError("the general parser was asked")

    monkeypatch.setattr(online_check, "parse_registrable", refuse)
    for raw in ("21234567", "2123 4567", "9123-4567", "+852 2123 4567", "+85291234567", "852 9123 4567"):
        assert parse_entry(raw) == (raw.replace("+", "").replace(" ", "").replace("-", "")[-8:], None)


class _Text(str):
    """A str subclass: C reads only exact str in place; this one goes to the general parser."""


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(shaped, anything, st.none(), st.integers(0, 10**9), st.just(""),
                          st.text(max_size=70), st.builds(_Text, shaped)), max_size=100))
def test_a_whole_check_parsed_at_once_gives_each_entry_s_answer(raws):
    """parse_entries (the C number rules over the check's ASCII str entries, read in place) == parse_entry one by
    one; a tuple of entries as a list."""
    expected = [parse_entry(raw) for raw in raws]
    assert online_check.parse_entries(raws) == expected
    assert online_check.parse_entries(tuple(raws)) == expected


def test_the_whole_check_path_parses_in_c(monkeypatch):
    """Proof that parse_entries does not just call parse_entry: common spellings parse with both fallbacks gone."""
    def refuse(_raw):
        raise AssertionError("an entry went one by one")

    monkeypatch.setattr(online_check, "parse_entry", refuse)
    raws = ["21234567", "2123 4567", "9123-4567", "+852 2123 4567", "+85291234567", "852 9123 4567"]
    assert online_check.parse_entries(raws) == [
        (raw.replace("+", "").replace(" ", "").replace("-", "")[-8:], None) for raw in raws]
