"""HI-1 messages in XML (ETSI TS 103 120): read a request, write a response, and the other way for clients.

Namespaces as TS 103 120 V1.x uses them (written from memory of the published schemas; to be checked against
the official XSD once it is in schemas/etsi/):

    core (default)  http://uri.etsi.org/03120/common/2019/10/Core
    common          http://uri.etsi.org/03120/common/2016/02/Common      DictionaryEntry, ApprovalDetails
    auth            http://uri.etsi.org/03120/common/2020/09/Authorisation
    task            http://uri.etsi.org/03120/common/2020/09/Task
    doc             http://uri.etsi.org/03120/common/2020/09/Document
    (etsi280        http://uri.etsi.org/03280/common/2017/07             TS 103 280's types, schemas only)

An HI1Object names its type with ``xsi:type="auth:AuthorisationObject"`` (``task:LDTaskObject``,
``doc:DocumentObject``). A sender may choose other prefixes: elements are read by namespace.

Reading is done twice, on purpose. First defusedxml (expat) reads the bytes with DTDs, entities and external
references forbidden and refuses processing instructions: a DOCTYPE — the carrier of billion-laughs and XXE
payloads — stops the message before anything is expanded or fetched. Then lxml, with entity resolution, DTD
loading and the network off, builds the tree whose line numbers the errors (and the schema validation,
schemas.py) quote.
"""

from __future__ import annotations

import xml.parsers.expat
from typing import Any

from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser, ParseError
from lxml import etree

from telreg.core.i18n import N_, Message
from telreg.lawful.errors import MessageMalformed
from telreg.lawful.hi1 import mapping
from telreg.lawful.hi1.model import RequestMessage, ResponseMessage
from telreg.lawful.hi1.wire import (
    DEFAULT_MAX_BYTES,
    NAMESPACES,
    NS_CORE,
    NS_XSI,
    REPEATED,
    UNKNOWN_ATTRIBUTE,
    WHERE_XML,
    Element,
    Node,
    boolean_from_text,
    check_size,
    expanded,
    integer_from_text,
    prefixed,
    refuse,
)

__all__ = ["element_path", "load_tree", "parse_request_xml", "parse_response_xml", "render_request_xml",
           "render_response_xml", "request_from_tree", "response_from_tree"]

DOCTYPE_REFUSED = N_("Line %(line)s: the message has a DOCTYPE declaration; DTDs and entities are refused "
                     "(they carry entity-expansion and external-entity attacks).")
ENTITY_REFUSED = N_("Line %(line)s: the message declares an entity; entities are refused.")
EXTERNAL_REFUSED = N_("Line %(line)s: the message refers to an external entity; external references are "
                      "refused.")
PI_REFUSED = N_("Line %(line)s: the processing instruction <?%(target)s …?> is refused; only the XML "
                "declaration may precede the message.")
NOT_WELL_FORMED = N_("Line %(line)s, column %(column)s: the message is not well-formed XML (%(detail)s).")
WRONG_ROOT = N_("Line %(line)s: the message's root element is %(element)s; an HI-1 message is an HI1Message "
                "in the namespace %(namespace)s.")
NO_TEXT_HERE = N_("%(where)s: text is not expected here, only elements.")
NO_NAMESPACE = N_("%(name)s (no namespace)")
NO_ELEMENTS_HERE = N_("%(where)s: the element %(element)s holds a value, not other elements.")

_XSI_TYPE = f"{{{NS_XSI}}}type"
_XSI_SCHEMA_LOCATION = f"{{{NS_XSI}}}schemaLocation"
_NSMAP = {None: NS_CORE, "xsi": NS_XSI, **{prefix: uri for prefix, uri in NAMESPACES.items() if prefix}}


