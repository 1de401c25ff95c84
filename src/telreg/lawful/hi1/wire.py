"""What the XML and JSON codecs share: the names and namespaces of HI-1, one tree of elements, typed values,
and the reader's errors.

TS 103 120's JSON form mirrors its XML element for element, so the two encodings are one tree written two
ways. mapping.py turns the model (model.py) into that tree (``Element``) and reads it back from ``Node``s;
xml_codec.py and json_codec.py only turn the tree into bytes and offer their parsed documents as ``Node``s.
The encodings therefore cannot drift apart: a field either travels in both or in neither.

Names are written with the fixed prefixes below (core elements unprefixed), as the standard's JSON form does;
the XML reader maps whatever prefixes a sender chose back to these by namespace.

Every refusal is a ``MessageMalformed`` that names where the problem is: the line and element path in XML
(``Line 14, /HI1Message/Header/Timestamp``, XPath-style, repeated elements counted from 1), the key path in
JSON (``At Payload.RequestPayload.ActionRequests.ActionRequest[0].CREATE.HI1Object``, arrays counted from 0 as
in JavaScript and jq) — a person must be able to fix the file from the message alone.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from telreg.core.i18n import N_, Message
from telreg.lawful.errors import MessageMalformed

NS_CORE = "http://uri.etsi.org/03120/common/2019/10/Core"
NS_COMMON = "http://uri.etsi.org/03120/common/2016/02/Common"
NS_AUTH = "http://uri.etsi.org/03120/common/2020/09/Authorisation"
NS_TASK = "http://uri.etsi.org/03120/common/2020/09/Task"
NS_DOC = "http://uri.etsi.org/03120/common/2020/09/Document"
NS_ETSI280 = "http://uri.etsi.org/03280/common/2017/07"  # TS 103 280's types: used by the schemas only
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"

# prefix -> namespace; "" is the core namespace (unprefixed in both encodings)
NAMESPACES = {"": NS_CORE, "common": NS_COMMON, "auth": NS_AUTH, "task": NS_TASK, "doc": NS_DOC}
PREFIX_OF = {uri: prefix for prefix, uri in NAMESPACES.items()}

AUTHORISATION_TYPE = "auth:AuthorisationObject"
TASK_TYPE = "task:LDTaskObject"
DOCUMENT_TYPE = "doc:DocumentObject"
OBJECT_TYPES = (AUTHORISATION_TYPE, TASK_TYPE, DOCUMENT_TYPE)

# Elements that may occur more than once: always arrays in JSON, counted in paths.
REPEATED = frozenset({"ActionRequest", "ActionResponse", "AssociatedObject", "ListResponseRecord",
                      "auth:AuthorisationApprovalDetails", "task:RequestValue"})

DEFAULT_MAX_BYTES = 8 * 1024 * 1024  # Settings.lawful_message_max_bytes' default

WHERE_XML = N_("Line %(line)s, %(path)s")
WHERE_JSON = N_("At %(path)s")
WHERE_JSON_TOP = N_("At the top of the JSON document")
TOO_LARGE = N_("The message is %(size)s bytes; the largest accepted is %(limit)s bytes.")
UNKNOWN_ELEMENT = N_("%(where)s: the element %(element)s is not expected here; expected: %(expected)s.")
FOREIGN_ELEMENT = N_("%(where)s: the element %(element)s is not in an HI-1 namespace (the core elements are "
                     "in %(namespace)s); expected: %(expected)s.")
MISSING_ELEMENT = N_("%(where)s: the element %(element)s is missing.")
REPEATED_ELEMENT = N_("%(where)s: the element %(element)s may appear only once.")
ONE_OF = N_("%(where)s: exactly one of %(expected)s is expected.")
NONE_OF_MANY = N_("%(where)s: at least one %(element)s is expected.")
UNKNOWN_ATTRIBUTE = N_("%(where)s: the attribute %(attribute)s is not expected here.")
BAD_TIMESTAMP = N_("%(where)s: %(value)s is not a date and time with a time-zone offset; write it like "
                   "2026-12-07T10:30:00+08:00 or 2026-12-07T02:30:00Z.")
BAD_INTEGER = N_("%(where)s: %(value)s is not a whole number (0, 1, 2…).")
BAD_BOOLEAN = N_("%(where)s: %(value)s is neither true nor false.")
BAD_BASE64 = N_("%(where)s: the contents are not valid base64.")
NO_OBJECT_TYPE = N_("%(where)s: the HI1Object has no xsi:type; expected one of %(expected)s.")
UNKNOWN_OBJECT_TYPE = N_("%(where)s: the object type %(value)s is not one telreg handles; expected one of "
                         "%(expected)s.")
RECORD_MISMATCH = N_("%(where)s: the record's %(element)s %(value)s does not match its HI1Object "
                     "(%(expected)s).")

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")


def expanded(name: str) -> tuple[str, str]:
    """Return the namespace and local name of a prefixed name ("auth:AuthorisationReference")."""
    prefix, _, local = name.rpartition(":")
    return NAMESPACES[prefix], local


def prefixed(namespace: str | None, local: str) -> str | None:
    """Return the prefixed name of an element of one of HI-1's namespaces, or None for another namespace."""
    prefix = PREFIX_OF.get(namespace) if namespace else None
    if prefix is None:
        return None
    return f"{prefix}:{local}" if prefix else local


