"""The catalogs: every sentence the code and the templates mark is translated in both Chinese variants, with the
same placeholders; a catalog compiles; a broken translation falls back to English instead of failing."""

from __future__ import annotations

import gettext

from telreg.core import i18n
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_, NP_
from telreg.core.i18n_catalogs import check, extract


def test_every_marked_sentence_is_translated_in_both_chinese_variants() -> None:
    assert check() == []


def test_extraction_finds_templates_code_and_contexts() -> None:
    found = {(m.context, m.id) for m in extract() if m.id}
    assert (None, "Skip to main content") in found  # base.html, _()
    assert (None, "No number was given.") in found  # web/i18n.py, N_()
    assert ("event_registered", "Registered") in found  # NP_() in code
    assert len(found) > 600


def test_a_sentence_reads_in_each_language_with_its_values() -> None:
    template = N_("Details: %(message)s")
    assert i18n.format_message("en", template, {"message": "x"}) == "Details: x"
    assert i18n.format_message("zh-Hant", template, {"message": "x"}) == "詳情:x"
    assert i18n.format_message("zh-Hans", template, {"message": "x"}) == "详情:x"
    assert i18n.translate("zh-Hant", NP_("event_registered", "Registered")) != "Registered"


def test_an_error_marked_for_the_catalogs_speaks_the_readers_language() -> None:
    error = InvalidInput(N_("'%(entered)s' has %(digits)s digits; a Hong Kong number has 8."), entered="123",
                         digits=3)
    assert error.message == "'123' has 3 digits; a Hong Kong number has 8."
    assert error.message_in("zh-Hant") == "「123」有 3 位數字;香港號碼有 8 位。"
    assert error.message_in("zh-Hans") == "“123”有 3 位数字;香港号码有 8 位。"
    plain = InvalidInput("Not yet in the catalogs.")
    assert plain.message_in("zh-Hant") == "Not yet in the catalogs."


def test_a_translation_with_other_placeholders_falls_back_to_english(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    class Broken(gettext.NullTranslations):
        def gettext(self, message: str) -> str:
            return "壞了 %(nothing)s"

    monkeypatch.setattr(i18n, "translations", lambda lang: Broken())
    assert i18n.format_message("zh-Hant", N_("Hello %(name)s"), {"name": "Chan"}) == "Hello Chan"


def test_an_unknown_language_reads_english() -> None:
    assert i18n.gettext("fr", "Skip to main content") == "Skip to main content"
