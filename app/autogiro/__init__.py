"""Bankgirot Autogiro file exchange, new layout (Autogiro – Teknisk manual), Qt-free.

* ``format``   – field helpers: fixed-width numbers, dates, ISO 8859-1 text, bankgiro numbers, the error.
* ``outgoing`` – writers for the files the club sends: medgivandeunderlag (TK03/04/05),
  betalningsunderlag (TK82/TK32) and makulering/ändring (TK23/24/25).
* ``incoming`` – a streaming reader for the files Bankgirot sends back: medgivandeavisering (TK73),
  betalningsspecifikation (TK15/16/17, TK82/32/77) and avvisade betalningsuppdrag (TK82/32),
  each checked against its closing record (counts and sums).
* ``codes``    – Bankgirot's comment and status codes in Swedish.
* ``routines`` – the audited routines that export and import against the database.

Layouts and decisions: docs/decisions/autogiro.md.
"""
