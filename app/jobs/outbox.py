"""The outbox worker: sends queued e-mail (SMTP) and SMS (an HTTP provider, app.jobs.sms), retrying failures.

Routines only ever INSERT into the `outbox` table inside their own transaction,
so a message is queued exactly when the routine commits and nothing is lost
when the network is down. This worker picks due messages, sends them, and
marks them sent — or schedules a retry with back-off (1, 2, 4 … minutes, at most
an hour); after MAX_ATTEMPTS it gives up ('misslyckad') and keeps the error.

The worker claims each message with a conditional UPDATE (attempts = n → n+1)
before sending, so two desks running the worker never send the same message.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import select, update

from app.context import Core
from app.masking import mask
from app.settings import load_settings

log = logging.getLogger("reception.outbox")
MAX_ATTEMPTS = 8


class Transport(Protocol):
    def send(self, recipient: str, subject: str, body: str, attachment: tuple[str, bytes] | None) -> None:
        """Deliver or raise an exception describing why not."""


@dataclass
class SmtpTransport:
    host: str
    port: int
    sender: str
    user: str = ""
    password: str | None = None
    starttls: bool = True
    timeout: float = 20.0
    tls: bool = False  # implicit TLS from the first byte (SMTPS, usually port 465) instead of STARTTLS

    def send(self, recipient: str, subject: str, body: str, attachment: tuple[str, bytes] | None) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, recipient, subject
        message.set_content(body)
        if attachment is not None:
            name, data = attachment
            maintype, subtype = ("application", "pdf") if name.lower().endswith(".pdf") else ("application",
                                                                                                "octet-stream")
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        if self.tls:
            connection = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                          context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with connection as smtp:
            if self.starttls and not self.tls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


def smtp_from_settings(core: Core) -> SmtpTransport | None:
    """The SMTP transport configured in the business settings, or None when this desk cannot send.

    The password comes from this PC's keyring (app.secrets.smtp_password). A desk where a user name
    is set but no password is stored does not send e-mail at all: the messages wait in the outbox for
    a desk that has it (docs/decisions/smtp-password.md), instead of failing their attempts here."""
    from app.secrets import smtp_password

    with core.sessions() as session:
        settings = load_settings(session)
    return smtp_transport(settings, smtp_password(settings.smtp_user, settings.smtp_host)
                          if settings.smtp_user and settings.smtp_host else None)


def smtp_transport(settings, password: str | None) -> SmtpTransport | None:
    """The transport for these settings and password; None when no server/sender is set, or a user
    name is set without a password."""
    if not settings.smtp_host or not settings.smtp_sender:
        return None
    if settings.smtp_user and password is None:
        return None
    return SmtpTransport(settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.smtp_user,
                         password, starttls=settings.smtp_security == "starttls",
                         tls=settings.smtp_security == "tls")


@dataclass
class OutboxReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    waiting: int = 0  # due, but no transport for that channel is configured


def send_due(core: Core, *, email: Transport | None, sms: Transport | None, limit: int = 100) -> OutboxReport:
    from db.models import OutboxMessage

    now = core.clock.now()
    report = OutboxReport()
    with core.sessions() as session:
        due = session.execute(
            select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.attempts)
            .where(OutboxMessage.status == "vantar", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)).all()
    for message_id, channel, attempts in due:
        transport = email if channel == "epost" else sms
        if transport is None:
            report.waiting += 1
            continue
        with core.write_session() as session, session.begin():
            claimed = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == "vantar",
                       OutboxMessage.attempts == attempts)
                .values(attempts=attempts + 1).returning(OutboxMessage.id)).first()
            if claimed is None:
                continue  # another desk took it
            message = session.get(OutboxMessage, message_id)
            recipient, subject, body = message.recipient, message.subject, message.body
            attachment = (message.attachment_name, message.attachment) if message.attachment else None
        try:
            transport.send(recipient, subject, body, attachment)
        except Exception as err:  # any delivery fault: retry later, keep the reason
            reason = mask(f"{type(err).__name__}: {err}")
            give_up = attempts + 1 >= MAX_ATTEMPTS
            delay = timedelta(minutes=min(60, 2 ** attempts))
            with core.write_session() as session, session.begin():
                session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
                    status="misslyckad" if give_up else "vantar", last_error=reason, next_attempt_at=now + delay))
            log.warning("Outbox message %s not sent (attempt %s): %s", message_id, attempts + 1, reason)
            if give_up:
                report.failed += 1
            else:
                report.retried += 1
            continue
        with core.write_session() as session, session.begin():
            session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
                status="skickad", sent_at=core.clock.now(), last_error=None))
        report.sent += 1
    return report


def send_queued(core: Core) -> tuple[OutboxReport, str | None]:
    """One run of the desk's outbox timer: send what this desk can (e-mail with the SMTP settings, SMS
    with the SMS provider's, each with this PC's keyring password), then say what the status bar
    shows about SMS (app.jobs.sms.sms_notice: none set, no password here, or the last refusal)."""
    from app.jobs.sms import sms_from_settings, sms_notice

    email, sms = smtp_from_settings(core), sms_from_settings(core)
    report = send_due(core, email=email, sms=sms) if email is not None or sms is not None else OutboxReport()
    return report, sms_notice(core, sms)
