"""Validation of HI-1 messages against the official ETSI schemas, when they have been put in place.

The official XSD and JSON schemas (forge.etsi.org, li/schemas-definitions) are not reachable from here, so
telreg ships a slot for them — ``schemas/etsi/`` at the repository root (its README says what goes there) or
the directory ``TELREG_LAWFUL_SCHEMA_DIR`` names — and validates every incoming message against them when they
are present:

    XML   TS_103_120_Core.xsd (or the official ts_103120_Core.xsd) and the files it imports: every
          ``*.xsd`` of the directory is loaded, so imports written without a schemaLocation resolve too
    JSON  ts_103_120_Core.schema.json (or ts_103120_Core.schema.json), with the other ``*.schema.json`` files
          of the directory as the registry its ``$ref``s resolve in (by ``$id`` and by file name)

Nothing is fetched from the network (lxml's parser has it off; the JSON registry has no retriever). Compiled
schemas are cached per directory. Without schemas the codecs' own checks still apply, and that is said once
in the log. Each violation is reported with its line (XML) or key path (JSON).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import referencing
import referencing.jsonschema
from jsonschema.exceptions import ValidationError, best_match
from lxml import etree

from telreg.config import Settings
from telreg.core.i18n import N_, Message
from telreg.lawful.errors import MessageMalformed
from telreg.lawful.hi1 import xml_codec
from telreg.lawful.hi1.wire import prefixed

__all__ = ["json_schema", "schema_directory", "validate_json", "validate_xml", "xml_schema"]

log = logging.getLogger(__name__)

XSD_NAMES = ("TS_103_120_Core.xsd", "ts_103120_Core.xsd")
JSON_NAMES = ("ts_103_120_Core.schema.json", "ts_103120_Core.schema.json")
MAX_REPORTED = 10  # violations named in one error: enough to fix a file, short enough to read

SCHEMA_VIOLATED = N_("The message does not follow the ETSI TS 103 120 schema:")
XML_VIOLATION = N_("line %(line)s, %(path)s: %(detail)s")
JSON_VIOLATION = N_("at %(path)s: %(detail)s")
JSON_VIOLATION_TOP = N_("at the top of the JSON document: %(detail)s")

_CLARK = re.compile(r"\{([^}]*)\}([\w.-]+)")
_xml_lock = threading.Lock()
_said_absent: set[tuple[str, str]] = set()


def schema_directory(settings: Settings) -> Path | None:
    """The directory to look for the schemas in: the setting, else <repository root>/schemas/etsi/."""
    if settings.lawful_schema_dir is not None:
        return settings.lawful_schema_dir
    for folder in Path(__file__).resolve().parents:
        if (folder / "pyproject.toml").is_file():
            return folder / "schemas" / "etsi"
    return None  # an installed package without its repository: only the setting can name a directory


def validate_xml(tree: etree._ElementTree, *, directory: Path | None) -> None:
    """Refuse TREE when it breaks the XSD of DIRECTORY; nothing to do when there is none."""
    schema = xml_schema(directory)
    if schema is None:
        _say_absent("XML", directory)
        return
    with _xml_lock:  # an XMLSchema keeps its last error log on itself: one validation at a time
        if schema.validate(tree):
            return
        errors = list(schema.error_log)[:MAX_REPORTED]
    paths = [_readable_path(tree, error.path) for error in errors]
    problems = [Message(XML_VIOLATION, line=error.line, path=path, detail=_prefixed_names(error.message))
                for error, path in zip(errors, paths, strict=True)]
    raise MessageMalformed(Message.join([Message(SCHEMA_VIOLATED), Message.join(problems, "; ")]),
                           line=errors[0].line, path=paths[0])


def validate_json(document: Any, *, directory: Path | None) -> None:
    """Refuse DOCUMENT when it breaks the JSON schema of DIRECTORY; nothing to do when there is none."""
    validator = json_schema(directory)
    if validator is None:
        _say_absent("JSON", directory)
        return
    errors = sorted(_precise(validator.iter_errors(document)), key=lambda error: list(error.absolute_path))
    if not errors:
        return
    problems = [_json_problem(error) for error in errors[:MAX_REPORTED]]
    raise MessageMalformed(Message.join([Message(SCHEMA_VIOLATED), Message.join(problems, "; ")]),
                           path=_json_path(errors[0].absolute_path))


def xml_schema(directory: Path | None) -> etree.XMLSchema | None:
    """The compiled XSD of DIRECTORY (cached), or None when it holds none."""
    if directory is None:
        return None
    return _compiled(str(Path(directory).resolve()), "xml")  # type: ignore[no-any-return]


def json_schema(directory: Path | None) -> jsonschema.protocols.Validator | None:
    """The JSON schema validator of DIRECTORY (cached), or None when it holds none."""
    if directory is None:
        return None
    return _compiled(str(Path(directory).resolve()), "json")  # type: ignore[no-any-return]


@lru_cache(maxsize=16)
def _compiled(directory: str, kind: str) -> Any:
    folder = Path(directory)
    loaders: dict[str, tuple[tuple[str, ...], Callable[[Path, Path], Any]]] = {
        "xml": (XSD_NAMES, _compile_xsd), "json": (JSON_NAMES, _compile_json)}
    names, loader = loaders[kind]
    core = next((folder / name for name in names if (folder / name).is_file()), None)
    return None if core is None else loader(folder, core)


def _compile_xsd(folder: Path, core: Path) -> etree.XMLSchema:
    # One in-memory schema importing every XSD of the folder by namespace, the core first: libxml2 then
    # knows each namespace's file even where an import gives no schemaLocation.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    files = [core, *sorted(path for path in folder.glob("*.xsd") if path != core)]
    imports, seen = [], set()
    for path in files:
        namespace = etree.parse(str(path), parser).getroot().get("targetNamespace") or ""
        if namespace not in seen:
            seen.add(namespace)
            declared = f' namespace="{namespace}"' if namespace else ""
            imports.append(f'<xs:import{declared} schemaLocation="{path.resolve().as_uri()}"/>')
    driver = ('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
              'targetNamespace="urn:telreg:hi1-schema-set">' + "".join(imports) + "</xs:schema>")
    try:
        base_url = folder.resolve().as_uri() + "/"
        return etree.XMLSchema(etree.fromstring(driver.encode(), parser, base_url=base_url))
    except etree.XMLSchemaParseError as error:
        raise RuntimeError(f"The HI-1 XSDs in {folder} do not compile: {error}") from error


def _compile_json(folder: Path, core: Path) -> jsonschema.protocols.Validator:
    resources = []
    for path in sorted(folder.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = referencing.Resource.from_contents(contents,
                                                      default_specification=referencing.jsonschema.DRAFT202012)
        resources.append((path.name, resource))
        if isinstance(contents, dict) and isinstance(contents.get("$id"), str):
            resources.append((contents["$id"], resource))
    registry: referencing.Registry[Any] = referencing.Registry().with_resources(resources)
    schema = json.loads(core.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator_class.check_schema(schema)
    return validator_class(schema, registry=registry)  # type: ignore[call-arg]


def _readable_path(tree: etree._ElementTree, path: str | None) -> str:
    # libxml2 locates an error as /*/*[2]/*…; the same path with element names is what a person can follow.
    try:
        found = tree.xpath(path) if path else []
    except etree.XPathError:
        found = []
    if isinstance(found, list) and len(found) == 1 and isinstance(found[0], etree._Element):
        return xml_codec.element_path(found[0])
    return path or "/"


def _prefixed_names(detail: str) -> str:
    # "{http://uri.etsi.org/03120/common/2019/10/Core}CountryCode" -> "CountryCode", "auth:…" for the others.
    return _CLARK.sub(lambda match: prefixed(match.group(1), match.group(2)) or match.group(0), detail)


def _precise(errors: Iterable[ValidationError]) -> Iterable[ValidationError]:
    # A oneOf/anyOf failure says only "not valid under any of the given schemas": name what is wrong inside.
    for error in errors:
        yield best_match(error.context) if error.context else error  # type: ignore[misc]


def _json_problem(error: ValidationError) -> Message:
    path = _json_path(error.absolute_path)
    if not path:
        return Message(JSON_VIOLATION_TOP, detail=error.message)
    return Message(JSON_VIOLATION, path=path, detail=error.message)


def _json_path(parts: Iterable[Any]) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _say_absent(kind: str, directory: Path | None) -> None:
    key = (kind, str(directory))
    if key not in _said_absent:
        _said_absent.add(key)
        log.info("No ETSI TS 103 120 %s schema in %s: HI-1 messages are checked by telreg's codec only "
                 "(see schemas/etsi/README.md)", kind, directory or "(no directory)")
