"""Choosing a page's language and formatting per locale: ?lang=, the session, Accept-Language, tampering."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from telreg.web import i18n


@pytest.mark.parametrize("tampered", ["xx", "<script>", "zh-Hant'", "EN", ""])
def test_a_tampered_lang_reads_english_and_is_not_remembered(client: Any, tampered: str) -> None:
    client.get("/?lang=zh-Hant")  # remembered
    page = client.get("/", params={"lang": tampered})
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert '<html lang="zh-Hant">' in client.get("/").text  # the earlier choice still stands


def test_each_language_is_reached_by_accept_language_then_by_lang(client: Any) -> None:
    for header, lang in (("zh-CN,zh;q=0.9", "zh-Hans"), ("zh-HK", "zh-Hant"), ("fr, en;q=0.5", "en")):
        assert f'<html lang="{lang}">' in client.get("/", headers={"accept-language": header}).text
    for lang in i18n.LANGUAGES:
        assert f'<html lang="{lang}">' in client.get("/", params={"lang": lang}).text


@pytest.mark.parametrize(("lang", "date", "money", "size"), [
    ("en", "13 March 2026", "HK$1,600.00", "5.2 MB"),
    ("zh-Hant", "2026年3月13日", "HK$1,600.00", "5.2 MB"),
    ("zh-Hans", "2026年3月13日", "HK$1,600.00", "5.2 MB"),
])
def test_dates_amounts_and_sizes_follow_the_locale(lang: str, date: str, money: str, size: str) -> None:
    assert i18n.format_date(dt.date(2026, 3, 13), lang) == date
    assert i18n.format_money(160_000, lang) == money
    assert i18n.format_size(5_234_567, lang) == size
    assert i18n.format_size(999, lang) == "999 B"
