"""HI-1 messages in JSON: TS 103 120's JSON form, which mirrors the XML element for element.

The convention, followed in both directions:

- The document is the HI1Message element's content: ``Header`` and ``Payload`` at the top, beside optional
  ``@xmlns`` / ``@xmlns:<prefix>`` keys declaring the namespaces (telreg writes them; when sent they must
  name the same namespaces as in XML, see xml_codec.py).
- An element is a key; the names of non-core elements carry their namespace prefix (``auth:…``, ``task:…``,
  ``doc:…``, ``common:…``), core elements have none.
- An element that may repeat (ActionRequest, ActionResponse, AssociatedObject, ListResponseRecord,
  auth:AuthorisationApprovalDetails, task:RequestValue) is always an array, even of one.
- Values are strings, except ActionIdentifier and ErrorCode (numbers) and ApprovalIsEmergency (true/false);
  times are strings with their offset; a document's Contents is base64.
- An HI1Object names its type with ``"@xsi:type"``; telreg writes the expanded name
  (``{http://uri.etsi.org/03120/common/2020/09/Authorisation}AuthorisationObject``) and also reads the
  prefixed form (``auth:AuthorisationObject``).

A short example (one action)::

    {
      "@xmlns": "http://uri.etsi.org/03120/common/2019/10/Core",
      "@xmlns:auth": "http://uri.etsi.org/03120/common/2020/09/Authorisation",
      "Header": {"SenderIdentifier": {"CountryCode": "HK", "UniqueIdentifier": "hkpf"}, …},
      "Payload": {"RequestPayload": {"ActionRequests": {"ActionRequest": [
        {"ActionIdentifier": 0, "CREATE": {"HI1Object": {
          "@xsi:type": "{http://uri.etsi.org/03120/common/2020/09/Authorisation}AuthorisationObject",
          "ObjectIdentifier": "7dbbc880-8750-4d3c-abe7-ea4a17646045", "CountryCode": "HK",
          "OwnerIdentifier": "hkpf", "auth:AuthorisationReference": "EMC-SW-2026-0142"}}}]}}}
    }

Refused: invalid UTF-8, a key twice in one object, nesting deeper than 32 levels, NaN/Infinity, null, control
characters (which the XML form cannot carry), and everything mapping.py refuses; errors name the key path,
e.g. ``Payload.RequestPayload.ActionRequests.ActionRequest[0].CREATE.HI1Object.auth:AuthorisationTimespan``
(arrays counted from 0).
"""

from __future__ import annotations

import json
import re
from typing import Any

from telreg.core.i18n import N_, Message
from telreg.lawful.errors import MessageMalformed
from telreg.lawful.hi1 import mapping
from telreg.lawful.hi1.model import RequestMessage, ResponseMessage
from telreg.lawful.hi1.wire import (
    BAD_BOOLEAN,
    BAD_INTEGER,
    DEFAULT_MAX_BYTES,
    NAMESPACES,
    NS_XSI,
    REPEATED,
    UNKNOWN_ATTRIBUTE,
    WHERE_JSON,
    WHERE_JSON_TOP,
    Element,
    Node,
    check_size,
    expanded,
    prefixed,
    refuse,
)

__all__ = ["MAX_DEPTH", "load_document", "parse_request_json", "parse_response_json", "render_request_json",
           "render_response_json", "request_from_document", "response_from_document"]

MAX_DEPTH = 32

NOT_UTF8 = N_("Line %(line)s: the message is not valid UTF-8 (byte %(offset)s); JSON must be UTF-8.")
NOT_JSON = N_("Line %(line)s, column %(column)s: the message is not valid JSON (%(detail)s).")
TOO_DEEP = N_("Line %(line)s: the JSON is nested more than %(limit)s levels deep.")
NOT_A_NUMBER = N_("Line %(line)s: %(value)s is not a JSON number.")
DUPLICATE_KEY = N_("%(where)s: the key %(key)s appears twice in the same object.")
OBJECT_EXPECTED = N_("%(where)s: an object ({…}) is expected here.")
STRING_EXPECTED = N_("%(where)s: a string is expected here.")
ARRAY_EXPECTED = N_("%(where)s: %(element)s is always an array ([…]), even of one.")
NULL_REFUSED = N_("%(where)s: null is not a value here; leave the key out instead.")
CONTROL_REFUSED = N_("%(where)s: the text contains a control character or an unpaired surrogate, which an "
                     "HI-1 message cannot carry.")
WRONG_NAMESPACE = N_("%(where)s: %(key)s declares %(value)s; telreg's JSON form uses %(expected)s.")

