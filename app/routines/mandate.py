"""Nytt / Ändra autogiromedgivande (SPEC §5 flow 8) and the mandate rules the registration flows share.

A mandate belongs to the payer. The account holder must be 18 or older; clearing
and account number follow the Swedish bank-account rules (a Swedbank account
that cannot be verified by checksum is a warning, not an error). A new mandate
replaces the current one (status ny/aktivt → makulerat) — except when the
current one is "Hos BGC": Bankgirot is processing it and it cannot be changed.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exc, select
from sqlalchemy.orm import Session

from app.domain.inputs import check_name
from app.context import Actor
from app.domain.bankaccount import BankAccount, parse_bank_account
from app.domain.personnummer import age_on, parse_personnummer
from app.errors import NotFound, ValidationError
from app.queries.catalog import CURRENT_MANDATE_STATUSES
from app.routines.base import Routine
from app.routines.registration_data import MandateData, SetMandate

HOLDER_MIN_AGE = 18
HOS_BGC_MESSAGE = ("Det nuvarande autogiromedgivandet ligger hos BGC (Bankgirot) för behandling och kan inte "
                   "ändras just nu. Försök igen när BGC har svarat.")


@dataclass(frozen=True)
class CheckedMandate:
    holder_name: str
    holder_personnummer: str     # 12 digits
    bank: BankAccount

    @property
    def warning(self) -> str | None:
        return self.bank.warning


def check_mandate(data: MandateData, today) -> CheckedMandate:
    """Validate the Autogiromedgivande page; raises ValidationError with the field at fault."""
    name = check_name(data.holder_name, "holder_name", "Ange kontoinnehavarens namn.")
    try:
        pnr = parse_personnummer(data.holder_personnummer, today)
    except ValidationError as err:
        raise ValidationError(f"Kontoinnehavarens personnummer: {err.message}", field="holder_personnummer") from None
    age = age_on(pnr.birth_date, today)
    if age < HOLDER_MIN_AGE:
        raise ValidationError(f"Kontoinnehavaren måste vara minst {HOLDER_MIN_AGE} år (är {age} år). "
                              "Ange en målsman som kontoinnehavare.", field="holder_personnummer")
    return CheckedMandate(name, pnr.digits12, parse_bank_account(data.clearing, data.account))


def current_mandate_row(session: Session, person_id: int):
    from db.models import AutogiroMandate

    return session.scalar(select(AutogiroMandate).where(AutogiroMandate.person_id == person_id,
                                                        AutogiroMandate.status.in_(CURRENT_MANDATE_STATUSES)))


def check_replaceable(session: Session, person_id: int | None) -> None:
    """Refuse a new mandate while the current one is with Bankgirot."""
    if person_id is None:
        return
    current = current_mandate_row(session, person_id)
    if current is not None and current.status == "hos_bgc":
        raise ValidationError(HOS_BGC_MESSAGE, field="mandate")


def store_mandate(session: Session, person_id: int, mandate: CheckedMandate, now):
    """Replace the current mandate (makulerat) by a new one with status 'ny'; returns the new row."""
    from db.models import AutogiroMandate

    current = current_mandate_row(session, person_id)
    if current is not None:
        if current.status == "hos_bgc":
            raise ValidationError(HOS_BGC_MESSAGE, field="mandate")
        current.status = "makulerat"
        current.updated_at = now
        session.flush()  # the partial unique index allows one current mandate per payer
    row = AutogiroMandate(person_id=person_id, holder_name=mandate.holder_name,
                          holder_personnummer=mandate.holder_personnummer, clearing=mandate.bank.clearing,
                          account_number=mandate.bank.account, bank_name=mandate.bank.bank_name, status="ny",
                          created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


MANDATE_RACE_MESSAGE = "Ett autogiromedgivande registrerades samtidigt vid en annan kassa. Sök fram kunden igen."


@dataclass(frozen=True)
class MandateResult:
    mandate_id: int
    replaced_mandate_id: int | None
    warnings: tuple[str, ...] = ()


class SetMandateRoutine(Routine[SetMandate, MandateResult]):
    """Flow 8: the Autogiromedgivande page on its own."""

    name = "Nytt autogiromedgivande"
    offline_queueable = True  # waits in the desk's outbox while the server is away

    def preview(self, command: SetMandate) -> CheckedMandate:
        with self.preview_session() as session:
            self._check(session, command)
            return check_mandate(command.mandate, self.core.clock.today())

    def _check(self, session: Session, command: SetMandate) -> CheckedMandate:
        from db.models import Person

        if session.get(Person, command.person_id) is None:
            raise NotFound("Kunden finns inte längre i registret. Sök fram kunden igen.")
        checked = check_mandate(command.mandate, self.core.clock.today())
        check_replaceable(session, command.person_id)
        return checked

    def validate(self, session: Session, command: SetMandate) -> None:
        self._check(session, command)

    def perform(self, session: Session, command: SetMandate, actor: Actor):
        checked = self._check(session, command)
        current = current_mandate_row(session, command.person_id)
        replaced = current.id if current is not None else None
        row = store_mandate(session, command.person_id, checked, self.core.clock.now())
        warnings = (checked.warning,) if checked.warning else ()
        return MandateResult(row.id, replaced, warnings), "autogiromedgivande", row.id

    def conflict_message(self, error: exc.IntegrityError) -> str:
        text = str(error.orig)
        if "uq_mandates_current" in text or "autogiro_mandates.person_id" in text:
            return MANDATE_RACE_MESSAGE
        return super().conflict_message(error)
