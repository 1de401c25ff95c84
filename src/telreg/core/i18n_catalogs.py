"""Keep the gettext catalogs in step with the code: extract, update, add translations, check, compile.

    python -m telreg.core.i18n_catalogs update         extract every marked sentence (Python: _, N_, NP_,
                                                       gettext…; templates: _(), pgettext(), {% trans %}) and
                                                       add new msgids to both catalogs, dropping vanished ones
    python -m telreg.core.i18n_catalogs add FILE.json  merge translations {"msgid": {"zh_Hant": …, "zh_Hans": …,
                                                       "context": optional}} into both catalogs
    python -m telreg.core.i18n_catalogs check          list msgids missing a translation or whose placeholders
                                                       differ from the English (exit 1 if any)
    python -m telreg.core.i18n_catalogs compile        write the .mo files the install ships

``make messages`` runs ``update``; ``make`` compiles at install. Several people may add translations at once:
each write holds an exclusive lock on the catalog file.
"""

from __future__ import annotations

import fcntl
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from telreg.core.i18n import DOMAIN, LOCALE_DIR

__all__ = ["FOLDERS", "add", "check", "compile_all", "extract", "update"]

FOLDERS = ("zh_Hant", "zh_Hans")
PACKAGE_DIR = LOCALE_DIR.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "NP_": ((1, "c"), 2)}
METHODS = [
    ("locale/**", "ignore"),
    ("**.py", "python"),
    ("web/**/templates/**.html", "jinja2.ext:babel_extract"),
    ("web/templates/**.html", "jinja2.ext:babel_extract"),
]
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _po(folder: str) -> Path:
    return LOCALE_DIR / folder / "LC_MESSAGES" / f"{DOMAIN}.po"


@contextmanager
def _locked(folder: str) -> Iterator[Catalog]:
    """Read a catalog under an exclusive lock and write it back when the block ends without an error."""
    path = _po(folder)
    with path.open("r+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        catalog = read_po(handle, locale=folder)
        yield catalog
        catalog.fuzzy = False
        handle.seek(0)
        handle.truncate()
        write_po(handle, catalog, width=110, sort_output=True)


def extract() -> Catalog:
    """Return every sentence the code and the templates mark for translation."""
    template = Catalog(domain=DOMAIN, project="telreg", charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE_DIR), method_map=METHODS, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        flags = ("python-format",) if _PLACEHOLDER.search(message if isinstance(message, str) else message[0]) \
            else ()
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context, flags=flags)
    return template


def update() -> dict[str, int]:
    """Bring both catalogs in step with the code; return how many msgids each still lacks a translation for."""
    template = extract()
    missing = {}
    for folder in FOLDERS:
        with _locked(folder) as catalog:
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()  # a sentence gone from the code leaves the catalog too
            missing[folder] = sum(1 for message in catalog if message.id and not message.string)
    return missing


def add(translations: dict[str, dict[str, Any]]) -> int:
    """Merge translations into both catalogs (a msgid not there yet is added); return how many were given."""
    for folder in FOLDERS:
        with _locked(folder) as catalog:
            for msgid, given in translations.items():
                text = given.get(folder)
                if not text:
                    continue
                context = given.get("context")
                flags = ("python-format",) if _PLACEHOLDER.search(msgid) else ()
                existing = catalog.get(msgid, context=context)
                if existing is not None:
                    existing.string = text
                else:
                    catalog.add(msgid, text, context=context, flags=flags)
    return len(translations)


def check() -> list[str]:
    """Return a sentence per problem: a msgid of the code untranslated in a catalog, or placeholders that differ."""
    template = extract()
    problems = []
    for folder in FOLDERS:
        with _po(folder).open("rb") as handle:
            catalog = read_po(handle, locale=folder)
        for message in template:
            if not message.id:
                continue
            found = catalog.get(message.id, context=message.context)
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
            # A plural's translation is a tuple of forms: ("",) is untranslated too.
            forms = [found.string] if found is not None and isinstance(found.string, str) else \
                list(found.string or ()) if found is not None else []
            if not forms or not all(forms):
                problems.append(f"{folder}: untranslated {msgid!r} ({where})")
                continue
            text = found.string if isinstance(found.string, str) else found.string[0]
            if set(_PLACEHOLDER.findall(msgid)) != set(_PLACEHOLDER.findall(text)):
                problems.append(f"{folder}: placeholders differ in {msgid!r}: {text!r}")
    return problems


def compile_all() -> None:
    """Write each catalog's .mo beside its .po."""
    for folder in FOLDERS:
        with _po(folder).open("rb") as handle:
            catalog = read_po(handle, locale=folder)
        catalog.fuzzy = False
        with _po(folder).with_suffix(".mo").open("wb") as out:
            write_mo(out, catalog)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "update":
        print(json.dumps(update()))
    elif command == "add" and len(argv) == 2:
        print(f"merged {add(json.loads(Path(argv[1]).read_text(encoding='utf-8')))} translation(s)")
    elif command == "check":
        problems = check()
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    elif command == "compile":
        compile_all()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
