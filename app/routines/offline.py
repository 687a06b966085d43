"""Routines about the desk's own queue: discarding a command that the server refused."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.context import Actor
from app.errors import ValidationError
from app.routines.base import Routine


@dataclass(frozen=True)
class DiscardQueued:
    """A queued command the user gives up, with the reason; the audit row keeps what was entered."""

    discarded_command_id: str
    title: str
    summary: str
    reason: str
    entered: str  # the command as it was queued (JSON), so the audit log keeps the data
    queued_by: str
    command_id: str = field(default_factory=lambda: str(uuid.uuid4()))


class DiscardQueuedRoutine(Routine[DiscardQueued, str]):
    """Audits the discard on the server (queued itself while the desk is offline)."""

    name = "Kassera köad åtgärd"
    offline_queueable = True
    input_rules_checked_by_routine = ("entered",)  # the command's JSON: long, checked here

    MAX_ENTERED = 200_000

    def validate(self, session: Session, command: DiscardQueued) -> None:
        if not command.reason.strip():
            raise ValidationError("Skriv varför åtgärden kasseras.", field="reason")
        if len(command.entered) > self.MAX_ENTERED:
            raise ValidationError("Uppgifterna är för stora för loggen.", field="entered")

    def perform(self, session: Session, command: DiscardQueued, actor: Actor):
        return command.discarded_command_id, "queued_command", None

    def offline_summary(self, session: Session, command: DiscardQueued) -> str:
        return f"{self.name} – {command.summary}"
