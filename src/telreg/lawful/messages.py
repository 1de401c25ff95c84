"""One HI-1 RequestMessage from an agency's officer: every action applied, or none.

The header's sender must be the officer's agency (UniqueIdentifier = the agency's code, CountryCode its country)
and the receiver this platform (``lawful_country_code`` / ``lawful_receiver_id``); otherwise the message is refused
as a whole (PermissionDenied / RequestInvalid, no response message). The actions run in order inside one savepoint;
then the checks that need the whole message run and warrants are activated and routed (filing.py). The first
action that fails (a DomainError) rolls the savepoint back — nothing of the message remains, files included — and
the response gives that action an ErrorInformation (dictionaries.ERROR_*: 3000 not found, 4000 not permitted,
5000 invalid, 1000 anything else; the error's sentence in ``lang``) and every other action one saying it was not
applied because that action failed. The response header swaps sender and receiver, repeats the
TransactionIdentifier and is timed by the clock.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from telreg.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from telreg.core.i18n import N_, format_message
from telreg.core.models import User
from telreg.lawful import objects, repository
from telreg.lawful.deps import LE_ROLES, require_exact_role
from telreg.lawful.errors import RequestInvalid
from telreg.lawful.filing import ActionFailed, Filing
from telreg.lawful.hi1.dictionaries import (
    ERROR_GENERIC,
    ERROR_INVALID,
    ERROR_NOT_FOUND,
    ERROR_NOT_PERMITTED,
    ETSI_VERSION,
    PROFILE_OWNER,
    PROFILE_VERSION,
)
from telreg.lawful.hi1.model import (
    ActionRequest,
    ActionResponse,
    Endpoint,
    ErrorInformation,
    Header,
    RequestMessage,
    ResponseMessage,
)
from telreg.runtime import Runtime

__all__ = ["error_code", "handle_message"]

NOT_APPLIED = N_("Not applied: action %(action)s of this message failed, and a message is applied whole or not "
                 "at all.")


def error_code(error: DomainError) -> str:
    """The ErrorCode of TS 103 120 for one of telreg's errors."""
    if isinstance(error, NotFound):
        return ERROR_NOT_FOUND
    if isinstance(error, PermissionDenied):
        return ERROR_NOT_PERMITTED
    if isinstance(error, InvalidInput):
        return ERROR_INVALID
    return ERROR_GENERIC


def handle_message(session: Session, *, runtime: Runtime, user: User, message: RequestMessage,
                   lang: str = "en") -> ResponseMessage:
    require_exact_role(user, *sorted(LE_ROLES))
    agency = repository.agency_by_code(session, user.agency_code or "")
    if agency is None:
        raise PermissionDenied(N_("Your account is not an officer's account of a law-enforcement agency."))
    sender = message.header.sender
    if (sender.unique_identifier, sender.country_code) != (agency.code, agency.country_code):
        raise PermissionDenied(N_("The message's sender (%(sender)s, %(country)s) is not your agency (%(agency)s, "
                                  "%(agency_country)s): an officer sends messages for their own agency only."),
                               sender=sender.unique_identifier, country=sender.country_code, agency=agency.code,
                               agency_country=agency.country_code)
    settings = runtime.settings
    receiver = message.header.receiver
    if (receiver.unique_identifier, receiver.country_code) != (settings.lawful_receiver_id,
                                                               settings.lawful_country_code):
        raise RequestInvalid(N_("The message is addressed to %(receiver)s (%(country)s), not to this platform "
                                "(%(platform)s, %(platform_country)s)."), receiver=receiver.unique_identifier,
                             country=receiver.country_code, platform=settings.lawful_receiver_id,
                             platform_country=settings.lawful_country_code)
    if not message.actions:
        raise RequestInvalid(N_("The message has no action."))
    filing = Filing(session=session, runtime=runtime, user=user, agency=agency)
    answers: list[ActionResponse] = []
    failed: tuple[int, DomainError] | None = None
    savepoint = session.begin_nested()
    try:
        for position, action in enumerate(message.actions):
            try:
                answers.append(_apply(session, runtime, filing, agency, action, position))
            except DomainError as error:
                failed = (position, error)
                break
        if failed is None:
            try:
                filing.finish()
            except ActionFailed as problem:
                assert isinstance(problem.error, DomainError)
                failed = (problem.action, problem.error)
            except DomainError as error:  # routing cannot fail on the sender's input; blame the last action
                failed = (len(message.actions) - 1, error)
    except BaseException:
        savepoint.rollback()
        raise
    if failed is None:
        savepoint.commit()
    else:
        savepoint.rollback()
        answers = _refusal(message, lang, *failed)
    return ResponseMessage(header=_response_header(runtime, message.header), responses=tuple(answers))


def _apply(session: Session, runtime: Runtime, filing: Filing, agency: object, action: ActionRequest,
           position: int) -> ActionResponse:
    verb = action.verb
    if verb == "CREATE":
        return ActionResponse(action.action_identifier, verb, identifier=filing.create(action.object, position))
    if verb == "UPDATE":
        return ActionResponse(action.action_identifier, verb, identifier=filing.update(action.object))
    if verb == "GET":
        found = objects.get_object(session, vault=runtime.vault, agency=filing.agency, object_id=action.identifier)
        return ActionResponse(action.action_identifier, verb, identifier=action.identifier, objects=(found,))
    if verb == "LIST":
        listed = objects.list_objects(session, vault=runtime.vault, agency=filing.agency,
                                      object_type=action.object_type)
        return ActionResponse(action.action_identifier, verb, objects=tuple(listed))
    raise RequestInvalid(N_("Action %(action)s has a verb telreg does not know (%(verb)s): use GET, CREATE, UPDATE "
                            "or LIST."), action=action.action_identifier, verb=repr(verb))


def _refusal(message: RequestMessage, lang: str, position: int, error: DomainError) -> list[ActionResponse]:
    failing = message.actions[position]
    out = []
    for action in message.actions:
        if action is failing:
            info = ErrorInformation(error_code(error), error.message_in(lang))
        else:
            info = ErrorInformation(ERROR_GENERIC, format_message(lang, NOT_APPLIED,
                                                                  {"action": failing.action_identifier}))
        out.append(ActionResponse(action.action_identifier, action.verb, error=info))
    return out


def _response_header(runtime: Runtime, request: Header) -> Header:
    settings = runtime.settings
    return Header(sender=Endpoint(settings.lawful_country_code, settings.lawful_receiver_id),
                  receiver=request.sender, transaction_id=request.transaction_id, timestamp=runtime.clock.now(),
                  etsi_version=ETSI_VERSION, profile_owner=PROFILE_OWNER, profile_version=PROFILE_VERSION)
