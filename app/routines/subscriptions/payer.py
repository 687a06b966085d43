"""Ta bort annan betalare and Sluta betala för annans abonnemang (SPEC §6).

Both make the user (nyttjare) the payer of the main subscription and its add-ons:
the first from the user's person card, the second from the payer's table of
subscriptions they pay for others. If the subscription is autogiro and the user
has no current autogiro mandate (status ny, hos_bgc or aktivt), an e-mail asking
the user to create one is queued in the outbox.
"""
from __future__ import annotations

from typing import Any

import uuid
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.context import Actor
from app.errors import ValidationError
from app.queries.catalog import current_mandate
from app.routines.subscriptions.common import SubscriptionRoutine, person_name
from app.routines.subscriptions.facts import load

NO_OTHER_PAYER = "Abonnemanget har ingen annan betalare; nyttjaren betalar redan själv."


@dataclass(frozen=True)
class RemoveOtherPayer:
    """From the user's side: "Ta bort annan betalare"."""

    subscription_id: int
    agent_name: str = ""
    command_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class StopPayingForOther:
    """From the payer's side: "Sluta betala för abonnemang". ``payer_id`` is the person whose card it is."""

    subscription_id: int
    payer_id: int
    agent_name: str = ""
    command_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class PayerPreview:
    subscription_ids: tuple[int, ...]     # main and add-ons whose payer changes
    product_name: str
    old_payer_id: int
    old_payer_name: str
    user_id: int
    user_name: str
    autogiro: bool
    user_has_mandate: bool
    mandate_email: str | None             # where the "create a mandate" e-mail goes (None: none is sent)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PayerResult:
    subscription_ids: tuple[int, ...]
    payer_id: int
    outbox_message_id: int | None
    warnings: tuple[str, ...] = ()


def mandate_request_text(user_name: str, product_name: str) -> str:
    return (f"Hej {user_name}!\n\n"
            f"Från och med nu betalar du själv ditt abonnemang {product_name}. Det dras via autogiro, men vi har "
            "inget giltigt autogiromedgivande från dig.\n\n"
            "Skapa ett autogiromedgivande i din internetbank eller kom in till receptionen, så hjälper vi dig. "
            "Ta med ditt kontonummer.\n\n"
            "Vänliga hälsningar\nReceptionen")


class _PayerRoutine(SubscriptionRoutine[Any, PayerResult]):
    def preview(self, command) -> PayerPreview:
        with self.preview_session() as session:
            return self._plan(session, command, lock=False)[1]

    def _check_side(self, sub, command) -> None:
        """The routine's own rule about who asks (overridden by Sluta betala)."""

    def _plan(self, session: Session, cmd, *, lock: bool):
        from db.models import Person

        loaded = load(session, cmd.subscription_id, lock=lock)
        main = loaded.main
        if main.status == "avslutat":
            raise ValidationError("Abonnemanget är avslutat; betalaren kan inte ändras.", field="subscription_id")
        self._check_side(main, cmd)
        changed = [s for s in loaded.rows if s.payer_id != s.user_id]
        if main.payer_id == main.user_id or not changed:
            raise ValidationError(NO_OTHER_PAYER, field="subscription_id")
        user = session.get(Person, main.user_id)
        payer = session.get(Person, main.payer_id)
        autogiro = any(s.product.payment == "AG" for s in changed)
        has_mandate = current_mandate(session, user.id) is not None
        warnings = []
        email = None
        if autogiro and not has_mandate:
            email = (user.email or "").strip() or None
            if email is None:
                warnings.append(f"{person_name(user)} saknar både autogiromedgivande och e-postadress. "
                                "Be kunden lämna ett autogiromedgivande.")
        preview = PayerPreview(tuple(s.id for s in changed), main.product.name, payer.id, person_name(payer),
                               user.id, person_name(user), autogiro, has_mandate, email, tuple(warnings))
        return (loaded, changed, user), preview

    def _write(self, session: Session, plan, cmd, actor: Actor):
        from db.models import OutboxMessage

        (loaded, changed, user), preview = plan
        for sub in changed:
            sub.payer_id = sub.user_id
        message_id = None
        if preview.mandate_email:
            now = self.core.clock.now()
            message = OutboxMessage(channel="epost", recipient=preview.mandate_email,
                                    subject="Du behöver ett autogiromedgivande",
                                    body=mandate_request_text(preview.user_name, preview.product_name),
                                    person_id=user.id, status="vantar", attempts=0, created_at=now,
                                    next_attempt_at=now)
            session.add(message)
            session.flush()
            message_id = message.id
        return (PayerResult(preview.subscription_ids, user.id, message_id, preview.warnings), "abonnemang",
                loaded.main.id)


class RemoveOtherPayerRoutine(_PayerRoutine):
    name = "Ta bort annan betalare"


class StopPayingForOtherRoutine(_PayerRoutine):
    name = "Sluta betala för abonnemang"

    def _check_side(self, sub, command: StopPayingForOther) -> None:
        if sub.payer_id == sub.user_id:
            raise ValidationError(NO_OTHER_PAYER, field="subscription_id")
        if sub.payer_id != command.payer_id:
            raise ValidationError("Kunden betalar inte för det här abonnemanget (betalaren har ändrats). "
                                  "Sök fram kunden igen.", field="subscription_id")
