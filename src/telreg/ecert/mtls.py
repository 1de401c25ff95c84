"""The mutual-TLS listener: senders' scripts authenticate by a client certificate instead of an API key.

    telreg serve --mtls-port 8443        (or TELREG_MTLS_PORT; address TELREG_MTLS_HOST, default 127.0.0.1)

      TLS 1.2+, a client certificate REQUIRED, verified up to the issuing CA and the root (and, by OpenSSL's
      purpose check, it must allow clientAuth)
        └── TlsH11Protocol: puts the verified peer certificate in each request's scope as the ASGI TLS extension
            (scope["extensions"]["tls"]["client_cert_chain"] = [PEM]); uvicorn itself does not
              └── create_mtls_app(): the sender automation routes of the public app (profile, downloads, online
                  check, own lists, washing) — every route whose access is ``sender`` and nothing else: no pages,
                  no cookie sign-in, no staff routes. Every request first passes :func:`_certificate_caller`,
                  which resolves the certificate in the request's own transaction (client_auth.authenticate) and
                  leaves the caller in the scope for ``senders.deps.sender_caller``.

Why the certificate is checked again on every request although the handshake verified it: revocation must take
effect at once. TLS verifies the chain and the dates but knows nothing of our database; a kept-alive connection,
or a session resumed after the certificate was revoked or put on hold, carries on without a new handshake. The
database says whether the certificate is still good, still bound and its account still allowed automation.

The scope key :data:`telreg.senders.deps.CLIENT_CERTIFICATE` is set only here, from the TLS layer; the public
listener never sets it and no header can, so the public listener cannot be talked into the certificate path.

The listener's own certificate: TELREG_MTLS_CERT_FILE / TELREG_MTLS_KEY_FILE when set (a chain in PEM, its key
unencrypted, mode 0600). Otherwise the CA issues a ``server`` certificate for the listener's host at start-up and
keeps it, with its key (0600), under ``<CA dir>/mtls/``; it is reused while it is valid for more than
``RENEW_BEFORE`` and was issued by the current issuing CA for the same host, and replaced otherwise.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import os
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.responses import JSONResponse
from uvicorn.protocols.http.h11_impl import H11Protocol

from telreg.core.access import SENDER, declared_access, declares
from telreg.core.clock import Clock
from telreg.core.db import unit_of_work
from telreg.core.errors import DomainError
from telreg.core.i18n import N_, format_message, language_from_header
from telreg.deps import RuntimeDep
from telreg.ecert.client_auth import ClientCertificateRejected, authenticate
from telreg.ecert.keys import Hierarchy
from telreg.runtime import Runtime
from telreg.senders.deps import CLIENT_CERTIFICATE, SenderCaller

__all__ = ["CHALLENGE", "RENEW_BEFORE", "SERVER_PROFILE", "ListenerMisconfigured", "TlsH11Protocol", "create_mtls_app", "mtls_config",
           "presented_certificate", "server_credentials", "server_ssl_context"]

SERVER_PROFILE = "server"
RENEW_BEFORE = dt.timedelta(days=30)  # a kept server certificate is replaced this long before it expires
CHALLENGE = 'ClientCertificate realm="telreg"'  # the 401's WWW-Authenticate: the credential is the certificate
_TLS_VERSIONS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}


class ListenerMisconfigured(DomainError):
    """The listener's own certificate settings cannot be used; it refuses to start (the deployment's fault)."""

    status_code = 500
    code = "mtls_misconfigured"


# ---- the TLS layer ----------------------------------------------------------------------------------------------

def server_ssl_context(*, hierarchy: Hierarchy, cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """A server context that requires a client certificate under the issuing CA (or the root), TLS 1.2 or later."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_cert_chain(cert_file, key_file)
    trusted = [hierarchy.issuing.certificate, hierarchy.root]
    context.load_verify_locations(cadata="".join(_pem(c) for c in trusted))
    return context


class TlsH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, plus the ASGI TLS extension in the scope of every request of the connection.

    uvicorn does not expose the peer certificate. The handshake is over when ``connection_made`` runs (asyncio's
    SSL transport calls it then), so the certificate is read once per connection and every request made on it
    carries it. The app is wrapped per connection rather than the scope being built here, so nothing of
    uvicorn's own request handling is copied.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        tls = tls_extension(transport.get_extra_info("ssl_object"))
        inner = self.app

        async def app(scope: Any, receive: Any, send: Any) -> None:
            if tls is not None:
                scope.setdefault("extensions", {})["tls"] = dict(tls)
            await inner(scope, receive, send)

        self.app = app


