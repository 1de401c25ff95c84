"""Hypothesis strategies over the HI-1 message model (telreg.lawful.hi1.model), for the codec tests.

The values are what the standard's types allow (UUID object identifiers, two-letter country codes, times with
an offset, text an XML document can carry), so every generated message is also valid under the test schemas
in tests/data/etsi/ — which lets one property check that the schemas accept whatever the codecs write.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from telreg.core.clock import HK
from telreg.lawful.hi1 import dictionaries as d
from telreg.lawful.hi1.model import (
    ActionRequest,
    ActionResponse,
    ApprovalDetails,
    AuthorisationObject,
    DocumentObject,
    Endpoint,
    ErrorInformation,
    Header,
    LDTaskObject,
    RequestMessage,
    ResponseMessage,
    TargetIdentifier,
)

# Characters an XML document can carry (no C0 controls, surrogates, U+FFFE/U+FFFF); tab and line feed included.
text = st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufffe\uffff")
               | st.sampled_from("\t\n"), max_size=12)
words = st.one_of(text, st.sampled_from(["Warrant", "Emergency", "Active", "SubscriberData", "hkid:A1234563"]))
uuids = st.uuids(version=4).map(str)
countries = st.sampled_from(["HK", "GB", "XX"])
zones = st.sampled_from([dt.UTC, HK, dt.timezone(dt.timedelta(hours=-5, minutes=-30))])
times = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31), timezones=zones)


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:  # type: ignore[type-arg]
    return st.none() | strategy


endpoints = st.builds(Endpoint, country_code=countries, unique_identifier=text)
headers = st.builds(Header, sender=endpoints, receiver=endpoints, transaction_id=uuids, timestamp=times,
                    etsi_version=st.just(d.ETSI_VERSION) | text, profile_owner=maybe(text),
                    profile_version=maybe(text))
approvals = st.builds(ApprovalDetails, approver_name=maybe(text), approver_role=maybe(text),
                      approval_type=maybe(text), description=maybe(text), reference=maybe(text),
                      timestamp=maybe(times), is_emergency=st.booleans())
associated = st.lists(uuids, max_size=2).map(tuple)

authorisations = st.builds(
    AuthorisationObject, object_identifier=uuids, country_code=countries, owner_identifier=text,
    reference=maybe(text), legal_type=maybe(words), status=maybe(words), desired_status=maybe(words),
    timespan_start=maybe(times), timespan_end=maybe(times), creation_timestamp=maybe(times),
    approval_details=st.lists(approvals, max_size=2).map(tuple), associated_objects=associated)

targets = st.builds(TargetIdentifier, format_owner=words, format_name=words, value=words)


@st.composite
def tasks(draw: st.DrawFn) -> LDTaskObject:
    # The request type travels as one dictionary entry: its owner and value come together or not at all.
    request_type = draw(maybe(st.tuples(words, words)))
    return LDTaskObject(
        object_identifier=draw(uuids), country_code=draw(countries), owner_identifier=draw(text),
        associated_objects=draw(associated), reference=draw(maybe(text)), status=draw(maybe(words)),
        desired_status=draw(maybe(words)), request_type_owner=request_type and request_type[0],
        request_type=request_type and request_type[1], start_time=draw(maybe(times)), end_time=draw(maybe(times)),
        request_values=tuple(draw(st.lists(targets, max_size=3))), reason_for_status=draw(maybe(text)))


documents = st.builds(
    DocumentObject, object_identifier=uuids, country_code=countries, owner_identifier=text,
    associated_objects=associated, reference=maybe(text), name=maybe(text), document_type=maybe(words),
    content=maybe(st.binary(max_size=64)), content_type=maybe(text), checksum=maybe(text),
    checksum_type=maybe(text))

hi1_objects = st.one_of(authorisations, tasks(), documents)


def action_requests(identifier: int) -> st.SearchStrategy[ActionRequest]:
    return st.one_of(
        st.builds(ActionRequest, st.just(identifier), st.just("GET"), identifier=uuids),
        st.builds(ActionRequest, st.just(identifier), st.sampled_from(["CREATE", "UPDATE"]), object=hi1_objects),
        st.builds(ActionRequest, st.just(identifier), st.just("LIST"),
                  object_type=maybe(st.sampled_from(["Authorisation", "LDTask", "Document"]))),
    )


@st.composite
def requests(draw: st.DrawFn) -> RequestMessage:
    first = draw(st.integers(min_value=0, max_value=10**6))
    count = draw(st.integers(min_value=1, max_value=4))
    actions = tuple(draw(action_requests(first + index)) for index in range(count))
    return RequestMessage(header=draw(headers), actions=actions)


errors = st.builds(ErrorInformation, code=st.sampled_from([d.ERROR_GENERIC, d.ERROR_NOT_FOUND,
                                                            d.ERROR_NOT_PERMITTED, d.ERROR_INVALID]),
                   description=text)


def action_responses(identifier: int) -> st.SearchStrategy[ActionResponse]:
    return st.one_of(
        st.builds(ActionResponse, st.just(identifier), st.just("GET"), objects=hi1_objects.map(lambda o: (o,))),
        st.builds(ActionResponse, st.just(identifier), st.sampled_from(["CREATE", "UPDATE"]), identifier=uuids),
        st.builds(ActionResponse, st.just(identifier), st.just("LIST"),
                  objects=st.lists(hi1_objects, max_size=3).map(tuple)),
        st.builds(ActionResponse, st.just(identifier), st.sampled_from(["GET", "CREATE", "UPDATE", "LIST"]),
                  error=errors),
    )


@st.composite
def responses(draw: st.DrawFn) -> ResponseMessage:
    count = draw(st.integers(min_value=0, max_value=4))
    return ResponseMessage(header=draw(headers),
                           responses=tuple(draw(action_responses(index)) for index in range(count)))


def request_answered(response: ResponseMessage) -> RequestMessage:
    """A request with the response's action identifiers and verbs: what names the verb of a failed action."""
    return RequestMessage(header=response.header,
                          actions=tuple(ActionRequest(answer.action_identifier, answer.verb)
                                        for answer in response.responses))
