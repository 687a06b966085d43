"""The person card at a glance (issue 14 §1): the internal-message banner and the Översikt tab.

The card's header (photo, name, personnummer, customer type, card, deviation chips) stays above
the tabs, so it is part of the overview and of every detail tab. Below it, the first tab —
Översikt — shows what a receptionist needs with a queue in front of them, without scrolling at
1280×800 (docs/decisions/person-card-overview.md):

* the verdict of the latest check-in (the visits table, or the swipe just made);
* the running subscriptions, each with its state (Löper / Fryst … · Upptining planerad … /
  Frysning planerad … / Uppsagt, slutar …), valid or charged through, the next autogiro debit
  with its amount, the payer and the subscription's deviations;
* the debt;
* the newest notes (an Överlåt leaves "Överlåtet till …" there).

The internal message is no modal box any more: `InternalMessageBanner` sits on the card above the
header, on every tab, for as long as the message is set.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.clock import STOCKHOLM
from app.domain.money import format_sek
from app.queries.person_card import PersonCardData
from app.queries.visits import VERDICT_NAMES
from widgets.checkin_banner import STYLES
from widgets.person_tabs.common import chip_row
from widgets.tones import muted_color, tone, tone_style

NOTES_SHOWN = 3
BANNER_STYLE = ("QFrame#internal_message_banner { background: #fef3c7; border: 2px solid #d97706; "
                "border-left: 10px solid #d97706; border-radius: 4px; }"
                "QLabel#internal_message_title { color: #92400e; font-weight: 700; font-size: 11pt; }"
                "QLabel#internal_message { color: #451a03; font-weight: 600; font-size: 13pt; }")


def _d(value) -> str:
    return value.isoformat() if value is not None else ""


class InternalMessageBanner(QFrame):
    """The person's internal message, prominent on the card (never a modal box); hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("internal_message_banner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(BANNER_STYLE)
        self.title = QLabel("Internt meddelande", self)
        self.title.setObjectName("internal_message_title")
        self.text = QLabel(self)
        self.text.setObjectName("internal_message")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self.title, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        self.hide()

    def show_message(self, message: str) -> None:
        message = message.strip()
        self.text.setText(message)
        self.setToolTip("Ändra meddelandet under fliken Meddelanden." if message else "")
        self.setVisible(bool(message))


class OverviewTab(QWidget):
    """Översikt: check-in verdict, running subscriptions, debt and the newest notes."""

    def __init__(self, card) -> None:
        super().__init__(card)
        self.card = card
        self.person_id: int | None = None
        self.live_result = None   # the latest CheckInResult of this desk
        self.verdict = QLabel(self)
        self.verdict.setObjectName("overview_verdict")
        self.verdict.setWordWrap(True)
        self.verdict.hide()

        self.subscriptions_box = QGroupBox("Löpande abonnemang", self)
        self.subscriptions_box.setObjectName("overview_subscriptions")
        self.subscription_rows: list[SubscriptionLine] = []
        self.no_subscriptions = QLabel("Inga löpande abonnemang.", self.subscriptions_box)
        self.no_subscriptions.setObjectName("overview_no_subscriptions")
        self.subscriptions_layout = QVBoxLayout(self.subscriptions_box)
        self.subscriptions_layout.setContentsMargins(6, 4, 6, 4)
        self.subscriptions_layout.addWidget(self.no_subscriptions)

        self.debt = QLabel(self)
        self.debt.setObjectName("overview_debt")
        self.notes_box = QGroupBox("Senaste anteckningar", self)
        self.notes = QLabel(self.notes_box)
        self.notes.setObjectName("overview_notes")
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.PlainText)
        QVBoxLayout(self.notes_box).addWidget(self.notes)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.verdict)
        layout.addWidget(self.subscriptions_box)
        layout.addWidget(self.debt)
        layout.addWidget(self.notes_box)
        layout.addStretch(1)

    # -- the card's tab protocol ----------------------------------------------
    def load(self, data: PersonCardData) -> None:
        self.person_id = data.person.id
        v, live = data.latest_visit, self.live_result
        if live is not None and live.person_id == data.person.id and (v is None or live.first_at >= v.at):
            self.visit_recorded(live)  # the swipe just made here (its visit may be written after this load)
        elif v is not None:
            self._show_verdict(v.verdict, self._when(v.at), v.reason_text or "", v.desk)
        else:
            self.verdict.hide()
        self._show_subscriptions(data)
        e = data.economy
        if e.debt_ore:
            self.debt.setText(f"Skuld: {format_sek(e.debt_ore)}   (obetalda fakturor {format_sek(e.unpaid_invoices_ore)}"
                              f", obetalda beställningar {format_sek(e.open_orders_ore)}) – se Ekonomi och Fakturor")
            self.debt.setStyleSheet(tone_style("error", "font-weight: 600; font-size: 11pt;"))
        else:
            self.debt.setText("Ingen skuld.")
            self.debt.setStyleSheet(tone_style("ok"))
        notes = data.notes[:NOTES_SHOWN]
        self.notes.setText("\n".join(f"{n.created_at.astimezone(STOCKHOLM):%Y-%m-%d %H:%M}  {n.text}" for n in notes)
                           or "Inga anteckningar.")

    def clear(self) -> None:
        """Nobody shown: nothing of the previous customer stays (verdict, subscriptions, chips, debt, notes)."""
        self.person_id = None
        self.verdict.hide()
        self.verdict.clear()
        for row in self.subscription_rows:
            row.hide()
            row.deleteLater()
        self.subscription_rows = []
        self.no_subscriptions.hide()
        self.debt.clear()
        self.notes.clear()

    # -- the verdict ------------------------------------------------------------
    def visit_recorded(self, result) -> None:
        """A check-in just made (app.routines.checkin.CheckInResult): shown now for the person shown, or kept
        for the card load that is still on its way."""
        if result.person_id is None:
            return
        self.live_result = result
        if result.person_id != self.person_id:
            return
        reason = " · ".join(r.text for r in result.refusals)
        self._show_verdict(result.verdict, self._when(result.first_at), reason, self.card.services.core.desk)

    def _when(self, at) -> str:
        local = at.astimezone(STOCKHOLM)
        today = self.card.services.core.clock.today()
        return f"idag {local:%H:%M}" if local.date() == today else f"{local:%Y-%m-%d %H:%M}"

    def _show_verdict(self, verdict: str, when: str, reason: str, desk: str) -> None:
        colour, background = STYLES.get(verdict, STYLES["fel"])
        text = f"Senaste incheckning {when}: {VERDICT_NAMES.get(verdict, verdict)}"
        if reason:
            text += f" – {reason}"
        if desk:
            text += f" ({desk})"
        self.verdict.setText(text)
        self.verdict.setProperty("verdict", verdict)
        self.verdict.setStyleSheet(f"QLabel {{ background: {background}; color: {colour}; font-weight: 600; "
                                   f"font-size: 11pt; border-left: 6px solid {colour}; padding: 4px 8px; }}")
        self.verdict.show()

    # -- the subscriptions ----------------------------------------------------------
    def _show_subscriptions(self, data: PersonCardData) -> None:
        for row in self.subscription_rows:
            row.hide()
            row.deleteLater()
        self.subscription_rows = []
        running = [s for s in data.subscriptions if s.running]
        for index, sub in enumerate(running):
            row = SubscriptionLine(sub, self.subscriptions_box)
            row.setObjectName(f"overview_subscription_{index}")
            self.subscriptions_layout.insertWidget(index, row)
            self.subscription_rows.append(row)
        self.no_subscriptions.setVisible(not running)

    def subscription_texts(self) -> list[tuple[str, str, str]]:
        """(name, state, details) of each running subscription as shown."""
        return [(r.title.text(), r.state.text(), r.details.text()) for r in self.subscription_rows]


