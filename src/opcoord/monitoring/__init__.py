"""Running the service: ``/health``, ``/ready``, ``/metrics`` and the logs.

``http`` measures every request (Prometheus counters and histograms labelled by route
template, never by raw path) and writes one log line per request; ``logs`` sets up the
console (text or one JSON object per line) with the request id, user and operation of
each line; ``readiness`` decides whether this process can serve; ``routes`` serves the
three endpoints. The other packages' own metrics (returns received, live connections)
sit beside the code they count and register with the same default registry.

Every figure is this process's own: each replica answers for itself, and Prometheus
adds the ``instance`` label when it scrapes each replica directly (docs/deployment.md).
"""
