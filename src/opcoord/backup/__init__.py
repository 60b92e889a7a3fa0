"""`opcoord backup CODE -o FILE` and `opcoord restore FILE`: one operation, with every
version, seizure, live event, report edition and audit entry, carried from one database
into another (SQLite or PostgreSQL, either way round).

- ``tables``: which tables are carried, in which order, and how their keys refer to each
  other (the only place that knows).
- ``codec``: stored values to JSON and back, by column type.
- ``archive``: the file (a zip with a manifest, a JSON-lines member per table and the
  report files as they were rendered), written atomically and read with every check.
- ``checks``: what can be proved of a bundle: its audit chain (with the key it was made
  under) and that each vouched row matches its latest audit entry (without any key).
- ``dump`` and ``load``: the two actions, backup and restore.

docs/backup.md says what is carried, what is not, how accounts are matched and how the
audit chain is carried over.
"""
