"""The IVR webhook: the telephony platform posts each call event and plays back what it is told to say.

It is served on a listener of its own (``create_ivr_app``; `telreg serve` binds it to TELREG_IVR_HOST and
TELREG_IVR_PORT), never on the public port, and every request must be signed by the platform
(:mod:`telreg.dnc.ivr.signing`): the signature is checked on the raw body before the body is parsed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from telreg.core.access import SIGNED_REQUEST, declares, public_openapi
from telreg.deps import DbSession, RuntimeDep
from telreg.dnc.ivr import signing
from telreg.dnc.ivr.engine import Turn, handle_turn
from telreg.dnc.ivr.schemas import IvrReply, IvrTurn
from telreg.runtime import Runtime

router = APIRouter(prefix="/api/v1/ivr", tags=["do-not-call hotlines"])


def create_ivr_app(runtime: Runtime) -> FastAPI:
    """The IVR listener's app: the webhook alone, with the public app's error handlers.

    Resolves the webhook secrets now, so that production without a (long enough) secret refuses to start.
    """
    from telreg.app import _install_error_handlers
    from telreg.web.input_guard import install as install_input_guard
    from telreg.web.security_headers import install as install_security_headers

    app = FastAPI(title="telreg IVR webhook", version="0.1.0", docs_url=None, redoc_url=None)
    public_openapi(app)  # every route declares its access (telreg.core.access)
    app.state.runtime = runtime
    app.state.ivr_secrets = signing.webhook_secrets(runtime.settings)
    _install_error_handlers(app, challenge=lambda _request: signing.CHALLENGE)
    install_input_guard(app)  # as on the public app: no control characters reach PostgreSQL
    install_security_headers(app)
    app.include_router(router)
    return app


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@declares(SIGNED_REQUEST)
def _signed_turn(request: Request, raw: Annotated[bytes, Depends(_raw_body)], session: DbSession,
                 runtime: RuntimeDep) -> IvrTurn:
    """Verify the platform's signature over the raw body, then parse the body (plain def: it writes)."""
    signing.verify(session, secrets=request.app.state.ivr_secrets, body=raw,
                   timestamp=request.headers.get(signing.TIMESTAMP_HEADER),
                   signatures=request.headers.get(signing.SIGNATURE_HEADER), now=runtime.clock.now())
    try:
        return IvrTurn.model_validate_json(raw)
    except ValidationError as exc:
        errors: list[Any] = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None


SignedTurn = Annotated[IvrTurn, Depends(_signed_turn)]
_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": IvrTurn.model_json_schema()}}}}


@router.post("/turn", response_model=IvrReply, openapi_extra=_BODY)
def turn(body: SignedTurn, session: DbSession, runtime: RuntimeDep) -> IvrReply:
    """Answer one event of a hotline call.

    Signed: headers `X-Telreg-Timestamp` (Unix seconds) and `X-Telreg-Signature: v1=<hex HMAC-SHA256 of
    "<timestamp>.<raw body>" under the shared secret>`; an unsigned, wrongly signed, stale (more than 300 s
    from the server's clock) or replayed request is refused (401 `webhook_unauthorized`).

    The platform sends `start` when a call arrives (with `line` and the network's `caller_id`, null when
    withheld), `keys` with the keys pressed, `timeout` when the caller keyed nothing, and `hangup`. `seq` numbers
    the events of a call: an event re-delivered with an already answered `seq` gets the same reply and changes
    nothing; an older `seq` is refused (409 `turn_rejected`).

    The reply says what to play (`say`, in the caller's language; `prompt` holds both Cantonese and English),
    what to collect next (`expect`: `digits` between `min` and `max` keys, or `none`), and whether to hang up
    after playing it (`end`). Lines: `sms`, `prerecorded`, `fax` (registration hotlines) and `fax-confirm` (key a
    faxed authentication code). Errors: 401 `webhook_unauthorized`, 404 `unknown_line`, 404 `unknown_call` (an
    event before `start`), 409 `turn_rejected`, 422 `invalid_input`.
    """
    reply = handle_turn(
        session, clock=runtime.clock, settings=runtime.settings,
        turn=Turn(call_id=body.call_id, line=body.line, event=body.event, seq=body.seq, caller_id=body.caller_id,
                  keys=body.keys, lang=body.lang),
    )
    return IvrReply.model_validate(reply.as_dict())
