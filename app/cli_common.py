"""What the business commands of the command line share (preorders, register, autogiro): a date argument
and the refusal line on stderr with exit code 2. Who the command acts as is app/cli_auth.py."""
from __future__ import annotations

import argparse
import sys
from datetime import date

EXIT_REFUSED = 2  # the command could not start; nothing was written


def iso_date(text: str) -> date:
    """argparse type: a date as ÅÅÅÅ-MM-DD, refused in Swedish otherwise."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"”{text}” är inget datum. Skriv ÅÅÅÅ-MM-DD.") from None


def fail(message: str) -> int:
    print(f"reception: {message}", file=sys.stderr)
    return EXIT_REFUSED
