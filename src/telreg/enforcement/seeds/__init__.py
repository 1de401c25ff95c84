"""Seed numbers: numbers the regulator controls, listed in one subscriber's copies of a register, so that a message
at one names the account whose copy was used or leaked.

    pool.py       importing the pool (all of a file or none of it), its counts
    assign.py     giving an account its seeds per register, their plausible listing dates, retirements
    variants.py   an account's copy of a published file: only the deflate chunks that receive a seed re-made
    files.py      which file (shared or variant) and which manifest an account is handed
    hits.py       which account a message at a seed number traces to; the operator feed's hits
"""
