"""SMS through an HTTP provider, behind the outbox's sending interface (app.jobs.outbox.Transport).

The provider built is 46elks (docs/decisions/sms.md): POST https://api.46elks.com/a1/sms with
HTTP basic auth (API username and API password) and the form fields `from`, `to` (E.164, e.g.
+46701234567) and `message`; 200 with JSON means the provider took the message, 4xx means it
refused it (the body says why: "Invalid to number", "Insufficient credits" …), 5xx or no answer
means it is down. Every fault becomes an exception whose text is a Swedish sentence with the
provider's own answer, which the outbox keeps as the message's last error and retries with its
back-off: nothing is lost.

Settings (Inställningar > Inställningar…, group SMS): provider, API address, API username, sender.
The API password lives in the OS keyring of each desk that sends (app.secrets.sms_password), like
the SMTP password; a desk without it does not send SMS, which then wait for a desk that has it.
With no provider set, SMS wait in the outbox and `sms_waiting_notice` says so.
"""
from __future__ import annotations

import base64
import json
import logging
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from app.masking import mask

log = logging.getLogger("reception.sms")

ELKS_URL = "https://api.46elks.com/a1/sms"
NO_PROVIDER = "SMS väntar – ingen SMS-leverantör är inställd"
NO_PASSWORD = ("SMS väntar – API-lösenordet för SMS-leverantören är inte sparat på den här datorn "
               "(Inställningar > Inställningar…)")


class SmsError(Exception):
    """A message the provider did not take; str() is the Swedish reason."""


class SmsRefused(SmsError):
    """The provider answered and refused (4xx): wrong number, sender, password, no credits …"""


class SmsProviderDown(SmsError):
    """The provider did not answer, or answered with a server fault (5xx)."""


@dataclass
class ElksTransport:
    """46elks' SMS API. `url` is the API address (the setting; a test points it at a local server)."""

    username: str
    password: str
    sender: str
    url: str = ELKS_URL
    timeout: float = 20.0

    def send(self, recipient: str, subject: str, body: str, attachment: tuple[str, bytes] | None) -> None:
        """Send `body` to `recipient` (an SMS has no subject or attachment); raise SmsError on any fault."""
        to = e164(recipient)
        if to is None:
            raise SmsRefused(f"Mobilnumret ”{mask(recipient)}” är inget giltigt telefonnummer.")
        data = urllib.parse.urlencode({"from": self.sender, "to": to, "message": body}).encode("utf-8")
        token = base64.b64encode(f"{self.username}:{self.password}".encode("utf-8")).decode("ascii")
        request = urllib.request.Request(self.url, data=data, method="POST", headers={
            "Authorization": f"Basic {token}", "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json"})
        host = urllib.parse.urlsplit(self.url).netloc or self.url
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            text = _answer_text(err)
            if err.code in (401, 403):
                raise SmsRefused(f"SMS-leverantören godtog inte API-användarnamnet eller lösenordet "
                                 f"({err.code} {text}).") from None
            if 400 <= err.code < 500:
                raise SmsRefused(f"SMS-leverantören vägrade ta emot meddelandet ({err.code} {text}).") from None
            raise SmsProviderDown(f"SMS-leverantören {host} svarade med ett serverfel ({err.code} {text}).") from None
        except (socket.timeout, TimeoutError):
            raise SmsProviderDown(f"SMS-leverantören {host} svarade inte i tid.") from None
        except urllib.error.URLError as err:
            reason = err.reason
            if isinstance(reason, socket.gaierror):
                raise SmsProviderDown(f"SMS-leverantören {host} hittades inte. Kontrollera adressen.") from None
            if isinstance(reason, ConnectionRefusedError):
                raise SmsProviderDown(f"Kunde inte ansluta till SMS-leverantören {host}: ingen tjänst svarar "
                                      "där.") from None
            raise SmsProviderDown(f"Kunde inte ansluta till SMS-leverantören {host} ({mask(str(reason))}).") from None
        except OSError as err:
            raise SmsProviderDown(f"Kunde inte ansluta till SMS-leverantören {host} ({mask(str(err))}).") from None
        log.info("SMS taken by the provider: %s", mask(_message_id(answer)))


def _answer_text(err: urllib.error.HTTPError) -> str:
    try:
        body = err.read().decode("utf-8", "replace").strip()
    except Exception:  # the body could not be read: the status line is the reason
        body = ""
    return mask(" ".join((body or err.reason or "").split())[:300])


def _message_id(answer: str) -> str:
    try:
        return str(json.loads(answer).get("id", ""))
    except (ValueError, AttributeError):
        return ""


def e164(number: str) -> str | None:
    """The recipient as the provider wants it (+46701234567); None for what is no phone number."""
    from app.domain.inputs import phone_key

    return phone_key(number, "SE")


# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------


def sms_transport(settings, password: str | None) -> ElksTransport | None:
    """The transport for these settings and API password; None when no provider is set or the
    password is missing."""
    if settings.sms_provider != "46elks" or not settings.sms_username or not password:
        return None
    return ElksTransport(settings.sms_username.strip(), password, settings.sms_sender.strip(),
                         settings.sms_api_url.strip() or ELKS_URL)


def sms_from_settings(core) -> ElksTransport | None:
    """The SMS transport of the business settings with this desk's API password, or None."""
    from app.secrets import sms_password
    from app.settings import load_settings

    with core.sessions() as session:
        settings = load_settings(session)
    if settings.sms_provider == "ingen":
        return None
    return sms_transport(settings, sms_password(settings.sms_username, settings.sms_api_url))


def sms_notice(core, transport: ElksTransport | None) -> str | None:
    """What the status bar (and the outbox) say about waiting SMS: that they wait because no provider
    is set or this desk lacks the API password, or why the provider did not take the last one.
    None when no SMS waits or they are on their way."""
    from sqlalchemy import func, select

    from app.settings import load_settings
    from db.models import OutboxMessage

    with core.sessions() as session:
        waiting = select(OutboxMessage).where(OutboxMessage.channel == "sms", OutboxMessage.status == "vantar")
        count = session.scalar(select(func.count()).select_from(waiting.subquery())) or 0
        if not count:
            return None
        how_many = f"{count} {'meddelande' if count == 1 else 'meddelanden'}"
        if transport is None:
            text = NO_PROVIDER if load_settings(session).sms_provider == "ingen" else NO_PASSWORD
            return f"{text} ({how_many})."
        error = session.scalar(select(OutboxMessage.last_error).where(
            OutboxMessage.channel == "sms", OutboxMessage.status == "vantar", OutboxMessage.last_error.is_not(None))
            .order_by(OutboxMessage.next_attempt_at.desc(), OutboxMessage.id.desc()).limit(1))
    if error is None:
        return None
    reason = error.split(": ", 1)[1] if error.startswith("Sms") and ": " in error else error
    return f"SMS väntar ({how_many}) – senaste försöket misslyckades: {reason}"


# --------------------------------------------------------------------------
# Skicka test-SMS
# --------------------------------------------------------------------------

TEST_TEXT = "Testmeddelande från {club}: kommer det fram är SMS-inställningarna rätt."


def send_test_sms(transport: ElksTransport, recipient: str, club_name: str) -> str | None:
    """Send the test SMS; None when the provider took it, else the Swedish reason."""
    try:
        transport.send(recipient, "", TEST_TEXT.format(club=club_name), None)
    except SmsError as err:
        return str(err)
    except Exception as err:  # anything else: its type and text, masked
        return f"SMS:et kunde inte skickas ({type(err).__name__}: {mask(str(err))})."
    return None
