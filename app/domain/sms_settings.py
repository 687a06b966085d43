"""The SMS settings' own rules (Inställningar > Inställningar…, group SMS), checked when a provider is
chosen. A leaf: app.settings validates with it, app.jobs.sms sends with what it allowed."""
from __future__ import annotations

import re
import urllib.parse
from typing import Any

from app.errors import ValidationError

_ALPHA_SENDER = re.compile(r"[A-Za-z][A-Za-z0-9]{1,10}")
_NUMBER_SENDER = re.compile(r"\+[1-9][0-9]{6,14}")
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def check_sms_settings(values: dict[str, Any]) -> None:
    """The SMS settings when a provider is chosen; each refused at its field with the reason."""
    url = (values.get("sms_api_url") or "").strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError("Ange adressen till SMS-tjänsten, t.ex. https://api.46elks.com/a1/sms.",
                              field="sms_api_url")
    if parts.scheme == "http" and parts.hostname not in _LOCAL_HOSTS:
        raise ValidationError("Adressen måste börja med https:// – annars skickas API-lösenordet okrypterat.",
                              field="sms_api_url")
    if not (values.get("sms_username") or "").strip():
        raise ValidationError("Ange API-användarnamnet från SMS-leverantören.", field="sms_username")
    sender = (values.get("sms_sender") or "").strip()
    if not (_ALPHA_SENDER.fullmatch(sender) or _NUMBER_SENDER.fullmatch(sender)):
        raise ValidationError("Avsändaren ska vara 2–11 bokstäver (a–z, utan å, ä, ö) och siffror och börja med "
                              "en bokstav, t.ex. Friskis, eller ett mobilnummer med landsnummer, t.ex. "
                              "+46701234567.", field="sms_sender")