# The state's tone (widgets/tones.py: a lighter shade in a dark theme); anything else in the muted colour.
STATE_TONES = {"Löper": "ok", "Fryst": "info", "Frysning planerad": "warning", "Uppsagt": "error", "Startar": None}


def _state_colour(text: str) -> str:
    name = next((t for prefix, t in STATE_TONES.items() if text.startswith(prefix)), None)
    return tone(name) if name is not None else muted_color().name()


class SubscriptionLine(QFrame):
    """One running subscription: name (add-ons too), state, then valid/charged through, the next debit and
    its amount, the payer; the subscription's deviation chips at the right. Two lines, wrapped, no scrolling."""

    def __init__(self, sub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.subscription_id = sub.id
        addons = [a.product_name for a in sub.addons if a.running]
        self.title = QLabel(sub.product_name + (" + " + ", ".join(addons) if addons else ""), self)
        self.title.setObjectName("subscription_title")
        self.title.setStyleSheet("font-weight: 600; font-size: 11pt;")
        self.title.setWordWrap(True)
        self.state = QLabel(sub.state_text, self)
        self.state.setObjectName("subscription_state")
        self.state.setWordWrap(True)
        self.state.setStyleSheet(f"font-weight: 600; color: {_state_colour(sub.state_text)};")
        through = "Giltigt" if sub.payment == "kontant" else "Debiterat"
        parts = [f"{through} t.o.m. {_d(sub.charged_through) or '–'}"]
        if sub.next_debit_on is not None:
            parts.append(f"Nästa dragning {_d(sub.next_debit_on)}: {format_sek(sub.next_debit_ore or 0)}")
        elif sub.payment == "kontant":
            parts.append("Kontant – ingen dragning")
        else:
            parts.append("Inga fler dragningar")
        if sub.payer_id != sub.user_id:
            parts.append(f"Betalare: {sub.payer_name}")
        self.details = QLabel(" · ".join(parts), self)
        self.details.setObjectName("subscription_details")
        self.details.setWordWrap(True)
        seen: set[tuple[str, str]] = set()  # an add-on frozen with its main subscription says it once
        deviations = [d for d in (*sub.deviations, *(d for a in sub.addons for d in a.deviations))
                      if (d.code, d.text) not in seen and not seen.add((d.code, d.text))]
        self.chips = chip_row(deviations, self)
        self.chips.setObjectName("subscription_deviations")
        top = QHBoxLayout()
        top.addWidget(self.title, 2)
        top.addWidget(self.state, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 4)
        layout.setSpacing(1)
        layout.addLayout(top)
        bottom = QHBoxLayout()
        bottom.addWidget(self.details, 1)
        bottom.addWidget(self.chips, 0)
        layout.addLayout(bottom)
        self.setFrameShape(QFrame.Shape.NoFrame)
