"""The benchmark harness (``opcoord bench``, or ``python -m opcoord.bench``).

It drives opcoord only through its public contract: the ``opcoord`` command, its
environment, the HTTP and websocket API, and, for bulk seeding alone, the database's
table and column names (all in ``seed.py``). Internal functions are imported in
``internals.py`` only.
"""
