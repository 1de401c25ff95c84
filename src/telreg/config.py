"""Settings read from the environment (prefix ``TELREG_``); every field says what it is for."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from telreg import config_defaults as defaults

BUSINESS_TIMEZONE = "Asia/Hong_Kong"


class Environment(str, Enum):
    production = "production"
    development = "development"
    test = "test"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TELREG_", extra="ignore")

    env: Environment = Field(Environment(defaults.ENV), description="production | development | test")
    database_url: str = Field(
        "sqlite:///./var/telreg.sqlite3",
        description="SQLAlchemy URL; SQLite (embedded default) or postgresql+psycopg://…",
    )
    data_dir: Path = Field(Path("./var/data"), description="Files kept outside the database (uploads, publications)")
    secret_key: str | None = Field(
        None,
        description="Signs session cookies; when unset outside production a key is generated under data_dir",
    )
    pii_key_file: Path | None = Field(
        None,
        description="JSON key file sealing personal data (current key id, keys, blind-index key); when neither "
        "this nor pii_keys is set outside production, one is generated under data_dir",
    )
    pii_keys: str | None = Field(
        None, repr=False, description="The same JSON as pii_key_file, given inline (env TELREG_PII_KEYS)"
    )

    update_window_start: dt.time = Field(dt.time(23, 0), description="Nightly update window opens (HK time)")
    update_window_end: dt.time = Field(dt.time(0, 0), description="Nightly update window closes (HK time)")

    warning_window_start: dt.time = Field(dt.time(9, 0), description="A warning in force after this makes a warning day")
    warning_window_end: dt.time = Field(dt.time(17, 0), description="… and before this")
    protection_working_days: int = Field(
        defaults.PROTECTION_WORKING_DAYS, description="Protection starts on this working day after registration"
    )

    callback_attempts: int = Field(3, description="Callback attempts before a registration fails")
    callback_interval_minutes: int = Field(15, description="Minutes between callback attempts")
    fax_code_ttl_minutes: int = Field(60 * 24, description="Minutes a faxed authentication code stays valid")
    fax_code_max_wrong: int = Field(3, description="Wrong codes keyed before a fax verification fails")
    fax_send_attempts: int = Field(3, description="Attempts to deliver the code fax when the line is busy")

    max_upload_bytes: int = Field(5 * 1024 * 1024, description="Largest uploaded document accepted (bytes)")
    trusted_proxies: list[str] = Field(
        default_factory=list, description="Addresses or networks (CIDR) of the reverse proxies in front of telreg; "
        "only a request arriving from one of them has its X-Forwarded-For header believed (rate limits per address)"
    )
    upload_max_files: int = Field(10, ge=1, description="Most documents one request (an application) may carry")
    upload_max_request_bytes: int = Field(
        20 * 1024 * 1024, description="Largest total of the documents of one request (bytes); a larger body is "
        "refused (413) before it is read"
    )
    upload_daily_bytes_per_address: int = Field(
        50 * 1024 * 1024, description="Bytes of documents one address may upload per day without signing in"
    )
    applications_per_address_per_hour: int = Field(
        5, ge=1, description="Sender subscription applications accepted from one address per hour"
    )
    sweep_grace_hours: int = Field(
        24, ge=1, description="The file sweeper leaves unreferenced uploads and finished washes' working "
        "directories younger than this"
    )
    list_import_batch_rows: int = Field(
        20_000, ge=100, description="Rows of a bulk list import applied per transaction (others write between)"
    )
    database_busy_retry_after_seconds: int = Field(
        5, ge=1, description="Retry-After sent with a 503 when the database stays locked past its timeout"
    )
    feed_max_bytes: int = Field(64 * 1024 * 1024, description="Largest operator feed file accepted (bytes)")
    telephony_adapter: str = Field(
        "logging", description="logging or demo (the same: log calls, faxes and SMS; lines scripted through "
        "/api/v1/dev/lines outside production) | fake (tests)"
    )

    mail_adapter: str = Field("smtp", description="smtp (real delivery) | logging (write mail to the log; demo)")
    smtp_host: str = Field("localhost", description="SMTP server that relays outgoing mail")
    smtp_port: int = Field(8025, description="Its port (8025: a local debugging server in development)")
    smtp_from: str = Field("DNC Registers <dnc-noreply@localhost>", description="From address of outgoing mail")
    smtp_timeout_seconds: float = Field(10.0, description="Give up one SMTP conversation after this long")
    mail_max_attempts: int = Field(12, description="Delivery attempts before a message is parked as failed")
    mail_warn_attempts: int = Field(
        3, ge=1, description="Failed delivery attempts of one message from which each failure is logged as a "
        "warning and the message is listed on the officers' mail delivery page"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Least severe log events written by `telreg serve` and `telreg worker` (one "
        "key=value line per event on standard error)"
    )
    metrics_token: str | None = Field(
        None, repr=False, description="Bearer token Prometheus must send to scrape /metrics; required in "
        "production (unset there: /metrics answers 404), optional elsewhere"
    )
    ivr_webhook_secret: str | None = Field(
        None, repr=False, description="Shared secret(s) the telephony platform signs IVR webhook calls with "
        "(HMAC-SHA256); several, separated by commas, are all accepted (rotation); required in production, "
        "at least 32 characters each; outside production one is generated under data_dir (ivr_webhook_secret)"
    )
    ivr_host: str = Field("127.0.0.1", description="Address the IVR webhook listener of `telreg serve` binds")
    ivr_port: int = Field(8001, description="Port of the IVR webhook listener (apart from the public port)")
    web_workers: int | None = Field(
        None, ge=1, description="Processes of `telreg serve` answering the public port (unset: one per CPU); "
        "--workers overrides it"
    )
    sender_grace_months: int = Field(2, description="Months after expiry a sender may still log in and renew")
    sender_reminder_lead_months: int = Field(1, description="Expiry reminders start this many months before")
    sender_reminder_interval_days: int = Field(7, description="Days between expiry reminders")
    sender_fee_12_months_cents: int = Field(160_000, description="Default fee per register, 12 months (HK cents)")
    sender_fee_3_months_cents: int = Field(42_500, description="Default fee per register, 3 months (HK cents)")
    senders_daily_at: dt.time = Field(dt.time(0, 15), description="Daily expiry/reminder run (HK time)")
    publication_retention_days: int = Field(
        30, description="Days the published register zips are kept (manifests are kept forever)"
    )
    publication_threads: int = Field(2, description="Threads that compress a register publication")
    wash_retention_days: int = Field(30, description="Days a washed list's results stay downloadable")
    wash_max_bytes: int = Field(1024 * 1024 * 1024, description="Largest calling list accepted for washing (bytes)")
    realname_policy: str = Field(
        "hong-kong", description="Real-name registration policy: hong-kong | mainland-china | path of a .toml file"
    )
    identity_verifier: Literal["register", "none"] = Field(
        "register", description="Identity verification adapter: register (the verification register an "
        "officer loads; demos and staging) | none (nothing verified online)"
    )
    realname_daily_at: dt.time = Field(
        dt.time(1, 0), description="Daily real-name lifecycle run and compliance snapshot (HK time)"
    )
    realname_placeholder_names: list[str] = Field(
        default_factory=lambda: [
            r"\b(?:test|dummy|temp|temporary|unknown|n/?a|none|null)\b", r"x{3,}",
            "临时|臨時", "测试|測試", "代办|代辦", "无名|無名|不详|不詳",
            r"^\W*\w?\W*$",  # one letter or character at most
        ],
        description="Regular expressions (case-insensitive) that mark a holder's name as a placeholder",
    )
    realname_group_card_threshold: int = Field(
        10, ge=1, description="A person holding more numbers than this, across operators, is reported (group cards)"
    )
    realname_agent_holder_threshold: int = Field(
        5, ge=1, description="An agent who registered numbers for more holders than this is reported"
    )
    password_hashing: Literal["standard", "fast"] = Field(
        "standard", description="argon2 profile; 'fast' only for the test suite (refused in production)"
    )
    # The verifiable audit log (core/tlog): a C2SP transparency log over audit_events.
    audit_log_origin: str = Field(
        "telreg.localhost/audit", description="Origin line of the audit log's checkpoints (and its key name): "
        "the scheme-less URL of the deployment's /audit prefix, e.g. dnc.example.hk/audit"
    )
    audit_log_key_file: Path | None = Field(
        None, description="File holding the log's Ed25519 signing key (PRIVATE+KEY+… line); generated under "
        "data_dir outside production when unset, required in production"
    )
    audit_witness_key_file: Path | None = Field(
        None, description="This deployment's witness (cosigner) key file; generated under data_dir outside "
        "production when unset, required in production when audit_witnessed_logs is set"
    )
    audit_witness_name: str | None = Field(
        None, description="Key name of this deployment's witness cosignatures (default: <origin>/witness)"
    )
    audit_witnessed_logs: list[str] = Field(
        default_factory=list, description="Logs this deployment witnesses (POST /audit/add-checkpoint): each "
        "the log's verifier key name+hexid+base64, its name being the log's origin"
    )
    audit_witnesses: list[str] = Field(
        default_factory=list, description="Witnesses that must cosign a checkpoint before it is published: each "
        "'<submission URL prefix> <witness verifier key>', e.g. 'https://w.example/audit w.example/w+…'"
    )
    audit_checkpoint_interval_seconds: float = Field(
        1.0, gt=0, description="Seconds between runs of the audit log's integrator in the worker"
    )
    audit_entries_public: bool = Field(
        False, description="Serve the audit log's entry bundles (the events: who did what to which number) to "
        "anyone at /audit/tile/entries/…; tiles and checkpoints, which reveal hashes only, are always public"
    )
    staff_lock_minutes: int = Field(
        15, ge=1, description="Minutes a staff account stays locked after too many wrong passwords in a row (an "
        "administrator can unlock it sooner)"
    )
    staff_captcha_after_failures: int = Field(
        2, ge=0, description="Wrong passwords in a row from which the staff sign-in page asks for a CAPTCHA too"
    )
    staff_session_idle_minutes: int = Field(30, ge=1, description="A staff session ends after this many minutes "
                                            "without a request")
    staff_session_hours: int = Field(12, ge=1, description="A staff session ends this many hours after signing "
                                     "in, however busy")
    sender_session_idle_minutes: int = Field(60, ge=1, description="A sender session ends after this many "
                                             "minutes without a request")
    sender_session_hours: int = Field(24, ge=1, description="A sender session ends this many hours after logging "
                                      "in, however busy")
    signin_rate_limit: int = Field(
        30, ge=1, description="Sign-in-like requests (log-in, security question, password reset) one address may "
        "make to one endpoint per signin_rate_window_seconds; more are answered 429 with Retry-After"
    )
    signin_rate_window_seconds: int = Field(300, ge=1, description="The window of signin_rate_limit (seconds)")
    two_factor_required_roles: list[str] | None = Field(
        None, description="Staff roles that must sign in with a second factor (an authenticator app's code), "
        "JSON list; unset: the roles that see personal data, admin and operator-staff, in production, none in "
        "development and test (the demo signs in without a phone); anyone enrolled is always asked"
    )
    # e-Cert certification authority (telreg.ecert, issue 15)
    ecert_dir: Path | None = Field(
        None, description="Directory of the CA's certificates and software keys (default: data_dir/ecert); the "
        "offline root's key there is an encrypted PKCS#8 file that only `telreg ecert init|root-sign` opens"
    )
    ecert_key_passphrase_file: Path | None = Field(
        None, description="File holding the passphrase of the issuing CA's (and OCSP/document signers') software "
        "keys; generated under data_dir outside production when unset, required in production without an HSM"
    )
    ecert_hsm_module: Path | None = Field(
        None, description="PKCS#11 library of the HSM that holds the CA keys (e.g. /usr/lib/softhsm/libsofthsm2.so); "
        "unset: software keys"
    )
    ecert_hsm_token_label: str = Field("telreg-ca", description="Label of the HSM token holding the CA keys")
    ecert_hsm_pin_file: Path | None = Field(None, description="File holding the HSM user PIN")
    ecert_profiles: str = Field(
        "hong-kong", description="Certificate profiles: a shipped set (hong-kong) or the path of a .toml file"
    )
    ecert_public_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL put into certificates for the CRL distribution point, the "
        "OCSP responder and the CA certificates (…/ecert/crl/…, …/ecert/ocsp, …/ecert/ca/…)"
    )
    ecert_crl_times: list[dt.time] = Field(
        default_factory=lambda: [dt.time(9, 15), dt.time(14, 15), dt.time(19, 0)],
        description="Hong Kong times of the scheduled CRL issues (a revocation also issues one at once)"
    )
    ecert_crl_validity_hours: int = Field(
        24, ge=1, description="Hours from a CRL's thisUpdate to its nextUpdate"
    )
    ecert_ocsp_validity_hours: int = Field(
        24, ge=8, le=240, description="Hours a pre-signed OCSP response is valid (8 hours to 10 days)"
    )
    ecert_ocsp_refresh_fraction: float = Field(
        0.5, gt=0, lt=1, description="A pre-signed OCSP response is re-signed once this fraction of its validity "
        "has passed, well before nextUpdate"
    )
    ecert_subscription_fee_cents: int = Field(
        5_000, ge=0, description="Default annual subscription fee of a certificate (HK cents; the fee table's "
        "revisions override it from their date)"
    )
    ecert_reminder_days: list[int] = Field(
        default_factory=lambda: [30, 7], description="Days before a subscription lapses when a reminder is mailed"
    )
    ecert_daily_at: dt.time = Field(
        dt.time(0, 30), description="Daily subscription run: reminders, holds on lapse (HK time)"
    )
    mtls_host: str = Field("127.0.0.1", description="Address of the client-certificate (mutual TLS) listener")
    mtls_port: int | None = Field(
        None, description="Port of the mutual-TLS listener for senders' automation (unset: not started)"
    )
    mtls_cert_file: Path | None = Field(
        None, description="PEM certificate (chain) of the mutual-TLS listener; unset: a `server` certificate for "
        "TELREG_MTLS_HOST is issued by the CA at start-up and kept under the CA directory, reused while valid"
    )
    mtls_key_file: Path | None = Field(None, description="PEM private key of TELREG_MTLS_CERT_FILE (mode 0600)")
    ecert_signer_renew_days: int = Field(
        30, ge=1, description="The worker renews the OCSP and document signers when fewer than this many days of "
        "their certificates remain"
    )
    lawful_country_code: str = Field(
        "HK", min_length=2, max_length=2, description="ISO 3166 country of this platform in HI-1 message headers")
    lawful_receiver_id: str = Field(
        "telreg", min_length=1, description="The platform's unique identifier in HI-1 headers (ReceiverIdentifier)")
    lawful_message_max_bytes: int = Field(
        8 * 1024 * 1024, ge=1024, description="Largest HI-1 message accepted (bytes; warrants travel base64 inside)")
    lawful_document_max_bytes: int = Field(
        5 * 1024 * 1024, ge=1024, description="Largest warrant document accepted (bytes; PDF only)")
    lawful_schema_dir: Path | None = Field(
        None, description="Directory of the official ETSI TS 103 120 XSD and JSON schemas; unset: schemas/etsi/ "
        "of the installation. HI-1 messages are validated against them when present")
    dual_control_valid_hours: int = Field(
        24, ge=1, description="Hours a two-person-rule request waits for its approval, and an approval for its use")

    report_attachment_max_bytes: int = Field(
        5 * 1024 * 1024, ge=1024, description="Largest attachment of a report to the regulator (a screenshot, a fax "
        "image or a recording; bytes)")
    report_attachments_max: int = Field(5, ge=1, le=20, description="Most attachments one report may carry")
    report_duplicate_minutes: int = Field(
        60, ge=1, description="Minutes within which the same report submitted again is the first one, not a new one")
    report_code_minutes: int = Field(
        15, ge=1, description="Minutes a report's one-time code (sent to the receiving number) stays valid; an "
        "unproved report lapses after them")
    report_code_attempts: int = Field(5, ge=1, description="Wrong one-time codes a report tolerates before it lapses")
    notice_compliance_days: int = Field(
        28, ge=1, description="Days an enforcement notice gives by default to rectify the contravention")
    information_reply_days: int = Field(
        14, ge=1, description="Days a sender is given by default to answer a request for information")
    seeds_per_account: int = Field(
        3, ge=1, le=20, description="Seed numbers placed in each subscriber's copies of a register (tracing leaks)")

    @model_validator(mode="after")
    def _no_weak_hashing_in_production(self) -> Settings:
        if self.env is Environment.production and self.password_hashing != "standard":
            raise ValueError("TELREG_PASSWORD_HASHING=fast is for tests; production must use 'standard'.")
        return self

    @property
    def is_production(self) -> bool:
        return self.env is Environment.production


@lru_cache
def get_settings() -> Settings:
    return Settings()
