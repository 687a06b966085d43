"""Inställningar > E-post och SMS…: Skicka om and Ta bort for a message in the outbox (issue 12 point 7).

Both need the right Systeminställningar and are audited. *Skicka om* puts a waiting or failed
message back in the queue to be sent at the next outbox run, with its attempts counted from zero
again (the reason of the last failure stays until the next attempt replaces it). *Ta bort* removes a
message that has not been sent; a sent message is the club's record of what went out and stays.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.context import Actor
from app.errors import NotFound, ValidationError
from app.rights import SYSTEM_SETTINGS
from app.routines.base import Routine

MESSAGE_GONE = "Meddelandet finns inte längre i utkorgen – listan visas på nytt."
ALREADY_SENT = "Meddelandet är redan skickat och finns kvar som historik."


@dataclass(frozen=True)
class OutboxCommand:
    action: str  # skicka_om / ta_bort
    message_id: int


class ChangeOutboxMessage(Routine[OutboxCommand, int]):
    name = "Ändra meddelande i utkorgen"
    required_rights = (SYSTEM_SETTINGS,)
    ACTIONS = ("skicka_om", "ta_bort")

    def _row(self, session: Session, command: OutboxCommand):
        from db.models import OutboxMessage

        row = session.get(OutboxMessage, command.message_id)
        if row is None:
            raise NotFound(MESSAGE_GONE, field="messages")
        return row

    def validate(self, session: Session, command: OutboxCommand) -> None:
        if command.action not in self.ACTIONS:
            raise ValidationError("Okänd åtgärd.", field="messages")
        if self._row(session, command).status == "skickad":
            raise ValidationError(ALREADY_SENT, field="messages")

    def perform(self, session: Session, command: OutboxCommand, actor: Actor):
        row = self._row(session, command)
        if command.action == "skicka_om":
            row.status, row.attempts, row.next_attempt_at = "vantar", 0, self.core.clock.now()
        else:
            session.delete(row)
        return row.id, "outbox", row.id
