"""The person card's tabs (seed "Personkortet"), one module per tab, each tab a widget with `load(data)`.

`common` holds what they share: `CardHost`, what a tab uses of the card it sits on (the tabs never
import widgets/person_card.py, which builds them), the deviation chips, read-only tables and `EditForm`.
Editing tabs collect plain values into a routine command and hand it to the card
(`card.save(routine_class, command, form)`), which runs the routine and either reloads the card or
shows the Swedish error at the field — what was typed stays in the fields.

basic (Basuppgifter), address (Adress/Fakturaadress), marketing (Marknad), staff (Personal),
messages (Meddelanden), journal (Kundjournal), documents (Dokument), lists (Bokningar, Tidigare köp,
Värdekort), economy (Ekonomi), invoices (Fakturor and the Kreditera dialog), subscriptions
(Abonnemang), visits (Besök); files: writing and opening a document or invoice PDF.
"""
