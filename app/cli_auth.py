"""Who a command-line command acts as (issue 15 §7): a Reception user, after proving it with the
user's password, exactly like the log-in dialog (app/auth.py: the same lock-out, the same audit row
"Inloggning", with via = kommandorad).

Every command that writes business data (`preorders import`, `jobs run`) takes

    --user NAMN          the Reception user (default: the operating-system login name)
    --password-stdin     read the password from the first line of standard input (scripts, tests)
    --keyring            read it from this OS account's keyring: a scheduled job's own service account

and otherwise asks for it on the terminal (getpass, nothing echoed). Without a terminal and without
either option the command refuses: nothing is done as anybody without a password.

`reception cli-password --user NAMN [--stdin]` checks a password against the database and stores it in
the keyring of the OS account that runs it (service "reception-cli", user NAMN@the database's key), for
Task Scheduler / cron: create a user (e.g. "nattjobb") with a role that has just the rights the job
needs, log in to Windows as the task's account and store the password once.

Commands on the database file or schema itself (backup, restore, db upgrade / grant, db-password,
report, desks) act as no Reception user: they are guarded by the operating system's file rights and
the database owner's login (docs/decisions/security.md); whoever may replace the file needs no
Reception password to change what is in it.
"""
from __future__ import annotations

import argparse
import getpass
import sys

from app.context import Actor, Core
from app.errors import UserError
from app.secrets import keyring_key

KEYRING_SERVICE = "reception-cli"
COMMAND = "cli-password"


class NoPassword(UserError):
    title = "Lösenord saknas"


def add_user_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", metavar="NAMN", help="ditt användarnamn i Reception (standard: inloggningsnamnet)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--password-stdin", action="store_true",
                        help="läs lösenordet från första raden på standard in (för skript)")
    source.add_argument("--keyring", action="store_true",
                        help="hämta lösenordet från nyckelringen (schemalagda jobb, se reception cli-password)")


def cli_keyring_key(core: Core, username: str) -> str:
    return f"{username.strip().lower()}@{keyring_key(core.engine.url.render_as_string(hide_password=True))}"


def stored_password(core: Core, username: str) -> str | None:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, cli_keyring_key(core, username))
    except Exception:  # no keyring backend on this machine
        return None


def _password(args: argparse.Namespace, core: Core, username: str) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif args.keyring:
        password = stored_password(core, username)
        if password is None:
            raise NoPassword(f"Det finns inget lösenord för ”{username}” i nyckelringen för det här kontot. "
                             f"Spara det med reception {COMMAND} --user {username}.")
    elif sys.stdin is not None and sys.stdin.isatty():
        password = getpass.getpass(f"Lösenord för {username} i Reception: ")
    else:
        raise NoPassword("Kommandot kräver ditt lösenord i Reception: kör det i en terminal, eller ange "
                         "--password-stdin (lösenordet på standard in) eller --keyring (schemalagt jobb).")
    if not password:
        raise NoPassword("Inget lösenord angavs; ingenting gjordes.")
    return password


def cli_actor(args: argparse.Namespace, core: Core) -> Actor:
    """The user the command acts as, after the password (UserError with a Swedish message otherwise)."""
    from app.auth import login

    username = (args.user or getpass.getuser()).strip()
    return login(core, username, _password(args, core, username), via="kommandorad")


# --------------------------------------------------------------------------
# reception cli-password: store a service account's password in the keyring
# --------------------------------------------------------------------------


def add_parser(sub) -> None:
    p = sub.add_parser(COMMAND, help="spara en Reception-användares lösenord i nyckelringen (schemalagda jobb)")
    p.add_argument("--user", required=True, metavar="NAMN", help="användaren som det schemalagda jobbet kör som")
    p.add_argument("--stdin", action="store_true", help="läs lösenordet från standard in (för skript)")


def run(args: argparse.Namespace, core: Core) -> int:
    from app.auth import login

    password = sys.stdin.readline().rstrip("\r\n") if args.stdin else getpass.getpass(
        f"Lösenord för {args.user} i Reception: ")
    try:
        if not password:
            raise NoPassword("Inget lösenord angavs; ingenting sparades.")
        actor = login(core, args.user, password, via="kommandorad")
    except UserError as err:
        print(f"reception: {err.message}", file=sys.stderr)
        return 1
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, cli_keyring_key(core, actor.username), password)
    except Exception as err:  # no keyring backend on this machine
        print(f"reception: Lösenordet kunde inte sparas i nyckelringen ({type(err).__name__}). "
              "Ingenting sparades.", file=sys.stderr)
        return 1
    print(f"Lösenordet för {actor.username} är sparat i nyckelringen för det här kontot. "
          "Schemalagda jobb kör nu med --user " f"{actor.username} --keyring.")
    return 0
