"""Do-not-call registers: listings, registration channels (IVR, callbacks, fax codes, paper), operator feeds."""
