"""`reception --db URL db-password`: store the database password in this Windows account's keyring.

Windows Credential Manager (keyring's backend there) is per Windows account, while the desk's data
and settings are per machine: each account that runs the desk stores the password once, either here
(the IT person, logged in as that account, or a script with `--stdin`) or in *Arkiv > Inställningar
för den här datorn*. The password is never written to a file or the log (docs/decisions/installation.md).
"""
from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy.engine import make_url

from app.clock import Clock
from app.secrets import keyring_key, store_database_password

COMMAND = "db-password"


def add_parser(sub) -> None:
    p = sub.add_parser(COMMAND, help="spara databaslösenordet i det här Windows-kontots nyckelring")
    p.add_argument("--stdin", action="store_true", help="läs lösenordet från standard in (för skript)")


def run_without_core(args: argparse.Namespace, url: str, clock: Clock) -> int:
    if make_url(url).get_backend_name() != "postgresql":
        print("reception: Ange den delade databasen med --db postgresql+psycopg://användare@server/databas. "
              "Den lokala databasen har inget lösenord.", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\r\n") if args.stdin else getpass.getpass("Databaslösenord: ")
    if not password:
        print("reception: Inget lösenord angavs; ingenting sparades.", file=sys.stderr)
        return 1
    try:
        store_database_password(url, password)
    except Exception as err:  # no keyring backend on this machine
        print(f"reception: Lösenordet kunde inte sparas i nyckelringen ({type(err).__name__}). "
              "Ingenting sparades.", file=sys.stderr)
        return 1
    print(f"Lösenordet för {keyring_key(url)} är sparat i nyckelringen för det här kontot.")
    return 0
