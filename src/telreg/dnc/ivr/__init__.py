"""The registration hotlines as a telephony-independent dialog engine (IVR).

A telephony platform (or the terminal simulator, ``telreg ivr``) sends one *turn* per call event — the call
started, keys were pressed, the caller said nothing, the caller hung up — and gets back what to say and what input
to expect. The dialog state of each call lives in ``dnc_ivr_calls`` so any web worker can answer any turn.

The public surface is ``telreg.dnc.ivr.engine.handle_turn`` (with ``Turn`` and ``Reply``) and the line table in
``telreg.dnc.ivr.lines``; this package file imports nothing so that the prompts can be used by
``telreg.dnc.verification`` without a cycle.
"""
