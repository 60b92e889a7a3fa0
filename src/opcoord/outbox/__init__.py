"""The event log: every change, numbered per operation, written inside the transaction
that makes it (a transactional outbox). The event exists if and only if its change was
committed.

Imports nothing of ours but ``db``: the operations package records events here, and the
live channel (``opcoord.live``) reads them back and carries them to websockets.
"""
