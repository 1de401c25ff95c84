"""Request and response models of the IVR webhook."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class IvrTurn(BaseModel):
    """One call event sent by the telephony platform."""

    call_id: str = Field(min_length=1, max_length=100, description="The platform's id of the call")
    line: str = Field(min_length=1, max_length=32, description="The hotline called: sms | prerecorded | fax | "
                      "fax-confirm")
    caller_id: str | None = Field(None, max_length=32, description="The number shown by the network; null if withheld")
    event: Literal["start", "keys", "timeout", "hangup"]
    keys: str | None = Field(None, pattern=r"^[0-9*#]*$", max_length=32, description="Keys pressed (event 'keys')")
    seq: int = Field(ge=0, description="The platform's turn number within the call; a repeated number is a "
                     "re-delivery and gets the same reply")
    lang: Literal["yue", "en"] | None = Field(None, description="Skip the language menu (event 'start' only)")

    model_config = {"json_schema_extra": {"examples": [
        {"call_id": "c-1", "line": "sms", "caller_id": "21234567", "event": "start", "seq": 0},
        {"call_id": "c-1", "line": "sms", "event": "keys", "keys": "1", "seq": 1},
    ]}}


class SpokenPrompt(BaseModel):
    yue: str = Field(description="Cantonese, written in Traditional Chinese")
    en: str


class Expectation(BaseModel):
    kind: Literal["digits", "none"]
    min: int = Field(description="Fewest keys to collect")
    max: int = Field(description="Most keys to collect")


class IvrReply(BaseModel):
    call_id: str
    state: str = Field(description="The dialog state the call is now in")
    prompt: SpokenPrompt
    say: str = Field(description="The prompt in the caller's language (both languages before one is chosen)")
    lang: Literal["yue", "en"] | None
    expect: Expectation
    end: bool = Field(description="True: play `say`, then hang up")
