"""Request and response models of the senders API. Money is shown both as cents and as "HK$1,600.00"."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from telreg.core.schema_types import Instant


class OrderLineOut(BaseModel):
    # "register" would shadow BaseModel.register, so the field carries the name as its alias.
    register_: str = Field(alias="register")
    plan: str
    fee_cents: int
    fee: str


class PaymentOut(BaseModel):
    method: str
    reference: str
    amount_cents: int
    received_on: str
    recorded_by: str


class OrderOut(BaseModel):
    id: int
    kind: str = Field(description="application | renewal")
    state: str = Field(description="awaiting-payment | paid | void")
    ordered_on: str = Field(description="The fees in force on this date apply")
    total_cents: int
    total: str
    paid_cents: int
    outstanding_cents: int
    lines: list[OrderLineOut]
    payments: list[PaymentOut]


class RequiredDocumentOut(BaseModel):
    doc_type: str
    label: str
    status: str = Field(description="missing | submitted | accepted | rejected")
    document_id: int | None
    filename: str | None
    reason: str | None


class DocumentsOut(BaseModel):
    accepted: bool
    required: list[RequiredDocumentOut]
    missing: list[str]


class ApplicationOut(BaseModel):
    id: int
    username: str
    name: str
    capacity: str
    contact_email: str
    state: str
    applied_on: str
    documents: DocumentsOut
    order: OrderOut | None
    orders_due: list[OrderOut] = Field(description="Every order waiting for payment (application or renewal)")
    outstanding_cents: int = Field(description="What the orders waiting for payment still owe, in all")


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    doc_type: str
    filename: str
    sha256: str
    size: int
    content_type: str
    status: str
    uploaded_at: Instant
    reason: str | None


class RejectRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="Told to the sender by email")


class PaymentCreate(BaseModel):
    method: str = Field(description="cheque | payment-by-phone | cash")
    reference: str = Field(min_length=1, max_length=64, description="Cheque number, PPS reference or receipt number")
    amount: str = Field(description='Hong Kong dollars, e.g. "1600" or "425.00"')
    received_on: dt.date | None = Field(None, description="Day the money was received (default: today)")


class PaymentOutcomeOut(BaseModel):
    order: OrderOut
    outstanding_cents: int
    message: str
    account_state: str


class FeeRevision(BaseModel):
    plan: str = Field(description="12-months | 3-months")
    amount: str = Field(description='Fee per register in Hong Kong dollars, e.g. "1700"')
    effective_from: dt.date


class FeeEntryOut(BaseModel):
    plan: str
    amount_cents: int
    amount: str
    effective_from: str
    source: str = Field(description="default (a setting) | revision (an officer's row)")
    created_by: str | None


class FeeAmountOut(BaseModel):
    amount_cents: int
    amount: str


class FeeTableOut(BaseModel):
    as_of: str
    entries: list[FeeEntryOut]
    in_force: dict[str, FeeAmountOut]


class RenewalCreate(BaseModel):
    plans: dict[str, str] = Field(description='Plan per register to renew, e.g. {"fax": "12-months"}')


class RenewalOptionOut(BaseModel):
    plan: str
    fee_cents: int
    fee: str
    starts_on: str
    expires_on: str


class RegisterPeriodOut(BaseModel):
    register_: str = Field(alias="register")
    status: str = Field(description="active | grace | lapsed | not-started")
    plan: str
    starts_on: str
    expires_on: str = Field(description="The subscription ends at 00:00 (HK) on this day; a renewal starts on it")
    grace_ends_on: str
    downloadable: bool
    renewal_options: list[RenewalOptionOut]


class ProfileOut(BaseModel):
    id: int
    username: str
    name: str
    capacity: str
    contact_email: str
    state: str
    can_log_in: bool
    message: str
    applied_on: str
    activated_at: str | None
    as_of: str
    registers: list[RegisterPeriodOut]
    documents: DocumentsOut
    open_orders: list[OrderOut]


# ---- downloads and the online check (senders.downloads, senders.online_check) --------------------------------

class PublishedFileOut(BaseModel):
    kind: str = Field(description="numbers | dated | changes")
    file: str
    bytes: int
    lines: int | None
    md5: str
    sha256: str
    url: str
    md5_url: str
    sha256_url: str


class PublishedChangesOut(BaseModel):
    sequence: int
    since: str | None = Field(description="The previous publication the change file applies to")
    added: int
    removed: int


class PublishedRegisterOut(BaseModel):
    register_: str = Field(alias="register")
    count: int
    files: list[PublishedFileOut]
    changes: PublishedChangesOut


class UnavailableRegisterOut(BaseModel):
    register_: str = Field(alias="register")
    reason: str = Field(description="not-subscribed | expired | not-started | pending | outside-key-scope")
    message: str


class PublicationsOut(BaseModel):
    as_of: str
    open: bool = Field(description="False during the nightly update window (downloads answer 503)")
    reopens_at: str | None
    publication: str | None = Field(description="Date of the latest publication (None before the first)")
    previous: str | None
    generated_at: str | None
    line_ending: str | None
    manifest_url: str | None = Field(None, description="The publication's manifest.json: every file's checksums")
    signature_url: str | None = Field(None, description="manifest.json.p7s, a detached CMS signature of the "
                                      "manifest by the e-Cert document signer (None: published unsigned)")
    registers: list[PublishedRegisterOut]
    unavailable: list[UnavailableRegisterOut]


class DownloadRecordOut(BaseModel):
    id: int
    account_id: int
    register_: str = Field(alias="register")
    publication_date: str
    file_name: str
    api_key_id: int | None
    client_address: str | None
    downloaded_at: str


class CheckRequest(BaseModel):
    numbers: list[str | int | None] = Field(
        description="Up to 100 Hong Kong numbers as typed, e.g. \"2123 4567\" or \"+852 9123 4567\""
    )
    registers: list[str] | None = Field(None, description="fax | sms | prerecorded (default: every register "
                                                          "the account may use now)")
    on: dt.date | None = Field(None, description="Say whether protection is in force on this day (default: today)")


class CheckAnswerOut(BaseModel):
    status: str = Field(description="listed | not_listed | invalid")
    registered_on: str | None
    protection_starts_on: str | None = Field(description="The 10th working day after the registration date")
    protected: bool = Field(description="Protection is in force on the day asked about")


class CheckResultOut(BaseModel):
    input: str | None
    number: str | None = Field(description="The 8-digit national number, when the entry is valid")
    valid: bool
    reason: str | None = Field(description="Why the entry is not a registrable Hong Kong number")
    registers: dict[str, CheckAnswerOut]


class CheckSummaryOut(BaseModel):
    numbers: int
    invalid: int
    listed: int = Field(description="Numbers listed on at least one of the registers checked")
    protected: int = Field(description="Numbers protected on at least one of the registers on the day asked about")


class CheckOut(BaseModel):
    checked_at: str
    on: str
    registers: list[str]
    summary: CheckSummaryOut
    results: list[CheckResultOut]


# ---- signing in, one-time passwords, API keys (senders.signin, senders.api_keys) ------------------------------

class CaptchaOut(BaseModel):
    token: str = Field(description="Send it back as captcha_token with the typed characters")
    image: str = Field(description="The picture as a data: URL (PNG)")
    audio: str = Field(description="Where the same characters are spoken (WAV), for people who cannot "
                                   "see the picture")
    expires_in_seconds: int


class SenderLogin(BaseModel):
    username: str = Field(max_length=100)
    password: str = Field(max_length=1000)
    captcha_token: str = Field(max_length=100)
    captcha_answer: str = Field(max_length=20, description="The characters in the picture (case does not matter)")


class SenderSignedIn(BaseModel):
    account_id: int
    state: str
    must_change_password: bool = Field(description="True after a one-time password: only POST /me/password works")
    csrf_token: str = Field(description="Send it as the X-CSRF-Token header with every change")
    message: str


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=1000)
    new_password: str = Field(max_length=1000)


class SecurityQuestionOut(BaseModel):
    username: str
    question: str


class PasswordReset(BaseModel):
    username: str = Field(max_length=100)
    answer: str = Field(max_length=200)
    new_password: str = Field(max_length=1000)
    captcha_token: str = Field(max_length=100)
    captcha_answer: str = Field(max_length=20)


class MessageOut(BaseModel):
    message: str


class OneTimePasswordOut(BaseModel):
    account_id: int
    one_time_password: str = Field(description="Tell it to the sender by phone or fax; it is not shown again")
    expires_at: Instant


class AccountUnlockedOut(BaseModel):
    account_id: int
    failed_logins: int
    locked_until: Instant | None


class ApiAccessChange(BaseModel):
    enabled: bool


class ApiAccessOut(BaseModel):
    account_id: int
    api_access: bool
    changed_by: str | None
    changed_at: Instant | None


class ApiKeyCreate(BaseModel):
    label: str = Field(max_length=100, description="What uses the key, e.g. 'nightly download script'")
    registers: list[str] | None = Field(None, description="Scope; default: every register the account holds")


class ApiKeyOut(BaseModel):
    id: int
    label: str
    key_prefix: str = Field(description="The public start of the key, to tell keys apart")
    registers: list[str]
    created_at: Instant
    last_used_at: Instant | None
    revoked_at: Instant | None
    revoked_by: str | None
    active: bool


class ApiKeyCreatedOut(BaseModel):
    key: ApiKeyOut
    api_key: str = Field(description="The whole key, shown this once: send it as 'Authorization: Bearer <key>'")
