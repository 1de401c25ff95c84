"""The verifiable audit log: a transparency log (RFC 6962/9162 Merkle tree, C2SP checkpoints, tiles, witnesses)
over ``audit_events``.

How it works
    Use cases append events as before (``audit.record``, in their own transaction). The integrator
    (integrator.py; the worker every ``audit_checkpoint_interval_seconds``, or ``telreg audit checkpoint``)
    takes the committed events without a leaf, in id order, gives each the next leaf index
    (``audit_tlog_leaves``), stores the new complete-subtree hashes (``audit_tlog_hashes``) and signs a C2SP
    checkpoint with the log's Ed25519 key (``audit_checkpoints``). Leaf = SHA-256(0x00 || leaf data), where
    leaf data is the canonical JSON of the event row (entries.py). Witnesses (other deployments, C2SP
    tlog-witness) cosign a checkpoint after checking it extends the last one they saw; a checkpoint is
    published (``GET /audit/checkpoint``) once every configured witness has cosigned it. Tiles and entry
    bundles (C2SP tlog-tiles) let anyone recompute roots and proofs without telreg.

What an attacker with write access to the database (triggers dropped, say) can and cannot do unnoticed
    * Cannot edit, delete, reorder or back-date an integrated event: ``telreg audit verify`` recomputes every
      leaf from the rows and names the first entry (leaf index and event id) that differs from its stored leaf
      hash. Rewriting the stored hashes too is caught by every signed checkpoint whose root no longer matches.
    * Cannot truncate or rewrite the tree consistently: that needs the log's private key (kept in a file, not in
      the database). Deleting the checkpoints themselves is only caught against a checkpoint kept elsewhere:
      ``--from-checkpoint`` with a copy, or the witnesses' records (they refuse any tree that does not extend
      what they cosigned, and keep their own copy).
    * Can append new events (as the application can): they are logged like any other, and are visible.
    * Can change or delete events not integrated yet (committed within the last interval, about a second):
      history pages mark such events as not yet covered by a verified checkpoint.
    * With the log key as well (same machine, same operator), can re-sign a rewritten history: only witnesses
      or an outside copy of an earlier checkpoint expose it (a split view needs every witness to collude).
"""