def parse_request_xml(body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> RequestMessage:
    """Read an HI-1 request message; MessageMalformed (naming the line and element) when it is not one."""
    return request_from_tree(load_tree(body, max_bytes=max_bytes))


def parse_response_xml(body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
                       request: RequestMessage | None = None) -> ResponseMessage:
    """Read an HI-1 response message; REQUEST (the message it answers) gives failed actions their verb."""
    return response_from_tree(load_tree(body, max_bytes=max_bytes), request=request)


def render_request_xml(message: RequestMessage) -> bytes:
    """Write an HI-1 request message (UTF-8, with the XML declaration)."""
    return _serialise(mapping.request_element(message))


def render_response_xml(message: ResponseMessage) -> bytes:
    """Write an HI-1 response message (UTF-8, with the XML declaration)."""
    return _serialise(mapping.response_element(message))


def request_from_tree(tree: etree._ElementTree) -> RequestMessage:
    """The request held by a tree from ``load_tree`` (after schema validation, in codec.py)."""
    return mapping.read_request(_root(tree))


def response_from_tree(tree: etree._ElementTree, *, request: RequestMessage | None = None) -> ResponseMessage:
    verbs = {action.action_identifier: action.verb for action in request.actions} if request else None
    return mapping.read_response(_root(tree), verbs=verbs)


def load_tree(body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._ElementTree:
    """Check the size, refuse DTDs, entities and processing instructions, and parse BODY with line numbers."""
    check_size(body, max_bytes)
    _refuse_dangerous(body)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             remove_comments=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as error:  # expat accepted it, libxml2 did not: rare (an encoding it lacks)
        line, column = error.position
        raise MessageMalformed(NOT_WELL_FORMED, line=line, column=column, detail=error.msg) from None
    return root.getroottree()


class _ProcessingInstruction(Exception):
    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


class _Discard:
    """An expat target that builds nothing: the first reading only has to refuse."""

    def close(self) -> None:
        return None


def _refuse_dangerous(body: bytes) -> None:
    parser = DefusedXMLParser(target=_Discard(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    expat = parser.parser

    def refuse_instruction(target: str, data: str) -> None:
        raise _ProcessingInstruction(target)

    expat.ProcessingInstructionHandler = refuse_instruction
    try:
        parser.feed(body)
        parser.close()
    except DTDForbidden:
        raise MessageMalformed(DOCTYPE_REFUSED, line=expat.CurrentLineNumber) from None
    except EntitiesForbidden:
        raise MessageMalformed(ENTITY_REFUSED, line=expat.CurrentLineNumber) from None
    except ExternalReferenceForbidden:
        raise MessageMalformed(EXTERNAL_REFUSED, line=expat.CurrentLineNumber) from None
    except _ProcessingInstruction as instruction:
        raise MessageMalformed(PI_REFUSED, line=expat.CurrentLineNumber, target=instruction.target) from None
    except ParseError as error:
        line, column = error.position
        detail = xml.parsers.expat.ErrorString(error.code)
        raise MessageMalformed(NOT_WELL_FORMED, line=line, column=column + 1, detail=detail) from None


def _root(tree: etree._ElementTree) -> _XmlNode:
    element = tree.getroot()
    if element.tag != f"{{{NS_CORE}}}HI1Message":
        raise MessageMalformed(WRONG_ROOT, line=element.sourceline, element=_display(element),
                               namespace=NS_CORE)
    root = _XmlNode(element, "HI1Message", "/HI1Message")
    root.check_attributes(allowed=(_XSI_SCHEMA_LOCATION,))
    return root


def element_path(element: Any) -> str:
    """The path of an element of a tree from ``load_tree`` as the errors write it
    (``/HI1Message/…/ActionRequest[2]/…``), e.g. for a schema violation libxml2 locates as ``/*/*[2]/…``."""
    steps = []
    while element is not None:
        qname = etree.QName(element)
        name = prefixed(qname.namespace, qname.localname) or _display(element)
        if name in REPEATED:
            same = [sibling for sibling in element.itersiblings(preceding=True) if sibling.tag == element.tag]
            name += f"[{len(same) + 1}]"
        steps.append(name)
        element = element.getparent()
    return "/" + "/".join(reversed(steps))


def _display(element: Any) -> str:
    namespace, local = etree.QName(element).namespace, etree.QName(element).localname
    if namespace is None:
        return Message(NO_NAMESPACE, name=local)
    return prefixed(namespace, local) or f"{{{namespace}}}{local}"


class _XmlNode:
    """An element of the parsed tree as a mapping.Node."""

    def __init__(self, element: Any, name: str, path: str) -> None:
        self.element, self.name, self.path = element, name, path

    def where(self) -> Message:
        return Message(WHERE_XML, line=self.element.sourceline, path=self.path)

    def position(self) -> dict[str, Any]:
        return {"line": self.element.sourceline, "path": self.path}

    def check_attributes(self, *, allowed: tuple[str, ...] = ()) -> None:
        for attribute in self.element.attrib:
            if attribute not in allowed:
                qname = etree.QName(attribute)
                shown = f"xsi:{qname.localname}" if qname.namespace == NS_XSI else qname.localname
                raise refuse(self, UNKNOWN_ATTRIBUTE, attribute=shown)

    def children(self) -> list[Node]:
        if (self.element.text or "").strip():
            raise refuse(self, NO_TEXT_HERE)
        found: list[Node] = []
        counts: dict[str, int] = {}
        for child in self.element:
            if (child.tail or "").strip():
                raise refuse(self, NO_TEXT_HERE)
            qname = etree.QName(child)
            # An element of another namespace keeps its Clark name ({uri}local, {}local without one): Fields
            # refuses it with a hint about namespaces.
            name = prefixed(qname.namespace, qname.localname) \
                or f"{{{qname.namespace or ''}}}{qname.localname}"
            counts[name] = counts.get(name, 0) + 1
            index = f"[{counts[name]}]" if name in REPEATED else ""
            node = _XmlNode(child, name, f"{self.path}/{name}{index}")
            node.check_attributes(allowed=(_XSI_TYPE,) if name == "HI1Object" else ())
            found.append(node)
        return found

    def text(self) -> str:
        if len(self.element):
            raise refuse(self, NO_ELEMENTS_HERE, element=self.name)
        return self.element.text or ""

    def integer(self) -> int:
        return integer_from_text(self, self.text())

    def boolean(self) -> bool:
        return boolean_from_text(self, self.text())

    def xsi_type(self) -> str | None:
        raw = self.element.get(_XSI_TYPE)
        if raw is None:
            return None
        prefix, _, local = raw.strip().rpartition(":")
        # A QName's prefix is the sender's: resolve it through the namespaces in scope.
        return prefixed(self.element.nsmap.get(prefix or None), local) or raw.strip()


def _serialise(element: Element) -> bytes:
    root = etree.Element(_tag(element.name), nsmap=_NSMAP)  # type: ignore[arg-type]
    _fill(root, element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _tag(name: str) -> str:
    namespace, local = expanded(name)
    return f"{{{namespace}}}{local}"


def _fill(target: Any, element: Element) -> None:
    if element.xsi_type is not None:
        target.set(_XSI_TYPE, element.xsi_type)
    if element.value is not None:
        value = element.value
        target.text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return
    for child in element.children:
        _fill(etree.SubElement(target, _tag(child.name)), child)
