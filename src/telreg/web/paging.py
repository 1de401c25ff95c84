"""Paging for every list that can grow: the page size, the page asked for (``?page=``), what the pager says.

A page counts its rows first (one set-based ``COUNT``), asks for a :class:`Paging`, then fetches only its rows
with ``limit=paging.size, offset=paging.offset``::

    paged = paging.paginate(request, total=repository.count_washes(session, account_id=...))
    rows = repository.washes(session, account_id=..., limit=paged.size, offset=paged.offset)

and the template shows ``{{ pager(paged, _("Your washes")) }}`` (web/templates/_paging.html): "Showing 51–100
of 123" (ngettext, so every language counts its own way) with previous and next links. Two lists on one page
use two parameters (``param="decided_page"``); each link keeps the rest of the address, so the other list
stays on its page. A page number out of range shows the nearest page, never an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request

__all__ = ["PAGE_SIZE", "Paging", "paginate"]

PAGE_SIZE = 50  # rows per page unless a list says otherwise; tests lower it rather than add hundreds of rows


@dataclass(frozen=True)
class Paging:
    """One page of a list: which rows it holds, of how many, and the addresses of its neighbours."""

    number: int  # 1-based, within 1..pages
    size: int
    total: int
    param: str
    path: str
    query: tuple[tuple[str, str], ...]  # the rest of the address, kept by the links
    fragment: str = ""

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.size), 1)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first(self) -> int:
        """The position (1-based) of the page's first row; 0 for an empty list."""
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.size, self.total)

    def url(self, number: int) -> str:
        query = [*self.query, *([(self.param, str(number))] if number > 1 else [])]
        address = self.path + (f"?{urlencode(query)}" if query else "")
        return address + (f"#{self.fragment}" if self.fragment else "")

    @property
    def prev_url(self) -> str | None:
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.number + 1) if self.number < self.pages else None


def _asked(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 10 else 1


def paginate(request: Request, *, total: int, param: str = "page", size: int | None = None,
             fragment: str = "", path: str | None = None, keep: dict[str, str] | None = None) -> Paging:
    """The page of a list of TOTAL rows that the address asks for (``?PARAM=n``), within the pages there are.

    The links lead to the same address with another page number. A page re-shown after a POST (a refused
    form) names its own address in PATH, with the query to KEEP (the POST's address may accept no GET).
    """
    size = size or PAGE_SIZE
    pages = max(math.ceil(total / size), 1)
    number = min(max(_asked(request.query_params.get(param)), 1), pages)
    if path is None:
        # The language is remembered by the session; a link with ?lang= would pin it for whoever follows it.
        query = tuple((k, v) for k, v in request.query_params.multi_items() if k not in (param, "lang"))
        path = request.url.path
    else:
        query = tuple((k, v) for k, v in (keep or {}).items() if v)
    return Paging(number, size, total, param, path, query, fragment)
