"""The audit log over HTTP: C2SP tlog-tiles (checkpoint, tiles, entry bundles) and tlog-witness (add-checkpoint).

All public and read-only except add-checkpoint, whose only authentication is the log signature it carries (as
the witness protocol says). Entry bundles hold the events themselves (who did what to which number): they are
served only when ``audit_entries_public`` is set; tiles and checkpoints reveal hashes only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import PlainTextResponse, Response

from telreg.core.access import Public
from telreg.core.errors import NotFound
from telreg.core.i18n import N_
from telreg.core.tlog import service
from telreg.core.tlog.merkle import parse_tile_path
from telreg.core.tlog.witness import SizeConflict, add_checkpoint
from telreg.deps import ClockDep, DbSession, ReadSession, RuntimeDep

# Outside the OpenAPI document (like the pages): the formats are the C2SP specifications', not JSON schemas.
router = APIRouter(prefix="/audit", tags=["audit log"], dependencies=[Public], include_in_schema=False)
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
OCTETS = "application/octet-stream"


def _tile_address(path: str) -> tuple[int, int | None]:
    """``x001/x234/067`` or ``067.p/5`` -> (index, width or None)."""
    width = None
    if ".p/" in path:
        path, _, w = path.partition(".p/")
        if not w.isdigit() or w.startswith("0") or not 1 <= int(w) <= 255:
            raise NotFound(N_("There is no such tile in the published tree."))
        width = int(w)
    try:
        return parse_tile_path(path), width
    except ValueError:
        raise NotFound(N_("There is no such tile in the published tree.")) from None


@router.get("/checkpoint", response_class=PlainTextResponse)
def checkpoint(session: ReadSession, runtime: RuntimeDep) -> Response:
    """The latest published checkpoint (C2SP signed note), with the witnesses' cosignatures."""
    note = service.published_note(session, runtime.settings)
    return PlainTextResponse(note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-cache"})


@router.get("/tile/entries/{address:path}")
def entry_bundle(address: str, session: ReadSession, runtime: RuntimeDep) -> Response:
    """Entry bundle N: each entry's leaf data (see core/tlog/entries.py) prefixed by its 2-byte length."""
    if not runtime.settings.audit_entries_public:
        raise NotFound(N_("The audit log's entries are not public on this deployment."))
    index, width = _tile_address(address)
    data = service.entry_bundle(session, runtime.settings, index=index, width=width)
    return Response(data, media_type=OCTETS, headers=IMMUTABLE)


@router.get("/tile/{level}/{address:path}")
def tile(level: str, address: str, session: ReadSession, runtime: RuntimeDep) -> Response:
    """Tile N at level L: 256 (or W, for a partial tile) consecutive tree hashes."""
    # L is text here: the app-wide input guard holds every int path parameter to 1 and up, and level 0 exists.
    if not level.isascii() or not level.isdigit() or (level != "0" and level.startswith("0")) or int(level) > 63:
        raise NotFound(N_("There is no such tile in the published tree."))
    index, width = _tile_address(address)
    data = service.tile(session, runtime.settings, level=int(level), index=index, width=width)
    return Response(data, media_type=OCTETS, headers=IMMUTABLE)


@router.post("/add-checkpoint")
def add(body: Annotated[bytes, Body(media_type="text/plain")], session: DbSession, runtime: RuntimeDep,
        clock: ClockDep) -> Response:
    """C2SP tlog-witness: cosign a checkpoint of a log this deployment witnesses."""
    # The body is a declared parameter (not request.body()): FastAPI reads it once, before the app-wide input
    # guard parses forms, so neither consumes it from under the other.
    outcome = add_checkpoint(session, settings=runtime.settings, clock=clock,
                             body=body.decode("utf-8", errors="replace"))
    if isinstance(outcome, SizeConflict):
        return Response(f"{outcome.latest_size}\n", status_code=409, media_type="text/x.tlog.size")
    return PlainTextResponse(outcome.lines, media_type="text/plain; charset=utf-8")
