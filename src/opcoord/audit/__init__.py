"""The audit trail: who did what, and who downloaded what, in an append-only log whose
entries are chained with an HMAC under a key kept outside the database.

Imports nothing of ours but the foundations: every package records here, inside the
transaction of the change it records (``log.record``). ``verify`` walks the chains;
each package checks its own rows against the digests its entries carry.
"""