@dataclass
class Element:
    """One element of a message to write: a value (a leaf) or children, and an HI1Object's xsi:type."""

    name: str
    value: str | int | bool | None = None
    children: list[Element] = field(default_factory=list)
    xsi_type: str | None = None


class Node(Protocol):
    """One element of a message being read, as an encoding offers it."""

    name: str

    def where(self) -> Message:
        """The line and path (XML) or key path (JSON), for an error sentence."""

    def position(self) -> dict[str, Any]:
        """The same, as values for the error's JSON (``line``, ``path``)."""

    def children(self) -> list[Node]:
        """The child elements, in document order (refusing text or attributes that do not belong)."""

    def text(self) -> str:
        """The value of a leaf element, as written."""

    def integer(self) -> int:
        """The value of a leaf element that holds a non-negative integer."""

    def boolean(self) -> bool:
        """The value of a leaf element that holds true or false."""

    def xsi_type(self) -> str | None:
        """An HI1Object's type as a prefixed name (``auth:AuthorisationObject``), None when it has none."""


def refuse(node: Node, template: str, **params: Any) -> MessageMalformed:
    """Return the error for NODE: TEMPLATE starts with ``%(where)s``."""
    return MessageMalformed(template, where=node.where(), **params, **node.position())


def check_size(body: bytes, max_bytes: int) -> None:
    if len(body) > max_bytes:
        raise MessageMalformed(TOO_LARGE, size=len(body), limit=max_bytes)


def parse_timestamp(node: Node) -> dt.datetime:
    """A TS 103 280 QualifiedDateTime: an ISO 8601 date and time that always carries its offset (or Z)."""
    text = node.text().strip()
    if _TIMESTAMP.fullmatch(text):
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:  # the 31st of February and the like
            pass
    raise refuse(node, BAD_TIMESTAMP, value=text)


def format_timestamp(value: dt.datetime, *, microseconds: bool = False) -> str:
    """Write an aware datetime with its own offset (Z for UTC); the header's Timestamp always carries
    microseconds (a QualifiedMicrosecondDateTime), other times only when they have some."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"HI-1 times carry their time zone; {value!r} has none")
    if offset % dt.timedelta(minutes=1):  # an offset with seconds has no ISO 8601 spelling: say it in UTC
        value, offset = value.astimezone(dt.UTC), dt.timedelta(0)
    text = (f"{value.year:04d}-{value.month:02d}-{value.day:02d}T"
            f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}")
    if microseconds or value.microsecond:
        text += f".{value.microsecond:06d}"
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return text + f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def integer_from_text(node: Node, text: str) -> int:
    text = text.strip()
    if not text.isascii() or not text.isdigit():
        raise refuse(node, BAD_INTEGER, value=text)
    return int(text)


def boolean_from_text(node: Node, text: str) -> bool:
    text = text.strip()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise refuse(node, BAD_BOOLEAN, value=text)


def decode_base64(node: Node) -> bytes:
    # Line breaks inside base64 are usual (MIME wraps at 76 characters), so whitespace is dropped first.
    compact = "".join(node.text().split())
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise refuse(node, BAD_BASE64) from None


def encode_base64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


class Fields:
    """The child elements of one element by name: refuses an unknown or a repeated one, names a missing one.

    Order is not checked here (JSON has none); the XML schema, when present, checks it (schemas.py)."""

    def __init__(self, node: Node, names: Sequence[str]) -> None:
        self.node = node
        self._found: dict[str, list[Node]] = {}
        for child in node.children():
            if child.name.startswith("{"):  # Clark notation: the XML reader met another namespace's element
                raise refuse(child, FOREIGN_ELEMENT, element=child.name, namespace=NS_CORE,
                             expected=", ".join(names))
            if child.name not in names:
                raise refuse(child, UNKNOWN_ELEMENT, element=child.name, expected=", ".join(names))
            bucket = self._found.setdefault(child.name, [])
            if bucket and child.name not in REPEATED:
                raise refuse(child, REPEATED_ELEMENT, element=child.name)
            bucket.append(child)

    def optional(self, name: str) -> Node | None:
        found = self._found.get(name)
        return found[0] if found else None

    def required(self, name: str) -> Node:
        found = self.optional(name)
        if found is None:
            raise refuse(self.node, MISSING_ELEMENT, element=name)
        return found

    def all(self, name: str) -> list[Node]:
        return self._found.get(name, [])

    def text(self, name: str) -> str:
        return self.required(name).text()

    def optional_text(self, name: str) -> str | None:
        found = self.optional(name)
        return None if found is None else found.text()

    def optional_time(self, name: str) -> dt.datetime | None:
        found = self.optional(name)
        return None if found is None else parse_timestamp(found)

    def choice(self, names: Sequence[str]) -> tuple[str, Node]:
        """The one element of NAMES present (an action's verb, a response's kind)."""
        present = [name for name in names if name in self._found]
        if len(present) != 1:
            where = self.node if not present else self._found[present[1]][0]
            raise refuse(where, ONE_OF, expected=", ".join(names))
        return present[0], self._found[present[0]][0]
