"""Dokument: the person's documents, their flags, Öppna and Lägg till dokument."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QFileDialog, QHBoxLayout, QPushButton, QTableWidget, QVBoxLayout, QWidget

from app.errors import UserError
from app.queries.person_card import PersonCardData, load_document_content
from app.routines import person_edit as pe
from widgets.person_tabs.common import CardHost, EditForm, fill_table, minute_text, read_only_table
from widgets.person_tabs.files import open_with_desktop, safe_file_name, write_file
from widgets.search_panel import QueryRunner


def _choose_file(parent: QWidget) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Lägg till dokument", "", "PDF (*.pdf);;Alla filer (*)")
    return path or None


DOCUMENT_DIR = "dokument"
SELECT_DOCUMENT = "Markera ett dokument i listan."


class DocumentsTab(QWidget):
    choose_file = staticmethod(_choose_file)  # replaceable in tests
    opener = staticmethod(open_with_desktop)  # replaceable in tests

    def __init__(self, card: CardHost) -> None:
        super().__init__(card)
        self.card = card
        self.documents: tuple = ()
        self.reader = QueryRunner.for_core(card.services.core, self, latest_only=False)
        self.table = read_only_table(self, "documents")
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.open_button = QPushButton("&Öppna", self)
        self.open_button.setObjectName("open_document")
        self.add_button = QPushButton("&Lägg till dokument…", self)
        self.add_button.setObjectName("add_document")
        self.flags = EditForm(self, "Spara &flaggor")
        self.only_owner = self.flags.add("only_owner_visible", "Endast synlig för ansvarig", QCheckBox())
        self.show_on_web = self.flags.add("show_on_web", "Visas på Internet", QCheckBox())
        self.processed = self.flags.add("processed", "Bearbetad", QCheckBox())
        self.flags.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.flags)
        self.add_button.clicked.connect(self.add)
        self.open_button.clicked.connect(self.open_document)
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.cellDoubleClicked.connect(lambda _row, _column: self.open_document())
        self.flags.save_button.clicked.connect(self.save_flags)
        self._selected()

    def load(self, data: PersonCardData) -> None:
        self.documents = data.documents
        yes = {True: "Ja", False: ""}
        fill_table(self.table, ("Filnamn", "Storlek", "Endast synlig för ansvarig", "Visas på Internet", "Bearbetad",
                                "Tillagt", "Av"),
                   [(d.filename, f"{max(1, round(d.size / 1024))} kB", yes[d.only_owner_visible], yes[d.show_on_web],
                     yes[d.processed], minute_text(d.created_at), d.created_by) for d in data.documents])
        self.flags.clear_error()
        self._selected()

    def _current(self):
        row = self.table.currentRow()
        selected = self.table.selectionModel().hasSelection()
        return self.documents[row] if selected and 0 <= row < len(self.documents) else None

    def _selected(self) -> None:
        doc = self._current()
        self.flags.setEnabled(doc is not None)
        self.open_button.setEnabled(doc is not None)
        self.open_button.setToolTip("Öppna dokumentet i datorns program för filtypen" if doc else SELECT_DOCUMENT)
        if doc is not None:
            self.only_owner.setChecked(doc.only_owner_visible)
            self.show_on_web.setChecked(doc.show_on_web)
            self.processed.setChecked(doc.processed)

    def add(self) -> None:
        path = self.choose_file(self)
        if not path:
            return
        try:
            content = Path(path).read_bytes()
        except OSError as error:
            self.flags.show_error(UserError(f"Filen kunde inte läsas: {error.strerror or error}."))
            return
        self.card.save(pe.AddDocumentRoutine, pe.AddDocument(self.card.person_id, Path(path).name, content),
                       self.flags)

    def save_flags(self) -> None:
        doc = self._current()
        if doc is None:
            return
        self.card.save(pe.UpdateDocumentFlagsRoutine, pe.UpdateDocumentFlags(
            self.card.person_id, doc.id, self.only_owner.isChecked(), self.show_on_web.isChecked(),
            self.processed.isChecked()), self.flags)

    def open_document(self) -> None:
        """Öppna: write the document to <user data>/dokument/<id>-<name> and open it there."""
        doc = self._current()
        if doc is None:
            return
        core, person_id, actor = self.card.services.core, self.card.person_id, self.card.services.actor

        def query() -> tuple[str, bytes]:
            with core.sessions() as session:
                return load_document_content(session, actor, person_id, doc.id)

        self.reader.run(query, lambda found: self._open(doc.id, *found),
                        lambda error: self.card.save_failed(self.flags, error))

    def _open(self, document_id: int, filename: str, content: bytes) -> None:
        path = Path(self.card.services.user_data_dir) / DOCUMENT_DIR / f"{document_id}-{safe_file_name(filename)}"
        try:
            write_file(path, content)
        except OSError as error:
            self.flags.show_error(UserError(f"Dokumentet kunde inte sparas i {path.parent}: "
                                            f"{error.strerror or error}."))
            return
        self.flags.clear_error()
        if not self.opener(path):
            self.flags.show_error(UserError(f"Dokumentet sparades som {path} men kunde inte öppnas. "
                                            "Öppna filen därifrån."))
            return
        self.card.services.bus.status.emit(f"{filename} öppnas.")
