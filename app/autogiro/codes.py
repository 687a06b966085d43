"""Bankgirot's codes in the incoming files, explained in Swedish for the administrator and the card.

The meanings are those of Bankgirot's "Autogiro – Teknisk manual" (new layout), phrased for a front desk.
"""
from __future__ import annotations

# Medgivandeavisering, TK73 positions 62-63: what the advice is about (informationskod).
MANDATE_INFO = {
    "03": "Makulering initierad av betalningsmottagaren",
    "04": "Nyupplägg initierat av betalningsmottagaren",
    "05": "Byte av betalarnummer initierat av betalningsmottagaren",
    "10": "Makulerat: betalningsmottagarens bankgironummer är avslutat",
    "42": "Svar på kontoförfrågan från betalarens bank",
    "43": "Makulerat: betalarens bank svarade inte på kontoförfrågan",
    "44": "Makulerat: betalarens bankgironummer är avslutat",
    "46": "Makulering initierad av betalaren eller betalarens bank",
    "93": "Makulering initierad av betalaren",
}

# Medgivandeavisering, TK73 positions 64-65: the outcome (kommentarskod).
MANDATE_COMMENT = {
    "01": "Medgivandet är makulerat på initiativ av betalarens bank.",
    "02": "Medgivandet är makulerat på initiativ av betalaren eller betalarens bank.",
    "03": "Kontot är av ett slag som inte kan användas för autogiro.",
    "04": "Medgivandet finns inte i Bankgirots medgivanderegister.",
    "05": "Bankkontot eller personnumret stämmer inte.",
    "06": "Medgivandet är makulerat av Bankgirot.",
    "07": "Medgivandet är borttaget: betalarens bank svarade inte på kontoförfrågan.",
    "09": "Betalarens bankgironummer finns inte hos Bankgirot.",
    "10": "Medgivandet finns redan hos Bankgirot eller är under förfrågan.",
    "11": "Betalaren har stoppat medgivandet.",
    "12": "Betalarens stopp av medgivandet är hävt.",
    "20": "Personnumret stämmer inte, eller betalaren saknar avtal om medgivande med bankgironummer.",
    "21": "Betalarnumret är felaktigt.",
    "23": "Bankkontonumret är felaktigt.",
    "24": "Maxbelopp är inte tillåtet.",
    "29": "Klubbens bankgironummer är felaktigt.",
    "30": "Klubbens bankgironummer är avregistrerat.",
    "32": "Medgivandet är godkänt och upplagt.",
    "33": "Medgivandet är makulerat.",
    "98": "Medgivandet är makulerat: betalarens bankgironummer är makulerat.",
}
MANDATE_APPROVED = {"32"}
MANDATE_CANCELLED = {"01", "02", "06", "07", "33", "98"}   # the mandate is gone from Bankgirot's register
MANDATE_IGNORED = {"11", "12"}                              # a stop and its lifting: the mandate stays

# Betalningsspecifikation, TK82/TK32 position 80 (betalningsstatuskod).
PAYMENT_STATUS = {
    "0": "Betald.",
    "1": "Täckning saknas – dragningen gick inte igenom.",
    "2": "Stoppad – kopplingen till autogiro saknas (kontot avslutat) eller annan orsak.",
    "9": "Täckning saknas – Bankgirot gör ett nytt försök.",
}
PAYMENT_PAID, PAYMENT_RETRY = "0", "9"

# Betalningsspecifikation, TK77 (återbetalning begärd av betalaren), positions 79-80.
REFUND_STATUS = {
    "01": "Återbetald: medgivande hade inte lämnats.",
    "02": "Återbetald: medgivandet var återkallat.",
    "03": "Återbetald: beloppet var högre än betalaren kunde vänta sig.",
}

# Avvisade betalningsuppdrag, positions 59-60 (kommentarskod).
REJECTION_COMMENT = {
    "01": "Medgivande saknas.",
    "02": "Kontot är inte godkänt för autogiro eller är avslutat.",
    "03": "Medgivandet är stoppat.",
    "04": "Betalarens bankgironummer är felaktigt.",
    "05": "Klubbens bankgironummer är felaktigt.",
    "06": "Felaktig periodkod.",
    "07": "Felaktigt antal för självförnyande uppdrag.",
    "08": "Beloppet är inte numeriskt.",
    "09": "Förbud mot utbetalningar.",
    "10": "Bankgironumret finns inte hos Bankgirot.",
    "12": "Felaktigt betalningsdatum.",
    "13": "Betalningsdatumet har passerats.",
    "15": "Bankgironumret i öppningsposten och i betalningsposten är olika.",
    "24": "Beloppet är högre än maxbeloppet.",
}


def explain(table: dict[str, str], code: str) -> str:
    return table.get(code, f"Okänd kod {code or '(tom)'} från Bankgirot.")
