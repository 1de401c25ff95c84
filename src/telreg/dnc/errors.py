"""Errors of the do-not-call context."""

from __future__ import annotations

from telreg.core.errors import Conflict, InvalidInput, NotFound


class ListingNotFound(NotFound):
    code = "not_listed"


class PaperApplicationNotFound(NotFound):
    code = "paper_application_not_found"


class ApplicationAlreadyDecided(Conflict):
    code = "already_decided"


class UnacceptableUpload(InvalidInput):
    code = "unacceptable_upload"


class FeedRejected(InvalidInput):
    code = "feed_rejected"
