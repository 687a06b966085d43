"""Inpasseringsuppgifter (SPEC §5): the customer's photo and membership-card number.

The photo comes from the desk camera (live preview on a worker thread, "Ta
foto"/"Ta om") or from a file ("Välj bild från fil", the only way when no camera
opens — the widget says why). The card number is typed or swiped: while this
page is on screen it holds the card-reader hub's interceptor, so a swipe fills
the field instead of opening a person card. Uniqueness among active cards is
checked as the number is entered and again at Slutför (another desk may take
the card in between). An existing customer's current photo and card are shown.
"""
from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QLineEdit, QVBoxLayout

from app.errors import ValidationError
from app.queries.catalog import active_card, card_number_taken, current_photo
from app.routines.membership_card import (CARD_TAKEN_MESSAGE, DEFAULT_CARD_DIGITS, check_card_format,
                                          normalise_card_number)
from app.routines.registration_data import AccessData
from app.settings import load_settings
from widgets.input_rules import limit
from widgets.services import UiServices
from wizards.base import ReceptionPage, set_message

SAME_CARD_MESSAGE = "Det nya kortnumret är samma som kundens nuvarande kort."
CARD_REQUIRED_MESSAGE = "Ange det nya kortets nummer (dra kortet i kortläsaren eller skriv numret)."


def card_digits(services: UiServices) -> int:
    """The desk's card-number length (Arkiv > Inställningar för den här datorn); 10 without desk settings."""
    return services.desk.card_number_digits if services.desk is not None else DEFAULT_CARD_DIGITS


def camera_source(services: UiServices):
    """The camera for the preview: the desk's camera index; ``services.extra['camera_source']`` (a video file
    or index) overrides it — demos and tests use a video file through the same code path as a webcam."""
    if "camera_source" in services.extra:
        return services.extra["camera_source"]
    if services.desk is None:
        return None
    index = services.desk.camera_index
    return None if index is None or index < 0 else index


class InpasseringPage(ReceptionPage):
    """The Inpasseringsuppgifter page.

    ``person_id``: an existing customer (their photo and card are shown; their own card is not "taken").
    ``require_card``: flow 6 — a new card number is required and may not be the current one.
    """

    def __init__(self, services: UiServices, *, person_id: int | None = None, require_card: bool = False,
                 title: str = "Inpasseringsuppgifter") -> None:
        super().__init__(services, title, "Ta ett foto av kunden och registrera medlemskortet.")
        self._person_id = person_id
        self._require_card = require_card
        self._token: int | None = None
        self.current_card: str | None = None
        with services.core.sessions() as session:
            instructions = load_settings(session).card_instructions.strip()
            existing_photo = current_photo(session, person_id) if person_id is not None else None
            card = active_card(session, person_id) if person_id is not None else None
        self.current_card = card.card_number if card else None

        layout = QVBoxLayout(self)
        # Imported here, not at module level: OpenCV and NumPy cost half a second of start-up
        # and are only needed once a wizard with this page opens.
        from widgets.photo_capture import PhotoCaptureWidget

        self.photo = PhotoCaptureWidget(camera_source(services), self)
        if existing_photo is not None:
            self.photo.set_existing_photo(existing_photo.jpeg)
        layout.addWidget(self.photo, 1)

        form = QFormLayout()
        self.card_number = QLineEdit(self)
        self.card_number.setObjectName("card_number")
        limit(self.card_number, "card_number")
        self.card_number.setPlaceholderText("Dra kortet i kortläsaren eller skriv numret")
        label = QLabel("&Kortnummer", self)
        label.setBuddy(self.card_number)
        form.addRow(label, self.card_number)
        self.card_error = self.error_label("card_number")
        form.addRow("", self.card_error)
        self.current_card_label = QLabel(self)
        self.current_card_label.setObjectName("current_card")
        if self.current_card:
            keep = "" if require_card else " Lämna fältet tomt för att behålla det."
            self.current_card_label.setText(f"Nuvarande kort: {self.current_card}.{keep}")
        self.current_card_label.setVisible(bool(self.current_card))
        form.addRow("", self.current_card_label)
        layout.addLayout(form)
        self.photo_error = self.error_label("photo")
        layout.addWidget(self.photo_error)
        self.instructions = QLabel(instructions, self)
        self.instructions.setObjectName("card_instructions")
        self.instructions.setWordWrap(True)
        self.instructions.setFrameShape(QFrame.Shape.StyledPanel)
        self.instructions.setMargin(6)
        self.instructions.setVisible(bool(instructions))
        layout.addWidget(self.instructions)

        self.registerField("card_number", self.card_number)
        self._problem: str | None = None
        self.card_number.textChanged.connect(self._card_changed)
        self.photo.photo_changed.connect(self.touch)
        self.photo.photo_changed.connect(lambda: set_message(self.photo_error, None))
        self.watch(self.card_number)

    # -- public ---------------------------------------------------------------
    def access(self) -> AccessData:
        try:
            number = normalise_card_number(self.card_number.text())
        except ValidationError:
            number = self.card_number.text().strip() or None
        return AccessData(card_number=number, photo_jpeg=self.photo.jpeg())

    def swiped(self, number: str) -> None:
        """A card swiped while the page is shown: it fills the field."""
        self.card_number.setText(number.strip())
        self.touch()

    def is_intercepting(self) -> bool:
        return self._token is not None

    # -- behaviour --------------------------------------------------------------
    def card_problem(self) -> str | None:
        try:
            number = normalise_card_number(self.card_number.text())
            check_card_format(number, card_digits(self.services))
        except ValidationError as err:
            return err.message
        if number is None:
            return None  # the requirement is shown by a disabled Nästa and, on Slutför, the routine
        if number == self.current_card:
            return SAME_CARD_MESSAGE if self._require_card else None
        with self.services.core.sessions() as session:
            taken = card_number_taken(session, number, except_person_id=self._person_id)
        return CARD_TAKEN_MESSAGE if taken else None

    def show_error(self, err) -> None:
        if err.field == "card_number":  # from Slutför: Nästa stays off until the number changes
            self._problem = err.message
            self.completeChanged.emit()
        super().show_error(err)

    def _card_changed(self, _text: str) -> None:
        self._problem = self.card_problem()
        set_message(self.card_error, self._problem)
        self.completeChanged.emit()

    def enter_page(self, first: bool) -> None:
        if self.photo.jpeg() is None and self.photo.camera_available():
            self.photo.start()
        self._card_changed(self.card_number.text())

    def start_field(self):
        return self.card_number  # a swipe or the typed number; the photo buttons come before it on screen

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        cards = self.services.cards
        if cards is not None and self._token is None:
            self._token = cards.push_interceptor(self.swiped)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._release_reader()
        super().hideEvent(event)

    def _release_reader(self) -> None:
        if self._token is not None and self.services.cards is not None:
            self.services.cards.remove_interceptor(self._token)
        self._token = None

    def shutdown(self) -> None:
        self._release_reader()
        self.photo.close()

    # -- QWizardPage ------------------------------------------------------------
    def blocked_reason(self) -> str | None:
        if self._problem is not None:
            return self._problem
        if self._require_card and not self.card_number.text().strip():
            return CARD_REQUIRED_MESSAGE
        return None

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        self._problem = self.card_problem()
        if self._problem is None and self._require_card and not self.card_number.text().strip():
            self._problem = CARD_REQUIRED_MESSAGE
        set_message(self.card_error, self._problem)
        return self._problem is None
