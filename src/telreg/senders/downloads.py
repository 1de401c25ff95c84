"""Downloading the published registers (FAQ Q3.2–Q3.7): what a sender may fetch now, and handing out one file.

A sender downloads only registers it holds and only while they are active (``senders.usage``), never during the
nightly update window, and every file handed out is recorded — account, file, time, address, API key — in the
request's transaction, for misuse investigations (UEMO s.58). The files themselves are the nightly publication's
(``telreg.dnc.publish``): ``<register>-numbers.zip``, ``<register>-dated.zip`` and the day's
``<register>-changes-NNNNNN.zip``, each with ``.md5`` and ``.sha256`` files beside it.

File names are checked against that whitelist before any path is built, so a name can never leave the
publication's directory.

The publication's ``manifest.json`` (every file's size and checksums) and its signature ``manifest.json.p7s`` (issue
15: a detached CMS signature by the e-Cert document signer) are handed to any sender who may download a register
now; they hold no number, so they are not recorded as downloads.

Every account is handed its own copy of the numbers, dated and change files: the shared file with the account's
seed numbers inserted (issue 17, ``telreg.enforcement.seeds``: a message at one of them traces a leaked copy to the
account), with its own checksum files and manifest (signed anew). The download log records the SHA-256 of the bytes
handed out. Nothing names the seeds to the sender.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telreg.config import Settings
from telreg.core import audit
from telreg.core.clock import HK, Clock
from telreg.core.errors import InvalidInput
from telreg.core.i18n import N_
from telreg.dnc.publish.store import PublicationStore
from telreg.dnc.service import in_update_window, seconds_until_window_closes
from telreg.enforcement.seeds import files as seed_files
from telreg.senders import repository
from telreg.senders.errors import AccountNotFound, BadFileName, PublicationNotFound
from telreg.senders.models import SenderDownload
from telreg.senders.usage import ensure_account_usable, ensure_register_usable, ensure_usage_open, refusal

if TYPE_CHECKING:
    from telreg.senders.deps import SenderCaller

__all__ = ["DOWNLOAD_PATH", "DownloadFile", "account_downloads", "available", "count_account_downloads",
           "open_download", "parse_file_name"]

DOWNLOAD_PATH = "/api/v1/senders/me/downloads"
_FILE_NAME = re.compile(
    r"(?P<register>fax|sms|prerecorded)-(?P<kind>numbers|dated|changes-\d{6})\.zip(?P<checksum>\.md5|\.sha256)?"
)
_CONTENT_TYPES = {"": "application/zip", ".md5": "text/plain; charset=us-ascii",
                  ".sha256": "text/plain; charset=us-ascii"}
_MANIFEST_FILES = {"manifest.json": "application/json", "manifest.json.p7s": "application/pkcs7-signature"}


@dataclass(frozen=True)
class DownloadFile:
    """One published file, cleared for this caller and already recorded."""

    path: Path
    file_name: str
    register: str
    publication_date: dt.date
    content_type: str
    size: int
    sha256: str
    md5: str


def parse_file_name(file_name: str) -> tuple[str, str]:
    """Return (register, checksum suffix or "") of a published file's name, or refuse any other name."""
    match = _FILE_NAME.fullmatch(file_name)
    if match is None:
        raise BadFileName(
            N_("%(value)s is not the name of a register file. Names look like sms-numbers.zip, sms-dated.zip "
               "or sms-changes-000012.zip (registers fax, sms, prerecorded), optionally followed by .md5 or "
               ".sha256."),
            file_name=file_name, value=repr(file_name),
        )
    return match["register"], match["checksum"] or ""


def _publication_date(store: PublicationStore, publication: str) -> dt.date:
    dates = store.dates()
    if publication == "latest":
        if not dates:
            raise PublicationNotFound(N_("Nothing has been published yet; the registers are published every "
                                         "night at 23:00 Hong Kong time."))
        return dates[-1]
    try:
        day = dt.date.fromisoformat(publication)
    except ValueError:
        raise InvalidInput(N_("%(value)s is not a publication: give 'latest' or a date such as 2026-03-02."),
                           publication=publication, value=repr(publication)) from None
    if day not in dates:
        if dates:
            raise PublicationNotFound(N_("There is no publication of %(publication)s. The latest is "
                                         "%(latest)s."), publication=day.isoformat(),
                                      latest=dates[-1].isoformat())
        raise PublicationNotFound(N_("There is no publication of %(publication)s. Nothing has been published "
                                     "yet."), publication=day.isoformat())
    return day


