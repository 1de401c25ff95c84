"""Words in three languages from gettext catalogs: English is the source, Chinese lives in ``locale/*.po``.

    src/telreg/locale/zh_Hant/LC_MESSAGES/telreg.po   Traditional Chinese
    src/telreg/locale/zh_Hans/LC_MESSAGES/telreg.po   Simplified Chinese

A msgid is the English sentence with ``%(name)s`` placeholders (gettext's python-format, which Babel checks in
translations). Code marks a sentence it does not translate on the spot with ``N_()``; errors carry such a
template and their parameters (core/errors.py) and are put into words in the reader's language at the edge.
``make messages`` extracts every marked sentence (Python and templates) and updates the catalogs; the install
compiles them (``.mo``). A catalog whose ``.mo`` is missing or older than its ``.po`` is compiled in memory, so a
checkout works before anything is built. An untranslated sentence shows in English: visible, never fatal.
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["DOMAIN", "LANGUAGES", "LOCALE_DIR", "NP_", "N_", "ContextMsgid", "Message", "Msgid",
           "format_message", "gettext", "language_from_header", "ngettext", "pgettext", "translate",
           "translations"]

DOMAIN = "telreg"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
EN, ZH_HANT, ZH_HANS = "en", "zh-Hant", "zh-Hans"
LANGUAGES = (EN, ZH_HANT, ZH_HANS)
# BCP 47 tags (pages, Accept-Language) -> gettext locale folders.
_FOLDERS = {ZH_HANT: "zh_Hant", ZH_HANS: "zh_Hans"}


class Msgid(str):
    """An English sentence marked for translation (``N_``): a template with ``%(name)s`` placeholders."""

    __slots__ = ()


class ContextMsgid(Msgid):
    """A marked sentence with a context (``NP_``): the same English that reads differently in two places."""

    __slots__ = ("context",)

    def __new__(cls, context: str, message: str) -> ContextMsgid:
        self = super().__new__(cls, message)
        self.context = context
        return self


def language_from_header(header: str) -> str:
    """Return the language an ``Accept-Language`` header prefers among ours (English when it names none).

    Chinese is Traditional Chinese (the registers serve Hong Kong) unless the tag asks for Simplified Chinese
    (``zh-Hans…``, ``zh-CN``, ``zh-SG``); the highest ``q`` wins, the first of equals.
    """
    best, best_q = EN, -1.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        simplified = tag.startswith("zh-hans") or tag in ("zh-cn", "zh-sg")
        chinese = ZH_HANS if simplified else ZH_HANT
        lang = chinese if tag.startswith("zh") else EN if tag.startswith("en") else None
        if lang is not None and q > best_q:
            best, best_q = lang, q
    return best


def N_(message: str) -> Msgid:  # noqa: N802 - gettext's conventional name for "mark, translate later"
    """Mark MESSAGE for the catalogs without translating it now (it is translated where it is shown)."""
    return Msgid(message)


def NP_(context: str, message: str) -> ContextMsgid:  # noqa: N802 - as N_, with a context (pgettext)
    """Mark MESSAGE with a CONTEXT that tells it apart from the same English used elsewhere."""
    return ContextMsgid(context, message)


@lru_cache(maxsize=None)
def translations(lang: str) -> _gettext.NullTranslations:
    """Return the catalog of a language (English: none, the msgids are the text)."""
    folder = _FOLDERS.get(lang)
    if folder is None:
        return _gettext.NullTranslations()
    po = LOCALE_DIR / folder / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return _gettext.GNUTranslations(handle)
    if not po.exists():
        return _gettext.NullTranslations()
    return _gettext.GNUTranslations(io.BytesIO(_compile(po)))


def _compile(po: Path) -> bytes:
    # Babel is imported only when a catalog has to be compiled here (a checkout not yet built).
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def gettext(lang: str, message: str) -> str:
    """Return MESSAGE in LANG (the English itself when the catalog has no translation)."""
    return translations(lang).gettext(message)


def pgettext(lang: str, context: str, message: str) -> str:
    """Return MESSAGE, as used in CONTEXT, in LANG."""
    return translations(lang).pgettext(context, message)


def translate(lang: str, message: str) -> str:
    """Return a marked sentence in LANG, with its context when it has one."""
    if isinstance(message, ContextMsgid):
        return pgettext(lang, message.context, message)
    return gettext(lang, message)


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    """Return the form of a counted sentence for N in LANG."""
    return translations(lang).ngettext(singular, plural, n)


def format_message(lang: str, template: str, params: Mapping[str, Any] | None = None) -> str:
    """Translate TEMPLATE into LANG and fill its ``%(name)s`` placeholders from PARAMS.

    A parameter that is itself a ``Message`` or a marked ``Msgid`` is put into LANG too, so a sentence never
    carries an English piece (a document's name, a nested reason) into another language.
    """
    text = translate(lang, template)
    values = {name: _in_language(lang, value) for name, value in (params or {}).items()}
    try:
        return text % values
    except (KeyError, ValueError, TypeError):
        # A translation whose placeholders do not match its msgid: the English still reads correctly.
        return template % values


def _in_language(lang: str, value: Any) -> Any:
    if isinstance(value, Message):
        return value.in_language(lang)
    if isinstance(value, Msgid):
        return translate(lang, value)
    return value


class Message(str):
    """A marked sentence with its parameters, put into words in any language; as a ``str`` it is the English.

    It goes where a plain sentence used to go (a document check's reason, a refusal, an error's parameter):
    the API, the CLI and the records keep reading the English, and a page asks for ``in_language(lang)``::

        Message(N_("%(count)s characters"), count=7)              "7 characters" / "7 個字元"
        Message.term("hkid", N_("Hong Kong identity card"))       a code kept as it is in English sentences,
                                                                  named in the other languages
        Message.join([first, second])                             sentences (or list items) one after another
    """

    __slots__ = ("_parts", "_separator", "params", "template")

    def __new__(cls, template: str, /, **params: Any) -> Message:
        return cls._make(format_message(EN, template, params), template, params)

    @classmethod
    def term(cls, english: str, template: str, /, **params: Any) -> Message:
        """Return ENGLISH as it is (a code such as ``hkid``), named by TEMPLATE in the other languages."""
        return cls._make(english, template, params)

    @classmethod
    def join(cls, parts: Sequence[str], separator: str = " ") -> Message:
        """Return PARTS one after another, each in the language asked for; SEPARATOR may be a marked Msgid."""
        english = str(_in_language(EN, separator)).join(str(_in_language(EN, part)) for part in parts)
        self = cls._make(english, None, {})
        self._parts, self._separator = tuple(parts), separator
        return self

    @classmethod
    def _make(cls, english: str, template: str | None, params: Mapping[str, Any]) -> Message:
        self = str.__new__(cls, english)
        self.template, self.params = template, dict(params)
        self._parts, self._separator = (), ""
        return self

    def in_language(self, lang: str) -> str:
        """Return the sentence in LANG (the English itself for English)."""
        if lang == EN:
            return str.__str__(self)
        if isinstance(self.template, Message):  # a term named by another Message
            return self.template.in_language(lang)
        if self.template is None:
            return str(_in_language(lang, self._separator)).join(
                str(_in_language(lang, part)) for part in self._parts)
        return format_message(lang, self.template, self.params)