def tls_extension(ssl_object: ssl.SSLObject | None) -> dict[str, Any] | None:
    """The ASGI TLS extension of a connection (client_cert_chain as PEM; only the leaf: Python 3.11 does not give
    the verified chain), or None for a connection without TLS."""
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    chain = [ssl.DER_cert_to_PEM_cert(der)] if der else []
    name = None
    if der:
        name = x509.load_der_x509_certificate(der).subject.rfc4514_string()
    return {"server_cert": None, "client_cert_chain": chain, "client_cert_name": name,
            "client_cert_error": None, "tls_version": _TLS_VERSIONS.get(ssl_object.version() or ""),
            "cipher_suite": None}


def presented_certificate(scope: Any) -> bytes | None:
    """The DER of the client certificate of this request's connection, from the ASGI TLS extension."""
    tls = (scope.get("extensions") or {}).get("tls") or {}
    chain = tls.get("client_cert_chain") or []
    if not chain:
        return None
    return x509.load_pem_x509_certificate(chain[0].encode()).public_bytes(serialization.Encoding.DER)


# ---- the app ----------------------------------------------------------------------------------------------------

@declares(SENDER)
def _certificate_caller(request: Request, runtime: RuntimeDep) -> SenderCaller:
    """Authenticate the request by its connection's client certificate (plain def: the database work runs in the
    thread pool). Its own transaction, committed before the handler runs: a request session held open across
    the handler would keep SQLite's writer lock from the online check's group-commit writer, which it waits for."""
    der = presented_certificate(request.scope)
    if der is None:  # cannot happen behind CERT_REQUIRED; refuse all the same
        raise ClientCertificateRejected(N_("This listener needs a client certificate; none was presented."))
    with unit_of_work(runtime.session_factory) as session:
        caller = authenticate(session, clock=runtime.clock, settings=runtime.settings, der=der)
    request.scope[CLIENT_CERTIFICATE] = caller
    return caller


def automation_router() -> APIRouter:
    """The public app's sender automation routes (access ``sender``: an API key or a session there), only those."""
    from telreg.senders.api import router as senders_router
    from telreg.senders.lists.api import router as lists_router
    from telreg.senders.usage_api import router as usage_router
    from telreg.senders.washing.api import router as washing_router

    selected = APIRouter()
    for router in (senders_router, usage_router, lists_router, washing_router):
        # FastAPI operations only: a plain Starlette route (the online check's fast path, senders/usage_api.py)
        # would not run the router's certificate dependency below; here the documented operation serves it.
        selected.routes.extend(r for r in router.routes
                               if isinstance(r, APIRoute) and declared_access(r) == (SENDER,))
    return selected


def create_mtls_app(runtime: Runtime) -> FastAPI:
    """The mutual-TLS listener's app: sender automation only, every request authenticated by its certificate."""
    from telreg.app import _install_error_handlers
    from telreg.core.access import public_openapi
    from telreg.web.input_guard import install as install_input_guard
    from telreg.web.security_headers import install as install_security_headers

    app = FastAPI(title="telreg sender automation (mutual TLS)", version="0.1.0", docs_url=None, redoc_url=None,
                  openapi_url=None)
    public_openapi(app)
    app.state.runtime = runtime
    _install_error_handlers(app, challenge=lambda _request: CHALLENGE)
    install_input_guard(app)
    install_security_headers(app)
    app.include_router(automation_router(), dependencies=[Depends(_certificate_caller)])
    app.router.default = _nothing_here  # the public app's 404 renders a page for addresses outside /api/
    return app


async def _nothing_here(scope: Any, receive: Any, send: Any) -> None:
    """Any address this listener does not serve: the API's 404 document, in the client's language."""
    request = Request(scope)
    language = language_from_header(request.headers.get("accept-language", ""))
    detail = format_message(language, N_("There is nothing at %(path)s."), {"path": request.url.path})
    response = JSONResponse({"error": "page_not_found", "detail": detail}, status_code=404,
                            headers={"Content-Language": language})
    await response(scope, receive, send)


# ---- the listener's own certificate -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ServerCredentials:
    cert_file: Path
    key_file: Path