_XMLNS = {("@xmlns" + (f":{prefix}" if prefix else "")): uri for prefix, uri in NAMESPACES.items()}
_XMLNS["@xmlns:xsi"] = NS_XSI
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
# What XML 1.0 cannot carry: C0 controls but tab and line ends, surrogates, U+FFFE and U+FFFF.
_FORBIDDEN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def parse_request_json(body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> RequestMessage:
    """Read an HI-1 request message; MessageMalformed (naming the JSON path) when it is not one."""
    return request_from_document(load_document(body, max_bytes=max_bytes))


def parse_response_json(body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
                        request: RequestMessage | None = None) -> ResponseMessage:
    """Read an HI-1 response message; REQUEST (the message it answers) gives failed actions their verb."""
    return response_from_document(load_document(body, max_bytes=max_bytes), request=request)


def render_request_json(message: RequestMessage) -> bytes:
    """Write an HI-1 request message (UTF-8)."""
    return _serialise(mapping.request_element(message))


def render_response_json(message: ResponseMessage) -> bytes:
    """Write an HI-1 response message (UTF-8)."""
    return _serialise(mapping.response_element(message))


def request_from_document(document: Any) -> RequestMessage:
    """The request held by a document from ``load_document`` (after schema validation, in codec.py)."""
    return mapping.read_request(_JsonNode("HI1Message", document, ""))


def response_from_document(document: Any, *, request: RequestMessage | None = None) -> ResponseMessage:
    verbs = {action.action_identifier: action.verb for action in request.actions} if request else None
    return mapping.read_response(_JsonNode("HI1Message", document, ""), verbs=verbs)


def load_document(body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Check the size, the encoding and the depth, then parse BODY refusing duplicate keys."""
    check_size(body, max_bytes)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = body.count(b"\n", 0, error.start) + 1
        raise MessageMalformed(NOT_UTF8, line=line, offset=error.start) from None
    text = text.removeprefix("\ufeff")  # a byte-order mark some editors add: harmless, not content
    _check_depth(text)
    try:
        document = json.loads(text, object_pairs_hook=_object, parse_constant=_refuse_constant(text))
    except json.JSONDecodeError as error:
        raise MessageMalformed(NOT_JSON, line=error.lineno, column=error.colno, detail=error.msg) from None
    _check_duplicates(document, "")
    return document


def _check_depth(text: str) -> None:
    # Checked before json.loads, whose recursion a deep enough document would exhaust.
    depth = 0
    for token in _TOKENS.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise MessageMalformed(TOO_DEEP, line=text.count("\n", 0, token.start()) + 1, limit=MAX_DEPTH)
        elif char in "]}":
            depth -= 1


class _Duplicates(dict):  # type: ignore[type-arg]
    """An object in which a key appeared twice: reported with its path once the whole document is read."""

    duplicate = ""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            marked = _Duplicates(pairs)
            marked.duplicate = key
            return marked
        result[key] = value
    return result


def _refuse_constant(text: str) -> Any:
    def refuse_constant(name: str) -> None:
        position = text.find(name)
        raise MessageMalformed(NOT_A_NUMBER, line=text.count("\n", 0, max(position, 0)) + 1, value=name)
    return refuse_constant


def _check_duplicates(value: Any, path: str) -> None:
    if isinstance(value, _Duplicates):
        raise refuse(_JsonNode("", value, path), DUPLICATE_KEY, key=value.duplicate)
    if isinstance(value, dict):
        for key, item in value.items():
            _check_duplicates(item, _join(path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_duplicates(item, f"{path}[{index}]")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _JsonNode:
    """A value of the parsed document as a mapping.Node."""

    def __init__(self, name: str, value: Any, path: str) -> None:
        self.name, self.value, self.path = name, value, path

    def where(self) -> Message:
        return Message(WHERE_JSON, path=self.path) if self.path else Message(WHERE_JSON_TOP)

    def position(self) -> dict[str, Any]:
        return {"path": self.path}

    def _object(self) -> dict[str, Any]:
        if self.value is None:
            raise refuse(self, NULL_REFUSED)
        if not isinstance(self.value, dict):
            raise refuse(self, OBJECT_EXPECTED)
        return self.value

    def children(self) -> list[Node]:
        found: list[Node] = []
        for key, value in self._object().items():
            path = _join(self.path, key)
            if key.startswith("@"):
                self._attribute(key, value)
            elif key in REPEATED:
                if not isinstance(value, list):
                    raise refuse(_JsonNode(key, value, path), ARRAY_EXPECTED, element=key)
                found.extend(_JsonNode(key, item, f"{path}[{index}]") for index, item in enumerate(value))
            else:
                found.append(_JsonNode(key, value, path))
        return found

    def _attribute(self, key: str, value: Any) -> None:
        if key == "@xsi:type" and self.name == "HI1Object":
            return
        if not self.path and key.startswith("@xmlns"):
            expected = _XMLNS.get(key)
            if expected is not None and value != expected:
                raise refuse(self, WRONG_NAMESPACE, key=key, value=json.dumps(value), expected=expected)
            return
        raise refuse(self, UNKNOWN_ATTRIBUTE, attribute=key)

    def text(self) -> str:
        if self.value is None:
            raise refuse(self, NULL_REFUSED)
        if not isinstance(self.value, str):
            raise refuse(self, STRING_EXPECTED)
        if _FORBIDDEN_TEXT.search(self.value):
            raise refuse(self, CONTROL_REFUSED)
        return self.value

    def integer(self) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int) or self.value < 0:
            raise refuse(self, BAD_INTEGER, value=json.dumps(self.value, ensure_ascii=False))
        return self.value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise refuse(self, BAD_BOOLEAN, value=json.dumps(self.value, ensure_ascii=False))
        return self.value

    def xsi_type(self) -> str | None:
        raw = self._object().get("@xsi:type")
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise refuse(_JsonNode("@xsi:type", raw, _join(self.path, "@xsi:type")), STRING_EXPECTED)
        if raw.startswith("{") and "}" in raw:
            namespace, _, local = raw[1:].partition("}")
            return prefixed(namespace, local) or raw
        return raw


def _serialise(element: Element) -> bytes:
    document: dict[str, Any] = dict(_XMLNS)
    document.update(_value(element))
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _value(element: Element) -> Any:
    if element.value is not None:
        return element.value
    result: dict[str, Any] = {}
    if element.xsi_type is not None:
        namespace, local = expanded(element.xsi_type)
        result["@xsi:type"] = f"{{{namespace}}}{local}"
    for child in element.children:
        if child.name in REPEATED:
            result.setdefault(child.name, []).append(_value(child))
        else:
            result[child.name] = _value(child)
    return result
