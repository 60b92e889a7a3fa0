"""Outbound: the event log sent outward, to webhooks and by e-mail.

A consumer of the outbox (``opcoord.outbox``) with a durable cursor per stream turns
committed events into delivery rows (``fanout.py``); workers in every instance claim
due deliveries with a lease and send them, retrying with exponential backoff
(``worker.py``). See docs/outbound.md.
"""