def _entry(manifest: dict[str, Any], register: str, file_name: str) -> dict[str, Any] | None:
    """The manifest's record (bytes, md5, sha256) of a zip file."""
    reg = manifest.get("registers", {}).get(register, {})
    return next((reg[k] for k in ("numbers", "dated", "changes") if reg.get(k, {}).get("file") == file_name), None)


def open_download(
    session: Session,
    *,
    clock: Clock,
    settings: Settings,
    caller: SenderCaller,
    publication: str,
    file_name: str,
    client_address: str | None,
) -> DownloadFile:
    """Clear one file of a publication ("latest" or a date) for the caller, record the download, return the file."""
    ensure_account_usable(caller)
    ensure_usage_open(clock, settings, what="Downloads")
    if file_name in _MANIFEST_FILES:
        return _manifest_file(session, clock=clock, settings=settings, caller=caller, publication=publication,
                              file_name=file_name)
    register, checksum = parse_file_name(file_name)
    ensure_register_usable(caller, register)
    store = PublicationStore(settings.data_dir)
    day = _publication_date(store, publication)
    path = store.path_for(day) / file_name
    if not path.is_file():
        if store.has_files(day):
            raise PublicationNotFound(N_("%(file_name)s of %(publication)s cannot be downloaded: it is not "
                                         "part of that publication."), publication=day.isoformat(),
                                      file_name=file_name)
        raise PublicationNotFound(N_("%(file_name)s of %(publication)s cannot be downloaded: publications "
                                     "are kept for %(days)s days and its files were removed; download the "
                                     "latest publication."), publication=day.isoformat(), file_name=file_name,
                                  days=settings.publication_retention_days)
    zip_name = file_name[: len(file_name) - len(checksum)]
    # The account's own copy (its seed numbers inserted: enforcement.seeds), or None when the shared file is it.
    mine = seed_files.account_file(session, clock=clock, settings=settings, account_id=caller.account_id,
                                   register=register, day=day, file_name=zip_name)
    if mine is not None:
        path = mine.path.with_name(mine.path.name + checksum)
    entry = (mine.written.as_dict() if mine is not None else _entry(store.manifest(day), register, file_name)
             ) if not checksum else None
    if entry is not None:
        size, sha256, md5 = int(entry["bytes"]), str(entry["sha256"]), str(entry["md5"])
    else:  # a checksum file (a few dozen bytes), or a zip the manifest does not describe
        content = path.read_bytes()
        size, sha256 = len(content), hashlib.sha256(content).hexdigest()
        md5 = hashlib.md5(content, usedforsecurity=False).hexdigest()
    repository.add(session, SenderDownload(
        account_id=caller.account_id, register=register, publication_date=day, file_name=file_name,
        api_key_id=caller.api_key_id, client_address=(client_address or None) and client_address[:64],
        downloaded_at=clock.now(), sha256=sha256,
    ))
    audit.record(session, clock=clock, actor=f"sender:{caller.account_id}", action="sender-register-downloaded",
                 subject_type="sender", subject_key=str(caller.account_id), register=register,
                 details={"publication": day.isoformat(), "file": file_name, "api_key_id": caller.api_key_id})
    return DownloadFile(path, file_name, register, day, _CONTENT_TYPES[checksum], size, sha256, md5)


def _manifest_file(session: Session, *, clock: Clock, settings: Settings, caller: SenderCaller, publication: str,
                   file_name: str) -> DownloadFile:
    """A publication's manifest or its signature (absent when the publication was made without a CA): the
    account's own when its files of that publication carry seed numbers (its sizes and checksums, signed anew)."""
    store = PublicationStore(settings.data_dir)
    day = _publication_date(store, publication)
    path = store.path_for(day) / file_name
    mine = seed_files.account_manifest(session, clock=clock, settings=settings, account_id=caller.account_id,
                                       day=day, registers=sorted(caller.access.held),
                                       assign=sorted(caller.registers))
    if mine is not None:
        path = mine.with_name(file_name)
    if not path.is_file():
        raise PublicationNotFound(N_("The publication of %(publication)s was not signed: it was made before the "
                                     "platform's certification authority was set up."),
                                  publication=day.isoformat(), file_name=file_name)
    content = path.read_bytes()
    return DownloadFile(path, file_name, "", day, _MANIFEST_FILES[file_name], len(content),
                        hashlib.sha256(content).hexdigest(),
                        hashlib.md5(content, usedforsecurity=False).hexdigest())


