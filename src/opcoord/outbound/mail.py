"""Which events go by e-mail, to whom, and in which words: one table.

``MAILS`` maps an event type to a ``Mail``: who receives it (accounts with an e-mail
address, asked of the database and, for reminders, of the day ledger at the moment the
event is turned into deliveries) and how its subject and text read. Each recipient
reads the mail in the account's language when it has one, else English; the fixed words
come from the gettext catalogues like the pages'.

Adding an event type is one entry: a recipients function (``coordinators`` and
``contact_points`` cover most) and two templates.
"""

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from opcoord.accounts.identity import Role
from opcoord.accounts.models import User
from opcoord.i18n import DEFAULT, Lang
from opcoord.operations import figures, ledger
from opcoord.operations.models import Operation

Payload = dict[str, Any]
Recipients = Callable[[AsyncSession, Operation, Payload, datetime], Awaitable[list[User]]]
Words = Callable[[Lang, Operation, Payload], str]


@dataclass(frozen=True, slots=True)
class Mail:
    recipients: Recipients
    subject: Words
    text: Words


def _with_address() -> Any:
    return sa.select(User).where(col(User.email).is_not(None), col(User.disabled).is_(False))


async def coordinators(session: AsyncSession) -> list[User]:
    """Enabled coordinators with an e-mail address."""
    stmt = _with_address().where(col(User.role) == str(Role.coordinator)).order_by(col(User.id))
    return list((await session.scalars(stmt)).all())


async def contact_points(session: AsyncSession, countries: Iterable[str]) -> list[User]:
    """Enabled national contact points of ``countries`` with an e-mail address."""
    wanted = sorted(set(countries))
    if not wanted:
        return []
    stmt = (
        _with_address()
        .where(col(User.role) == str(Role.ncp), col(User.country).in_(wanted))
        .order_by(col(User.id))
    )
    return list((await session.scalars(stmt)).all())


def lang_of(user: User) -> Lang:
    """The account's language if accounts have one, else English."""
    return Lang(str(getattr(user, "language", None) or DEFAULT))


def _when(lang: Lang, op: Operation, at: str) -> str:
    instant = datetime.fromisoformat(at)
    return f"{lang.datetime(instant, op.timezone)} ({op.timezone})"


# --- reminder: the contact points whose day is still due ------------------------------


async def _still_due(
    session: AsyncSession, op: Operation, payload: Payload, now: datetime
) -> list[User]:
    day = date.fromisoformat(payload["day"])
    grid = await figures.day_grid(session, op, now, only_days=[day])
    due = {c for c, row in grid.cells.items() if row.get(day) in ledger.PENDING}
    return await contact_points(session, due & set(payload.get("countries", [])))


def _reminder_subject(lang: Lang, op: Operation, p: Payload) -> str:
    _ = lang.gettext
    return _("%(operation)s: your return for %(day)s is due", operation=op.code,
             day=lang.date(p["day"]))  # fmt: skip


def _reminder_text(lang: Lang, op: Operation, p: Payload) -> str:
    _ = lang.gettext
    return _(
        "Your daily return to %(name)s for %(day)s has not been received yet. "
        "It is due by %(due)s.",
        name=op.name,
        day=lang.date(p["day"]),
        due=_when(lang, op, p["due_at"]),
    )


# --- report_ready: the coordinators --------------------------------------------------


async def _coordinators_of_full(
    session: AsyncSession, _op: Operation, payload: Payload, _now: datetime
) -> list[User]:
    # The partners' edition follows the full one: one mail per edition is enough.
    return await coordinators(session) if payload.get("audience") == "full" else []


def _report_subject(lang: Lang, op: Operation, p: Payload) -> str:
    _ = lang.gettext
    return _("%(operation)s: report edition %(edition)s is ready", operation=op.code,
             edition=p["edition"])  # fmt: skip


def _report_text(lang: Lang, op: Operation, p: Payload) -> str:
    _ = lang.gettext
    return _(
        "Edition %(edition)s of the consolidated report of %(name)s is ready: %(url)s",
        edition=p["edition"],
        name=op.name,
        url=p.get("url", ""),
    )


# --- alert and return_queried: the contact points they name ---------------------------
# (The alert event names its countries resolved, never [] for all.
# The query comes from the review of returns.)


async def _named_countries(
    session: AsyncSession, _op: Operation, payload: Payload, _now: datetime
) -> list[User]:
    return await contact_points(session, payload.get("countries", []))


async def _queried_country(
    session: AsyncSession, _op: Operation, payload: Payload, _now: datetime
) -> list[User]:
    return await contact_points(session, [payload["country"]])


def _alert_subject(lang: Lang, op: Operation, p: Payload) -> str:
    _ = lang.gettext
    return _("%(operation)s: alert: %(title)s", operation=op.code, title=p.get("title", ""))


def _alert_text(lang: Lang, op: Operation, p: Payload) -> str:
    del lang, op
    return str(p.get("body", ""))


def _query_subject(lang: Lang, op: Operation, p: Payload) -> str:
    _ = lang.gettext
    return _("%(operation)s: your return for %(day)s was queried", operation=op.code,
             day=lang.date(p["day"]))  # fmt: skip


def _query_text(lang: Lang, op: Operation, p: Payload) -> str:
    _ = lang.gettext
    return _(
        "%(by)s has a question about your return for %(day)s (version %(version)s): %(comment)s",
        by=p.get("by", ""),
        day=lang.date(p["day"]),
        version=p.get("version", ""),
        comment=p.get("comment", ""),
    )


#: Event type -> who receives it and what it says. Types not listed send no e-mail.
MAILS: dict[str, Mail] = {
    "reminder": Mail(_still_due, _reminder_subject, _reminder_text),
    "report_ready": Mail(_coordinators_of_full, _report_subject, _report_text),
    "alert": Mail(_named_countries, _alert_subject, _alert_text),
    "return_queried": Mail(_queried_country, _query_subject, _query_text),
}


async def render(
    session: AsyncSession, op: Operation, event_type: str, payload: Payload, now: datetime
) -> list[tuple[User, Payload]]:
    """The e-mails an event sends: (recipient, {"to", "subject", "text"}) per account."""
    mail = MAILS.get(event_type)
    if mail is None:
        return []
    out = []
    for user in await mail.recipients(session, op, payload, now):
        assert user.email is not None
        lang = lang_of(user)
        out.append(
            (
                user,
                {
                    "to": user.email,
                    "subject": mail.subject(lang, op, payload),
                    "text": mail.text(lang, op, payload),
                },
            )
        )
    return out


# --- sending -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> "SmtpServer":
        parts = urlsplit(url)
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if tls else 25),
            tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def message(body: Payload, sender: str, key: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = body["to"]
    msg["Subject"] = body["subject"]
    # The same on every retry, so a mailbox can tell a retry from a new mail.
    msg["Message-ID"] = f"<{key}@opcoord>"
    msg["X-Opcoord-Delivery"] = key
    msg.set_content(body["text"])
    return msg


async def send(server: SmtpServer, msg: EmailMessage, timeout: float) -> None:
    await aiosmtplib.send(
        msg,
        hostname=server.host,
        port=server.port,
        username=server.username,
        password=server.password,
        use_tls=server.tls,
        # None: STARTTLS when the server offers it, plain otherwise.
        start_tls=False if server.tls else None,
        timeout=timeout,
    )
