"""Find the line of every key in a TOML document: the scanner now lives in :mod:`telreg.core.toml_data`, shared
with the e-Cert profiles; these names stay importable from here."""

from __future__ import annotations

from telreg.core.toml_data import KeyPath, key_lines, line_of

__all__ = ["KeyPath", "key_lines", "line_of"]