def available(*, clock: Clock, settings: Settings, caller: SenderCaller, session: Session | None = None
              ) -> dict[str, Any]:
    """The latest publication's files of every register the caller may use now, with sizes and checksums;
    registers it holds but may not use are listed with the reason.

    With a session the sizes and checksums are those of the account's own files (its seed numbers assigned now
    if it has none yet, so that what is listed is what it downloads)."""
    ensure_account_usable(caller)
    now = clock.now()
    closed = in_update_window(now, settings)
    store = PublicationStore(settings.data_dir)
    dates = store.dates()
    unavailable = [{"register": r, "reason": refusal(caller, r)[0], "message": refusal(caller, r)[1]}
                   for r in sorted(caller.access.held) if not caller.may_use(r)]
    result: dict[str, Any] = {
        "as_of": now.isoformat(),
        "open": not closed,
        "reopens_at": ((now + dt.timedelta(seconds=seconds_until_window_closes(now, settings))).isoformat()
                       if closed else None),
        "publication": None,
        "previous": None,
        "generated_at": None,
        "line_ending": None,
        "manifest_url": None,
        "signature_url": None,
        "registers": [],
        "unavailable": unavailable,
    }
    if not dates:
        return result
    day = dates[-1]
    manifest = store.manifest(day)
    result.update(publication=day.isoformat(), previous=manifest.get("previous"),
                  generated_at=manifest.get("generated_at"), line_ending=manifest.get("line_ending"),
                  manifest_url=f"{DOWNLOAD_PATH}/{day.isoformat()}/manifest.json",
                  signature_url=(f"{DOWNLOAD_PATH}/{day.isoformat()}/manifest.json.p7s"
                                 if (store.path_for(day) / "manifest.json.p7s").is_file() else None))
    mine = (seed_files.account_registers(session, clock=clock, settings=settings, account_id=caller.account_id,
                                         day=day, registers=sorted(caller.registers))
            if session is not None else {})
    for register in sorted(caller.registers):
        entry = mine.get(register) or manifest["registers"].get(register)
        if entry is None:
            continue
        files = [_file_view(day, kind, entry[kind]) for kind in ("numbers", "dated", "changes")]
        changes = entry["changes"]
        result["registers"].append({
            "register": register, "count": entry["count"], "files": files,
            "changes": {"sequence": changes["sequence"], "since": changes.get("since"),
                        "added": changes["added"], "removed": changes["removed"]},
        })
    return result


def _file_view(day: dt.date, kind: str, entry: dict[str, Any]) -> dict[str, Any]:
    base = f"{DOWNLOAD_PATH}/{day.isoformat()}/{entry['file']}"
    return {"kind": kind, "file": entry["file"], "bytes": entry["bytes"], "lines": entry.get("lines"),
            "md5": entry["md5"], "sha256": entry["sha256"], "url": base, "md5_url": f"{base}.md5",
            "sha256_url": f"{base}.sha256"}


def count_account_downloads(session: Session, *, account_id: int) -> int:
    """How many downloads an account has made in all."""
    query = select(func.count()).select_from(SenderDownload).where(SenderDownload.account_id == account_id)
    return int(session.scalar(query) or 0)


def account_downloads(
    session: Session, *, account_id: int, since: dt.date | None = None, until: dt.date | None = None,
    limit: int = 1000, offset: int = 0,
) -> list[dict[str, Any]]:
    """An account's downloads, newest first, between two Hong Kong dates (both included); a page of them with
    LIMIT and OFFSET."""
    if repository.get_account(session, account_id) is None:
        raise AccountNotFound(N_("There is no sender account %(account_id)s."), account_id=account_id)
    if since and until and since > until:
        raise InvalidInput(N_("The period starts (%(since)s) after it ends (%(until)s)."),
                           since=since.isoformat(), until=until.isoformat())
    query = select(SenderDownload).where(SenderDownload.account_id == account_id)
    if since:
        query = query.where(SenderDownload.downloaded_at >= dt.datetime.combine(since, dt.time(), HK))
    if until:
        query = query.where(SenderDownload.downloaded_at < dt.datetime.combine(until + dt.timedelta(days=1),
                                                                               dt.time(), HK))
    rows = session.scalars(query.order_by(SenderDownload.downloaded_at.desc(), SenderDownload.id.desc())
                           .offset(offset or None).limit(limit))
    return [{"id": r.id, "account_id": r.account_id, "register": r.register,
             "publication_date": r.publication_date.isoformat(), "file_name": r.file_name,
             "api_key_id": r.api_key_id, "client_address": r.client_address,
             "downloaded_at": r.downloaded_at.astimezone(HK).isoformat()} for r in rows]
