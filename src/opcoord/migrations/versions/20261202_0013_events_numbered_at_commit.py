"""events numbered at commit: a write may leave its events to the database to number

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

On PostgreSQL a write may insert its events with a placeholder number (negative, from
``live_events_pending``): a deferred trigger numbers each one as the transaction commits,
taking the stream's row then, so the row is held for the commit alone and not across
the client's round trips. Events inserted with their number (every other writer, a
restore) are left alone. SQLite has one writer at a time, which numbers its events
itself.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE live_events_pending AS integer CYCLE")
    op.execute(
        """
        CREATE FUNCTION opcoord_number_event() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            numbered integer;
        BEGIN
            INSERT INTO live_streams (stream_id, last_seq) VALUES (NEW.stream_id, 1)
            ON CONFLICT (stream_id) DO UPDATE SET last_seq = live_streams.last_seq + 1
            RETURNING last_seq INTO numbered;
            UPDATE live_events SET seq = numbered WHERE id = NEW.id;
            RETURN NULL;
        END
        $$
        """
    )
    # Deferred triggers fire at commit in the order of the rows they were queued for:
    # a write's events keep the order it inserted them in.
    op.execute(
        """
        CREATE CONSTRAINT TRIGGER live_events_numbered_at_commit
        AFTER INSERT ON live_events DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.seq < 0) EXECUTE FUNCTION opcoord_number_event()
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER live_events_numbered_at_commit ON live_events")
    op.execute("DROP FUNCTION opcoord_number_event()")
    op.execute("DROP SEQUENCE live_events_pending")
