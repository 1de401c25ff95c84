"""Limits on what one request, and one address, may upload — before and while the bytes arrive.

Three layers, each refusing as early as it can know:

1. :class:`BodyLimit` (ASGI middleware, installed by create_app) refuses a multipart body to a public upload
   address that says it is larger than ``upload_max_request_bytes`` (plus room for the form's fields) with 413
   before reading it, and stops reading one that grows past that without saying. Nothing is parsed or spooled.
2. :class:`UploadBatch` — the files of one request: at most ``upload_max_files``; each streamed to a temporary
   file in chunks (core/files.py ``receive_document``, never whole in memory) with the per-file cap, the
   request's running total against ``upload_max_request_bytes``, and the sending address's bytes of the day
   against ``upload_daily_bytes_per_address`` (a byte budget in the shared rate limiter). Every refusal names
   the file. Files nobody keeps are removed when the batch closes.
3. A file that is kept (``files.keep_on_commit``) moves into place only when the request's transaction commits;
   a refusal or failure after that removes it too.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from telreg.core import rate_limits
from telreg.core.clock import Clock
from telreg.core.errors import DomainError, InvalidInput
from telreg.core.files import PendingFile, discard, receive_document
from telreg.core.i18n import N_, format_message, language_from_header

__all__ = [
    "PUBLIC_UPLOAD_PATHS",
    "BodyLimit",
    "TooManyFiles",
    "UploadBatch",
    "UploadQuotaExceeded",
    "UploadTooLarge",
]

DAY_SECONDS = 24 * 60 * 60
FORM_ROOM = 256 * 1024  # the form's other fields and the multipart framing, beside the documents
# Addresses taking documents (most of them from anyone, no account): bodies capped before they are read.
PUBLIC_UPLOAD_PATHS = ("/api/v1/senders/applications", "/senders/apply", "/api/v1/senders/me/documents",
                       "/senders/documents", "/api/v1/dnc/paper-applications", "/staff/paper/new",
                       "/api/v1/realname/verification/flags",
                       # reports to the regulator (issue 17): screenshots, fax images, recordings
                       "/api/v1/reports", "/report", "/api/v1/enforcement/reports", "/staff/enforcement/reports/new")


class UploadTooLarge(DomainError):
    """The documents of one request are larger, together, than a request may carry."""

    status_code = 413
    code = "upload_too_large"


class TooManyFiles(InvalidInput):
    code = "too_many_files"


class UploadQuotaExceeded(rate_limits.RateLimited):
    """The sending address has uploaded its day's bytes."""

    code = "upload_quota"


class UploadBatch:
    """The uploads of one request; use as a context manager so that files nobody kept are removed."""

    def __init__(self, *, data_dir: Path, area: str, max_files: int, max_file_bytes: int, max_total_bytes: int,
                 session: Session | None = None, clock: Clock | None = None, address: str | None = None,
                 daily_bytes: int | None = None) -> None:
        self.data_dir = data_dir
        self.area = area
        self.max_files = max_files
        self.max_file_bytes = max_file_bytes
        self.max_total_bytes = max_total_bytes
        self.total = 0
        self.files: list[PendingFile] = []
        self._session, self._clock, self._address, self._daily = session, clock, address, daily_bytes

    @classmethod
    def for_request(cls, runtime: Any, *, area: str, session: Session | None = None,
                    address: str | None = None) -> UploadBatch:
        """A batch with the runtime's limits; with SESSION and ADDRESS the address's daily budget applies."""
        settings = runtime.settings
        return cls(data_dir=settings.data_dir, area=area, max_files=settings.upload_max_files,
                   max_file_bytes=settings.max_upload_bytes, max_total_bytes=settings.upload_max_request_bytes,
                   session=session, clock=runtime.clock, address=address,
                   daily_bytes=settings.upload_daily_bytes_per_address if address else None)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for pending in self.files:
            if pending.state == "pending":
                discard(pending)

    def check_count(self, count: int) -> None:
        if count > self.max_files:
            raise TooManyFiles(N_("Send at most %(limit)s documents at once; %(count)s were sent."),
                               limit=self.max_files, count=count)

    def receive(self, upload: Any, *, filename: str) -> PendingFile:
        """Stream one upload (a file object, or anything with ``.file``) to disk under every limit."""
        stream = getattr(upload, "file", upload)
        safe_name = Path(filename).name[:255] or "upload"

        def counted(size: int) -> None:
            self.total += size
            if self.total > self.max_total_bytes:
                shown = f"{self.max_total_bytes:,}"
                raise UploadTooLarge(N_("The documents sent together are larger than %(limit_shown)s bytes; "
                                        "'%(filename)s' goes past that. Send fewer or smaller files."),
                                     filename=safe_name, limit=self.max_total_bytes, limit_shown=shown)

        pending = receive_document(self.data_dir, filename=filename, stream=stream,
                                   max_bytes=self.max_file_bytes, area=self.area, on_chunk=counted)
        self.files.append(pending)
        self._charge(pending)
        return pending

    def receive_all(self, uploads: Sequence[tuple[Any, str]]) -> list[PendingFile]:
        self.check_count(len(uploads))
        return [self.receive(upload, filename=name) for upload, name in uploads]

    def _charge(self, pending: PendingFile) -> None:
        if self._daily is None or self._session is None or self._clock is None or self._address is None:
            return
        try:
            rate_limits.hit(self._session, clock=self._clock, scope="upload-bytes", key=self._address,
                            limit=self._daily, window_seconds=DAY_SECONDS, amount=pending.size)
        except rate_limits.RateLimited as exc:
            discard(pending)
            raise UploadQuotaExceeded(
                N_("'%(filename)s' was not accepted: the documents sent from your address today passed "
                   "%(limit_shown)s bytes. Try again in %(hours)s hours."),
                retry_after=exc.retry_after, filename=pending.filename, limit=self._daily,
                limit_shown=f"{self._daily:,}", hours=max(1, round(exc.retry_after / 3600))) from None


# ---- the body limit, before anything is parsed ------------------------------------------------------------

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


TOO_LARGE = N_("The request is larger than this form accepts. Send fewer or smaller files.")


class _BodyTooLarge(HTTPException):
    """Raised from the body's reading: FastAPI passes HTTPExceptions on to the app's one handler (a page or the
    JSON error document, in the reader's language) instead of calling it a body it could not parse."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail=TOO_LARGE)


class BodyLimit:
    """Refuse a multipart POST to one of PATHS whose body passes LIMIT bytes: by its Content-Length at once,
    or as soon as the bytes read pass it (a body sent without a length)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], *, limit: Callable[[], int],
                 paths: Sequence[str] = PUBLIC_UPLOAD_PATHS) -> None:
        self.app = app
        self.limit = limit
        self.paths = tuple(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") not in self.paths:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        limit = self.limit() + FORM_ROOM
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, headers, limit)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLarge()
            return message

        await self.app(scope, counting_receive, send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, headers: dict[str, str], limit: int) -> None:
        lang = language_from_header(headers.get("accept-language", ""))
        detail = format_message(lang, TOO_LARGE)
        body = json.dumps({"error": "upload_too_large", "detail": detail, "limit": limit},
                          ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
            (b"content-language", lang.encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
