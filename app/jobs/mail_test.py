""""Skicka testmeddelande" in Inställningar > Inställningar…: one e-mail through the outbox's own
sender (app.jobs.outbox.SmtpTransport) with the settings in the dialog, and a Swedish sentence that
says why it did not arrive (refused, wrong password, server down, encryption failed …)."""
from __future__ import annotations

import smtplib
import socket
import ssl

from app.jobs.outbox import SmtpTransport
from app.masking import mask

TEST_SUBJECT = "Testmeddelande från {club}"
TEST_BODY = ("Det här är ett testmeddelande från receptionen ({club}).\n\n"
             "Kommer det fram är e-postinställningarna rätt, och kvitton, bekräftelser och påminnelser "
             "kan skickas.\n")


def _server_text(err: smtplib.SMTPResponseException) -> str:
    text = err.smtp_error.decode("utf-8", "replace") if isinstance(err.smtp_error, bytes) else str(err.smtp_error)
    return f"{err.smtp_code} {text}".strip()


def swedish_reason(err: BaseException, host: str, port: int) -> str:
    """Why the server did not take the message, in Swedish, with the server's own answer when there is one."""
    where = f"{host}:{port}"
    if isinstance(err, smtplib.SMTPAuthenticationError):
        return f"E-postservern godtog inte användarnamnet eller lösenordet ({_server_text(err)})."
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        answers = "; ".join(f"{addr}: {code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
                            for addr, (code, msg) in err.recipients.items())
        return f"E-postservern vägrade ta emot meddelandet till mottagaren ({answers})."
    if isinstance(err, smtplib.SMTPSenderRefused):
        return f"E-postservern godtog inte avsändaradressen {err.sender} ({_server_text(err)})."
    if isinstance(err, smtplib.SMTPNotSupportedError):
        return ("E-postservern stöder inte det som krävdes (STARTTLS eller inloggning). "
                "Kontrollera Kryptering och Användarnamn.")
    if isinstance(err, smtplib.SMTPResponseException):
        return f"E-postservern vägrade ta emot meddelandet ({_server_text(err)})."
    if isinstance(err, smtplib.SMTPServerDisconnected):
        return f"E-postservern {where} stängde anslutningen. Kontrollera port och kryptering."
    if isinstance(err, ssl.SSLError):
        return f"Den krypterade anslutningen till {where} misslyckades. Kontrollera port och kryptering."
    if isinstance(err, (socket.timeout, TimeoutError)):
        return f"E-postservern {where} svarade inte i tid."
    if isinstance(err, socket.gaierror):
        return f"E-postservern {host} hittades inte. Kontrollera serverns namn."
    if isinstance(err, ConnectionRefusedError):
        return f"Kunde inte ansluta till e-postservern {where}: ingen server svarar på den porten."
    if isinstance(err, OSError):
        return f"Kunde inte ansluta till e-postservern {where} ({mask(str(err))})."
    return f"Meddelandet kunde inte skickas ({type(err).__name__}: {mask(str(err))})."


def send_test_message(transport: SmtpTransport, recipient: str, club_name: str) -> str | None:
    """Send the test message; None when the server took it, else the Swedish reason."""
    try:
        transport.send(recipient, TEST_SUBJECT.format(club=club_name), TEST_BODY.format(club=club_name), None)
    except Exception as err:  # every fault becomes its sentence; nothing is queued or retried here
        return swedish_reason(err, transport.host, transport.port)
    return None