def server_credentials(runtime: Runtime, *, hierarchy: Hierarchy, host: str) -> ServerCredentials:
    """The listener's certificate and key files: the configured ones, or a kept or newly issued ``server``
    certificate for HOST (see the module docstring)."""
    from telreg.ecert.hierarchy import ca_dir

    settings = runtime.settings
    if settings.mtls_cert_file or settings.mtls_key_file:
        if not (settings.mtls_cert_file and settings.mtls_key_file):
            raise ListenerMisconfigured(N_("TELREG_MTLS_CERT_FILE and TELREG_MTLS_KEY_FILE go together: set both "
                                           "or neither."))
        return ServerCredentials(Path(settings.mtls_cert_file), Path(settings.mtls_key_file))
    directory = ca_dir(settings) / "mtls"
    names = server_names(host)
    slug = "".join(c if c.isalnum() or c in ".-" else "_" for c in names[0])
    kept = ServerCredentials(directory / f"server-{slug}.pem", directory / f"server-{slug}.key")
    if _still_good(kept, hierarchy=hierarchy, names=names, clock=runtime.clock):
        return kept
    _issue_server_certificate(runtime, hierarchy=hierarchy, names=names, into=kept)
    return kept


def server_names(host: str) -> list[str]:
    """The names the listener's certificate is for: the address it listens on (an IP address, or a host name);
    for a wildcard address, this machine's fully qualified name. (Not ``localhost``: the CA's lint refuses a name
    that is not a real host name, and clients should connect by the address they were given.)"""
    if host in ("", "0.0.0.0", "::"):
        return [socket.getfqdn()]
    return [host]


def _san(names: list[str]) -> list[x509.GeneralName]:
    general: list[x509.GeneralName] = []
    for name in names:
        try:
            general.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            general.append(x509.DNSName(name))
    return general


def _still_good(kept: ServerCredentials, *, hierarchy: Hierarchy, names: list[str], clock: Clock) -> bool:
    if not (kept.cert_file.exists() and kept.key_file.exists()):
        return False
    try:
        certificate = x509.load_pem_x509_certificate(kept.cert_file.read_bytes())
        key = serialization.load_pem_private_key(kept.key_file.read_bytes(), password=None)
        certificate.verify_directly_issued_by(hierarchy.issuing.certificate)
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):  # unreadable or not ours: anew
        return False
    same_key = key.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo) == \
        certificate.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
    return (same_key and set(san) == set(_san(names))
            and certificate.not_valid_after_utc - clock.now() > RENEW_BEFORE)


def _issue_server_certificate(runtime: Runtime, *, hierarchy: Hierarchy, names: list[str],
                              into: ServerCredentials) -> None:
    from telreg.ecert import issuance

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0][:64])])
    with unit_of_work(runtime.session_factory) as session:
        _row, certificate = issuance.issue_certificate(
            session, runtime=runtime, hierarchy=hierarchy, profile=SERVER_PROFILE, subject=subject,
            public_key=key.public_key(), subject_kind="server", actor="system:mtls-listener", san=_san(names))
    into.cert_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write_private(into.key_file, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
    # The chain a client needs to verify the listener: the certificate, then the issuing CA.
    _write_private(into.cert_file, (_pem(certificate) + _pem(hierarchy.issuing.certificate)).encode())


def _write_private(path: Path, data: bytes) -> None:
    # Written beside, then renamed: a listener starting at the same moment never reads half a file.
    temporary = path.with_name(path.name + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


# ---- uvicorn ----------------------------------------------------------------------------------------------------

def mtls_config(runtime: Runtime, *, host: str, port: int, log_level: str = "info") -> Any:
    """The uvicorn Config of the listener (the CA must exist: ``telreg ecert init``)."""
    import uvicorn

    from telreg.ecert.hierarchy import load_hierarchy

    hierarchy = load_hierarchy(runtime.settings)
    credentials = server_credentials(runtime, hierarchy=hierarchy, host=host)
    context = server_ssl_context(hierarchy=hierarchy, cert_file=credentials.cert_file,
                                 key_file=credentials.key_file)
    return uvicorn.Config(create_mtls_app(runtime), host=host, port=port, http=TlsH11Protocol,
                          ws="none", ssl_context_factory=lambda _config, _default: context, log_level=log_level,
                          log_config=None)
