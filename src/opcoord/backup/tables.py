"""The tables a backup carries, in the order a restore inserts them, and how their keys
refer to each other. Nothing else in the package names a table.

Ids differ between databases, so a restore inserts every row without its id, learns the
new one, and rewrites each reference below with it. ``stream_id`` is the operation's id
in the event log and in the audit log, so it is remapped like a reference.
"""

from dataclasses import dataclass, field

from sqlmodel import SQLModel

from opcoord.accounts.models import User
from opcoord.audit.models import AuditEntry, AuditHead
from opcoord.intel.models import WatchlistHit
from opcoord.operations.merged import DuplicatePair
from opcoord.operations.models import (
    Alert,
    AlertAck,
    DailyReturn,
    JobRun,
    LockException,
    Operation,
    Participant,
    ReturnReview,
    ReturnVersion,
    Seizure,
)
from opcoord.outbox.models import LiveEvent, LiveStream
from opcoord.report.models import ReportArtefact, ReportEdition


@dataclass(frozen=True, slots=True)
class Carried:
    name: str
    model: type[SQLModel]
    #: column -> the table its value is an id of
    refs: dict[str, str] = field(default_factory=dict)
    #: columns not carried (credentials; bytes kept as members of their own)
    omit: tuple[str, ...] = ()
    #: rows keep their key (``stream_id``) rather than getting a new ``id``
    keyed_by_stream: bool = False

    def columns(self) -> list[str]:
        table = self.model.__table__  # type: ignore[attr-defined]
        return [c.name for c in table.columns if c.name not in self.omit]


OPERATION = "operations"
USERS = "users"
ARTEFACTS = "report_artefacts"
AUDIT = "audit_log"
AUDIT_HEADS = "audit_heads"
STREAMS = "live_streams"
EVENTS = "live_events"
HITS = "watchlist_hits"

#: In insertion order: each table after every table it refers to.
CARRIED: tuple[Carried, ...] = (
    # Accounts are matched by username, or created disabled (load.py); never with a
    # token or password hash.
    Carried(
        USERS,
        User,
        omit=("token_hash", "token_expires_at", "password_hash", "disabled", "last_seen_at"),
    ),
    Carried(OPERATION, Operation),
    Carried("participants", Participant, {"operation_id": OPERATION}),
    Carried("daily_returns", DailyReturn, {"operation_id": OPERATION}),
    Carried(
        "return_versions",
        ReturnVersion,
        {"return_id": "daily_returns", "operation_id": OPERATION, "submitted_by": USERS},
    ),
    Carried("seizures", Seizure, {"version_id": "return_versions", "operation_id": OPERATION}),
    # Reviews and lock exceptions: the review history and who opened a locked day.
    Carried(
        "return_reviews",
        ReturnReview,
        {"return_id": "daily_returns", "operation_id": OPERATION, "reviewed_by": USERS},
    ),
    Carried("lock_exceptions", LockException, {"operation_id": OPERATION, "granted_by": USERS}),
    # The day cycle's claims: without them the target's scheduler would run the day
    # closes and reminders of the past again.
    Carried("job_runs", JobRun, {"operation_id": OPERATION}),
    # Coordinators' decisions on duplicates: a merged pair changes the totals.
    Carried("duplicate_pairs", DuplicatePair, {"operation_id": OPERATION, "decided_by": USERS}),
    # Watchlist hits and the coordinators' decisions on them (a confirmed hit is a
    # headline figure). Their list, version and listed object are not carried: a restore
    # finds them in this database by the list's name, its content hash and the object's
    # id (load.py), so the same list must have been uploaded here.
    Carried(
        HITS,
        WatchlistHit,
        {"operation_id": OPERATION, "seizure_id": "seizures", "decided_by": USERS},
    ),
    Carried("report_editions", ReportEdition, {"operation_id": OPERATION, "requested_by": USERS}),
    Carried(ARTEFACTS, ReportArtefact, {"edition_id": "report_editions"}, omit=("data",)),
    Carried("alerts", Alert, {"operation_id": OPERATION}),
    Carried("alert_acks", AlertAck, {"alert_id": "alerts"}),
    Carried(STREAMS, LiveStream, {"stream_id": OPERATION}, keyed_by_stream=True),
    Carried(EVENTS, LiveEvent, {"stream_id": OPERATION}),
    # The operation's audit chain is carried over and chained again (load.py).
    Carried(AUDIT, AuditEntry, {"stream_id": OPERATION}),
    Carried(AUDIT_HEADS, AuditHead, {"stream_id": OPERATION}, keyed_by_stream=True),
)
BY_NAME = {t.name: t for t in CARRIED}

#: Tables that are deliberately not carried, and why (tests/backup checks that every
#: table is in one list or the other, so a new table cannot be forgotten).
NOT_CARRIED = {
    "browser_sessions": "sign-ins belong to the database they were made in",
    "rate_counts": "rate limits are counted per database",
    "live_connections": "open websockets belong to the running servers",
    "signin_failures": "failed sign-ins are counted per database",
    "alembic_version": "the schema revision is recorded in the manifest",
    "duplicate_checks": "the target checks every version again (pairs are kept once)",
    "webhooks": "receivers and their secrets are the deployment's, not an operation's",
    "outbound_cursors": "how far this database's log has been sent",
    "outbound_deliveries": "what this database sent out; a restore sends nothing again",
    "outbound_attempts": "the log of what this database sent out",
    # Watchlists belong to no operation: each database loads them from their source (the
    # upload), and the matcher finds a restored operation's hits again against them.
    "watchlists": "lists of stolen objects belong to no operation: upload them again",
    "watchlist_versions": "lists of stolen objects belong to no operation: upload them again",
    "watchlist_objects": "lists of stolen objects belong to no operation: upload them again",
    "seizure_checks": "which seizures were checked: a restored operation is checked again",
}
