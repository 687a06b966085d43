"""The outbox as staff see it (Inställningar > E-post och SMS…, and the status bar).

Reading is open to every logged-in user (issue 12 point 7: "visible to all"); what a user may
do with a message (Skicka om, Ta bort) is checked by app.routines.outbox_admin.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

CHANNEL_TEXT = {"epost": "E-post", "sms": "SMS"}
STATUS_TEXT = {"vantar": "Väntar", "skickad": "Skickad", "misslyckad": "Misslyckad"}
FILTERS = ("vantar", "misslyckad", "skickad")


@dataclass(frozen=True)
class OutboxRow:
    id: int
    channel: str
    recipient: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class OutboxSummary:
    waiting: dict[str, int]  # channel → messages waiting (due or later)
    failed: int  # given up
    last_error: str | None  # the newest reason among the e-mails still waiting to be tried again


def outbox_rows(session: Session, status: str | None = None, *, limit: int = 500) -> list[OutboxRow]:
    """Newest first; `status` one of FILTERS, or None for every message."""
    from db.models import OutboxMessage as M

    query = select(M.id, M.channel, M.recipient, M.subject, M.status, M.attempts, M.last_error, M.created_at,
                   M.next_attempt_at, M.sent_at).order_by(M.created_at.desc(), M.id.desc()).limit(limit)
    if status is not None:
        query = query.where(M.status == status)
    return [OutboxRow(*row) for row in session.execute(query).all()]


def outbox_counts(session: Session) -> dict[str, int]:
    from db.models import OutboxMessage as M

    return dict(session.execute(select(M.status, func.count()).group_by(M.status)).all())


def outbox_summary(session: Session) -> OutboxSummary:
    from db.models import OutboxMessage as M

    waiting = dict(session.execute(select(M.channel, func.count()).where(M.status == "vantar")
                                   .group_by(M.channel)).all())
    failed = session.scalar(select(func.count()).select_from(M).where(M.status == "misslyckad")) or 0
    last_error = session.scalar(select(M.last_error).where(M.channel == "epost", M.status == "vantar",
                                                           M.last_error.is_not(None))
                                .order_by(M.next_attempt_at.desc(), M.id.desc()).limit(1))
    return OutboxSummary(waiting, int(failed), last_error)


def status_text(summary: OutboxSummary, *, email_configured: bool) -> str:
    """The e-mail line for the status bar, empty when nothing needs anyone's attention. SMS have a line
    of their own (app.jobs.sms.sms_notice: no provider, no password on this PC, the provider's answer)."""
    parts = []
    mail = summary.waiting.get("epost", 0)
    if mail and not email_configured:
        parts.append(f"{mail} e-post väntar – ingen e-postserver är inställd (Inställningar > Inställningar…)")
    if mail and email_configured and summary.last_error:
        reason = summary.last_error if len(summary.last_error) <= 120 else summary.last_error[:117] + "…"
        parts.append(f"Utskicket misslyckas: {reason}")
    if summary.failed:
        parts.append(f"{summary.failed} meddelande{'n' if summary.failed != 1 else ''} kunde inte skickas "
                     "(Inställningar > E-post och SMS…)")
    return " · ".join(parts)
