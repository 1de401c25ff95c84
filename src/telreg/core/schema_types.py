"""Types the API's response models share.

``Instant``: the API writes every instant in one convention — ISO 8601 in Hong Kong time with its offset
(``2026-03-02T10:00:00+08:00``), whatever zone the value was computed in; the business runs on Hong Kong time,
so a person reading a response sees the time of day the rules speak of. Dates stay plain ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import PlainSerializer

from telreg.core.clock import hk_iso

__all__ = ["Instant"]

Instant = Annotated[dt.datetime, PlainSerializer(hk_iso, return_type=str, when_used="json")]
