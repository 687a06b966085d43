"""Typed, user-facing errors. Every message is Swedish and says what to do.

The UI shows `str(error)` as is; `field` names the input the error belongs to,
so a wizard page can put the message next to that field.
"""
from __future__ import annotations


class UserError(Exception):
    """A failure the receptionist can understand and act on. Nothing was written."""

    title = "Det gick inte"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class ValidationError(UserError):
    """Bad input: a field has a value the rules do not accept."""

    title = "Felaktig uppgift"


class NotAllowed(UserError):
    """The logged-in user lacks the right for this action."""

    title = "Behörighet saknas"


class Conflict(UserError):
    """Someone else changed the data first (card taken, pre-order used, ...)."""

    title = "Uppgifterna har ändrats"


class NotFound(UserError):
    title = "Hittades inte"


class DatabaseUnavailable(UserError):
    """The database cannot be reached or opened; an environmental fault, not a bug."""

    title = "Databasen kan inte nås"


class SchemaTooNew(UserError):
    title = "Databasen är för ny"


class ConnectionLost(DatabaseUnavailable):
    """The connection broke during a routine: nothing was saved (or, if the server committed, the retry
    with the same command_id returns the stored result)."""

    title = "Ingen kontakt med databasen"


class SchemaBehind(UserError):
    """PostgreSQL: the schema is older than this program and the desk's login may not change it."""

    title = "Databasen behöver uppgraderas"


class ClientTooOld(SchemaTooNew):
    title = "Installera den nya versionen"


class CorruptDatabase(UserError):
    title = "Databasfilen är skadad"


class NeedsServer(UserError):
    """The desk works from its replica and this routine is not one that can wait in the queue."""

    title = "Ingen kontakt med servern"


class QueuedOffline(Exception):
    """Not an error: the routine was checked against the desk's replica and saved in the outbox; the
    server runs it when the connection is back. Callers show `message` and treat the work as done."""

    def __init__(self, entry) -> None:
        super().__init__(entry.command_id)
        self.entry = entry
        self.message = (f"{entry.title} är sparad i kön och skickas till servern när kontakten är tillbaka. "
                        "Du ser den under Kund > Köade åtgärder. Blir det något att betala kommer ordern till kassan "
                        "när åtgärden har skickats.")
