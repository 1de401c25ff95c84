"""core/exports.py: the Content-Disposition of every download and the formula-safe CSV of every export."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest

from telreg.core.exports import attachment, csv_writer, formula_safe


@pytest.mark.parametrize(("name", "plain"), [
    ("sms-current.csv", "sms-current.csv"),
    ("sms-current-客戶.csv", "sms-current-__.csv"),
    ('a"b.csv', "a_b.csv"),
    ("a\r\nSet-Cookie: x.csv", "a__Set-Cookie__x.csv"),
    ("a;b,c\\d.csv", "a_b_c_d.csv"),
    ("客戶", "download"),
])
def test_attachment_has_an_ascii_name_and_the_real_one(name: str, plain: str) -> None:
    header = attachment(name)
    header.encode("latin-1")  # Starlette would refuse anything else (the 500 of issue 14)
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert header.startswith(f'attachment; filename="{plain}"; filename*=UTF-8\'\'')
    assert unquote(header.split("UTF-8''", 1)[1]) == name
    assert header.count('"') == 2 and header.count(";") == 2


@pytest.mark.parametrize(("value", "written"), [
    ("=1+2", "'=1+2"), ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("F-17", "F-17"), ("85291234567", "85291234567"), ("+85291234567", "+85291234567"),
    ("-3", "-3"), ("12.5", "12.5"), ("", ""), (-3, -3), (None, None),
])
def test_formula_safe(value: object, written: object) -> None:
    assert formula_safe(value) == written


def test_the_writer_neutralises_every_cell() -> None:
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(["=A1", "ok", 5])
    writer.writerows([["@x", "-1"]])
    assert out.getvalue() == "'=A1,ok,5\n'@x,-1\n"
