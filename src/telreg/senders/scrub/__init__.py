"""List scrubbing: decide every line of a calling list against a dated publication and a sender's instructions.

The list is streamed in chunks and its byte loops run in C (_kernels.c); see service.py for the passes, engine.py
for the rules, outputs.py for the files (a stable interface).
"""

from telreg.senders.scrub.engine import DECISIONS
from telreg.senders.scrub.instructions import Instructions, load_instructions
from telreg.senders.scrub.publication import Publication, load_publication, read_warning_days
from telreg.senders.scrub.service import ScrubResult, check_send_date, scrub_list

__all__ = [
    "DECISIONS",
    "Instructions",
    "Publication",
    "ScrubResult",
    "check_send_date",
    "load_instructions",
    "load_publication",
    "read_warning_days",
    "scrub_list",
]
