"""Routines about the desk's own queue: discarding a command that the server refused."""
from __future__ import annotations

import base64
import json
import unicodedata
import uuid
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.context import Actor, Core
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
        if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in command.entered):
            raise ValidationError("Uppgifterna innehåller osynliga tecken.", field="entered")

    def perform(self, session: Session, command: DiscardQueued, actor: Actor):
        return command.discarded_command_id, "queued_command", None

    def offline_summary(self, session: Session, command: DiscardQueued) -> str:
        return f"{self.name} – {command.summary}"


# -- the user's decisions on a queued entry (Qt-free; the Köade åtgärder view calls these) ----------------

LABELS = {
    "first_name": "Förnamn", "last_name": "Efternamn", "personnummer": "Personnummer", "email": "E-post",
    "mobile": "Mobil", "phone_home": "Telefon hem", "phone_work": "Telefon arbete", "street": "Gatuadress",
    "street2": "Adress rad 2", "co": "c/o", "postal_code": "Postnummer", "city": "Ort", "country": "Land",
    "card_number": "Kortnummer", "holder_name": "Kontoinnehavare", "holder_personnummer": "Innehavarens personnummer",
    "clearing": "Clearingnummer", "account": "Kontonummer", "start": "Från", "end": "Till", "start_date": "Från",
    "end_date": "Till", "reason": "Orsak", "note": "Anteckning", "agent_name": "Ombud", "birth_date": "Födelsedatum",
    "valid_from": "Giltig från", "valid_to": "Giltig till", "name": "Namn", "new_end": "Ny sista dag",
    "subscription_id": "Abonnemang (nr)", "reason_id": "Frysningsorsak (nr)", "person_id": "Kund (id)",
    "product_id": "Produkt (nr)", "organisation_id": "Organisation (nr)", "preorder_id": "Förbeställning (nr)",
    "confirmation_pdf": "Bekräftelse (pdf)", "photo_jpeg": "Foto", "command_id": "Åtgärdens id",
    "customer_type": "Kundtyp", "id_document": "Id-handling", "addon_ids": "Tillägg (nr)", "amount_ore": "Belopp (öre)",
}
_FIXED = {"command_id", "flow"}
_BINARY = ("_pdf", "_jpeg", "_png", "_bytes")  # bytes fields: shown by size or empty, never typed


@dataclass(frozen=True)
class EditableField:
    path: tuple[str | int, ...]
    label: str
    value: str
    kind: str  # "text", "int", "optional" (None or text), "fixed" (shown, not editable)


def editable_fields(command_text: str) -> list[EditableField]:
    """The entered data of a queued command as labelled leaf fields, in the command's own order."""
    out: list[EditableField] = []

    def walk(value, path):
        if isinstance(value, dict):
            if set(value) == {"__bytes__"}:
                out.append(EditableField(path, _label(path), f"<{len(base64.b64decode(value['__bytes__']))} byte>", "fixed"))
                return
            for key, inner in value.items():
                walk(inner, (*path, key))
            return
        if isinstance(value, list):
            out.append(EditableField(path, _label(path), ", ".join(map(str, value)), "fixed"))
            return
        key = path[-1] if path else ""
        if (key in _FIXED or isinstance(value, bool) or (key.endswith("_id") and value is not None)
                or str(key).endswith(_BINARY)):
            kind = "fixed"
        elif isinstance(value, int):
            kind = "int"
        elif value is None:
            kind = "optional"
        else:
            kind = "text"
        out.append(EditableField(path, _label(path), "" if value is None else str(value), kind))

    walk(json.loads(command_text), ())
    return out


def _label(path: tuple) -> str:
    key = str(path[-1]) if path else ""
    parent = " / ".join(str(p) for p in path[:-1])
    name = LABELS.get(key, key.replace("_", " "))
    return f"{name} ({parent})" if parent else name


def apply_edits(command_text: str, edits: dict[tuple, str]) -> str:
    """The command's JSON with the edited leaves; an integer field that is not a number is refused."""
    data = json.loads(command_text)
    fields = {f.path: f for f in editable_fields(command_text)}
    for path, text in edits.items():
        field_ = fields[path]
        if field_.kind == "fixed":
            continue
        text = text.strip()
        if field_.kind == "int":
            try:
                value: object = int(text)
            except ValueError:
                raise ValidationError(f"{field_.label}: skriv ett heltal.", field="/".join(map(str, path))) from None
        elif field_.kind == "optional":
            value = text or None
        else:
            value = text
        target = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
    return json.dumps(data, ensure_ascii=False)


def resend_corrected(core: Core, actor: Actor, command_id: str, edits: dict[tuple, str]) -> None:
    """Check the corrected command against the input rules and queue it again (same command_id: the
    server never ran it, so it still runs at most once)."""
    from app.sync.replay import named
    from app.routines.results import load_result

    outbox = core.outbox
    entry = outbox.get(command_id)
    text = apply_edits(entry.command, edits)
    try:
        command = load_result(named(entry.command_type), text)
    except (TypeError, ValueError, KeyError) as err:
        raise ValidationError(f"Uppgifterna går inte att läsa: {err}") from None
    routine = named(entry.routine)(core)
    routine._admit(command, actor)
    outbox.resend(command_id, text)


def discard_queued(core: Core, actor: Actor, command_id: str, reason: str) -> None:
    """Give up a queued or conflicting entry, with the reason; the server's audit log gets it (queued)."""
    from app.sync.outbox import without_bytes

    if not reason.strip():
        raise ValidationError("Skriv varför åtgärden kasseras.", field="reason")
    outbox = core.outbox
    entry = outbox.get(command_id)
    if entry.state == "queued" and not core.working_offline:
        raise ValidationError("Åtgärden skickas till servern just nu och kan inte kasseras. Vänta tills den är "
                              "skickad eller i konflikt.")
    if entry.state not in ("queued", "conflict"):
        raise ValidationError("Den här åtgärden är redan skickad och kan inte kasseras.")
    command = DiscardQueued(entry.command_id, entry.title, entry.summary, reason.strip(),
                            without_bytes(entry.command), entry.actor_data.get("username", ""))
    outbox.discard(command_id, by=actor.username, reason=reason, at=core.clock.now())
    DiscardQueuedRoutine(core).enqueue(command, actor)
