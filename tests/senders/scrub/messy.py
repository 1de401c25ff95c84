"""Numbers written as people write them in calling lists (CRM exports, spreadsheets), for the property tests: every
spelling core/phone.py accepts and the near misses it refuses (dots, brackets, 00852, toll-free, short codes, typos)."""

from __future__ import annotations

from hypothesis import strategies as st

STYLES = (
    "{n}", "{a} {b}", "{a}-{b}", "+852 {a} {b}", "+852{n}", "852{n}", "852 {n}", "852-{a}-{b}", "+852-{a}-{b}",
    "{n[0]}{n[1]}-{n[2]}{n[3]}{n[4]}-{b}", " {n}\t", "{a}.{b}", "({a}) {b}", "(852) {a} {b}", "00852 {a} {b}",
    "00852{n}", "+852 ({a}) {b}", "{a}  {b}", "{n}-", "+ 852 {n}", "+44 {n}", "{n}9", "{a} {b} ext 1", "8 52{n}",
    "800 {c}", "+852 800 {c}", "{t}", "99{t}", "1{t}", "tel: {a} {b}", "{a}/{b}", "#{n}", "{a}_{b}", "+{n}",
)


def spell(number: int, style: int) -> str:
    n = f"{number:08d}"
    return STYLES[style].format(n=n, a=n[:4], b=n[4:], c=n[2:8], t=n[:3])


def messy_numbers(numbers: st.SearchStrategy[int] = st.integers(0, 99_999_999)) -> st.SearchStrategy[str]:
    return st.builds(spell, numbers, st.integers(0, len(STYLES) - 1))
