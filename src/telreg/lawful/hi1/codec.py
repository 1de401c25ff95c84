"""The HI-1 endpoint's codec: an incoming request in XML or JSON to the model, a response back to bytes.

    parse_request(body, content_type=…, settings=…)
        size (settings.lawful_message_max_bytes) -> decode safely (xml_codec / json_codec)
        -> the official schema when present (schemas.py) -> the model (mapping.py)
    render_response(message, as_json=…), media_type(as_json)

Every refusal is a MessageMalformed (422 hi1_malformed) naming the line or key path.
"""

from __future__ import annotations

from typing import Literal

from telreg.config import Settings
from telreg.core.i18n import N_
from telreg.lawful.errors import MessageMalformed
from telreg.lawful.hi1 import json_codec, schemas, xml_codec
from telreg.lawful.hi1.model import RequestMessage, ResponseMessage

__all__ = ["encoding_of", "media_type", "parse_request", "render_response"]

XML_MEDIA_TYPE = "application/xml"
JSON_MEDIA_TYPE = "application/json"

NOT_AN_ENCODING = N_("The content type %(content_type)s is not an HI-1 encoding; send application/xml or "
                     "application/json.")


def encoding_of(content_type: str) -> Literal["xml", "json"] | None:
    """Which HI-1 encoding a Content-Type (or one media range of Accept) names: application/xml, text/xml and
    any ``+xml`` type are XML; application/json and any ``+json`` type are JSON; anything else None."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in ("application/xml", "text/xml") or media.endswith("+xml"):
        return "xml"
    if media == "application/json" or media.endswith("+json"):
        return "json"
    return None


def parse_request(body: bytes, *, content_type: str, settings: Settings) -> RequestMessage:
    """Read an HI-1 request message sent with CONTENT_TYPE, validating it against the official schema when
    one is in place (schemas.py); MessageMalformed when it cannot be read."""
    encoding = encoding_of(content_type)
    if encoding is None:
        raise MessageMalformed(NOT_AN_ENCODING, content_type=content_type or "-")
    directory = schemas.schema_directory(settings)
    limit = settings.lawful_message_max_bytes
    if encoding == "json":
        document = json_codec.load_document(body, max_bytes=limit)
        schemas.validate_json(document, directory=directory)
        return json_codec.request_from_document(document)
    tree = xml_codec.load_tree(body, max_bytes=limit)
    schemas.validate_xml(tree, directory=directory)
    return xml_codec.request_from_tree(tree)


def render_response(message: ResponseMessage, *, as_json: bool) -> bytes:
    """Write an HI-1 response message in JSON or XML (UTF-8)."""
    return json_codec.render_response_json(message) if as_json else xml_codec.render_response_xml(message)


def media_type(as_json: bool) -> str:
    """The Content-Type of a rendered response."""
    return JSON_MEDIA_TYPE if as_json else XML_MEDIA_TYPE
