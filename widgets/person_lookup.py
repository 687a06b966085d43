"""The "Personuppslagning" tab (SPEC §2.2): a searched personnummer that is not a customer,
looked up in the configured register — off the UI thread — with "Registrera som ny kund"."""
from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.domain.personnummer import parse_personnummer
from app.errors import UserError
from app.lookup import LookupProvider, LookupResult, provider_from_settings
from app.settings import load_settings
from widgets.services import UiServices

log = logging.getLogger("reception.ui")


class _Relay(QObject):
    done = Signal(object, object)  # (LookupResult | None, error message | None)


class _LookupJob(QRunnable):
    def __init__(self, provider: LookupProvider, digits12: str, relay: _Relay) -> None:
        super().__init__()
        self.provider, self.digits12, self.relay = provider, digits12, relay

    def run(self) -> None:
        try:
            result = self.provider.lookup(self.digits12)
        except UserError as err:
            self.relay.done.emit(None, err.message)
            return
        except Exception as err:  # a provider fault must not kill the worker silently
            log.exception("Person lookup crashed")
            self.relay.done.emit(None, f"Personuppslagningen misslyckades ({type(err).__name__}).")
            return
        self.relay.done.emit(result, None)


class PersonLookupTab(QWidget):
    """Shows one lookup result. `lookup(text)` starts it; `finished` fires when the answer is shown."""

    finished = Signal()

    def __init__(self, services: UiServices, *, provider_factory: Callable[[], LookupProvider | None] | None = None,
                 pool: QThreadPool | None = None) -> None:
        super().__init__()
        self.services = services
        self.pool = pool or QThreadPool.globalInstance()
        self._provider_factory = provider_factory or self._configured_provider
        self._relay = _Relay()
        self._relay.done.connect(self._show)
        self._result: LookupResult | None = None
        layout = QVBoxLayout(self)
        self.status = QLabel("Sök på ett personnummer som inte finns i kundregistret för att slå upp personen.")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        form = QFormLayout()
        self.fields = {key: QLabel() for key in ("personnummer", "name", "address", "protected")}
        for key, label in (("personnummer", "Personnummer:"), ("name", "Namn:"), ("address", "Adress:"),
                           ("protected", "")):
            self.fields[key].setTextInteractionFlags(self.fields[key].textInteractionFlags())
            form.addRow(label, self.fields[key])
        layout.addLayout(form)
        # Every kind of new customer, prefilled alike (the organisation flow asks for the organisation first).
        self.register_button = QPushButton("Registrera som ny pri&vatkund")
        self.register_button.clicked.connect(self.register)
        self.register_button.hide()
        self.register_org_button = QPushButton("Registrera som n&y organisationskund")
        self.register_org_button.setObjectName("register_org_button")
        self.register_org_button.clicked.connect(self.register_organisation)
        self.register_org_button.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.register_button)
        buttons.addWidget(self.register_org_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def _configured_provider(self) -> LookupProvider | None:
        with self.services.core.sessions() as session:
            return provider_from_settings(load_settings(session), self.services.core.sessions)

    def lookup(self, text: str) -> bool:
        """Start a lookup; False when lookup is off or the text is no personnummer."""
        try:
            pnr = parse_personnummer(text, self.services.core.clock.today())
        except UserError:
            return False
        provider = self._provider_factory()
        if provider is None:
            return False
        self._clear()
        self.status.setText(f"Slår upp {pnr.formatted()} i {provider.name}…")
        self._pending = pnr.formatted()
        self.pool.start(_LookupJob(provider, pnr.digits12, self._relay))
        return True

    def _clear(self) -> None:
        self._result = None
        for label in self.fields.values():
            label.clear()
        self.register_button.hide()
        self.register_org_button.hide()

    def _show(self, result: LookupResult | None, error: str | None) -> None:
        if error:
            self.status.setText(error)
        elif result is None:
            self.status.setText(f"{self._pending} finns inte i personuppslagningen. Registrera kunden för hand.")
        else:
            self._result = result
            self.status.setText("Personen är inte kund. Uppgifterna från personuppslagningen:")
            self.fields["personnummer"].setText(self._pending)
            self.fields["name"].setText(f"{result.first_name} {result.last_name}")
            if result.protected_identity:
                self.fields["protected"].setText("Skyddad identitet – adressen visas inte och fylls inte i.")
            else:
                address = ", ".join(p for p in (result.street, result.co,
                                                 f"{result.postal_code} {result.town}".strip()) if p)
                self.fields["address"].setText(address)
            if callable(self.services.extra.get("start_registration")):
                self.register_button.show()
                self.register_button.setFocus()
            if callable(self.services.extra.get("start_org_registration")):
                self.register_org_button.show()
        self.finished.emit()

    def _prefill(self) -> dict:
        r = self._result
        return {"personnummer": r.personnummer, "first_name": r.first_name, "last_name": r.last_name,
                "street": r.street, "co": r.co, "postal_code": r.postal_code, "town": r.town,
                "protected_identity": r.protected_identity}

    def register(self) -> None:
        """Start "Registrera ny privatkund" prefilled (the wizard registers itself in services.extra)."""
        if self._result is not None:
            self.services.extra["start_registration"](self._prefill())

    def register_organisation(self) -> None:
        """Start "Registrera ny organisationskund" prefilled."""
        if self._result is not None:
            self.services.extra["start_org_registration"](self._prefill())
