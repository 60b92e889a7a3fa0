"""The live channel: the events of the log carried to websockets, and the dashboard.

``hub`` and ``pump`` move committed events from the log (``opcoord.outbox``) to this
process's sockets; ``feed`` builds snapshots and each caller's view of an event;
``state`` is the reducer a dashboard applies (mirrored by ``frontend/static/js/live/state.js``).
"""
