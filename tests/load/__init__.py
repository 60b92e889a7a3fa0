"""The fault harness: real opcoord servers, simulated contact points and dashboards, a
SIGKILL in the middle, and an audit of what survived (see docs/fault-harness.md)."""
