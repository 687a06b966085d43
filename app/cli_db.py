"""`reception --db URL db upgrade` and `reception --db URL db grant --role NAME`.

`upgrade` brings the schema to the program's version with the database owner's login (a desk's own
login may not, and stops at start with "Databasen behöver uppgraderas – kör reception db upgrade").
It takes the same advisory lock as a desk's start, so desks starting meanwhile wait. It prints the
revision before and after. Exit codes: 0 done (or nothing to do), 1 the upgrade was refused or failed
(nothing changed), 2 the database could not be opened.

`grant` creates the desk role (no DDL, no ownership) and grants it what the app needs; `--sql` only
prints the statements for a DBA. See db/roles.py and docs/decisions/security.md.
"""
from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy.engine import make_url

from app.clock import Clock
from app.errors import UserError
from app.secrets import database_password

COMMAND = "db"
EXIT_OK, EXIT_REFUSED, EXIT_UNAVAILABLE = 0, 1, 2


def add_parser(sub) -> None:
    p = sub.add_parser(COMMAND, help="databasens schema och inloggningar (körs med databasens ägarroll)")
    actions = p.add_subparsers(dest="db_action", required=True)
    actions.add_parser("upgrade", help="uppgradera databasens schema till den här versionen av Reception")
    g = actions.add_parser("grant", help="skapa kassornas databasroll (utan rätt att ändra schemat) och ge den "
                                         "behörigheterna programmet behöver")
    g.add_argument("--role", required=True, metavar="NAMN", help="rollens namn, t.ex. reception_kassa")
    g.add_argument("--password-stdin", action="store_true", help="läs rollens lösenord från standard in")
    g.add_argument("--no-password", action="store_true",
                   help="sätt inget lösenord (servern autentiserar på annat sätt, t.ex. certifikat)")
    g.add_argument("--sql", action="store_true", help="skriv bara ut SQL-satserna, kör ingenting")


def _fail(err: UserError, code: int) -> int:
    print(f"reception: {err.title}: {err.message}", file=sys.stderr)
    return code


def _upgrade(url: str, clock: Clock) -> int:
    from sqlalchemy.orm import Session

    from db.migrate import UpgradeNotAllowed, upgrade_database
    from app.seeding.reference import ensure_reference_data

    def seed(conn) -> None:
        with Session(bind=conn) as session:
            ensure_reference_data(session)
            session.commit()

    try:
        before, after = upgrade_database(url, password=database_password(url), now=clock.now(), prepare=seed)
    except UpgradeNotAllowed as err:
        return _fail(err, EXIT_REFUSED)
    except UserError as err:
        return _fail(err, EXIT_UNAVAILABLE)
    if before == after:
        print(f"Databasen har redan version {after}; ingenting att uppgradera.")
    else:
        print(f"Databasen är uppgraderad från {before or '(tom databas)'} till {after}.")
    return EXIT_OK


def _grant(args: argparse.Namespace, url: str) -> int:
    from db.roles import check_role_name, desk_role_sql, grant_desk_role

    try:
        role = check_role_name(args.role)
    except ValueError as err:
        print(f"reception: {err}", file=sys.stderr)
        return EXIT_REFUSED
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        print("reception: Databasroller finns bara i den delade databasen (PostgreSQL). Ange den med "
              "--db postgresql+psycopg://ägare@server/databas.", file=sys.stderr)
        return EXIT_UNAVAILABLE
    if args.sql:
        print(";\n".join(desk_role_sql(role, parsed.database or "reception", "<lösenord>")) + ";")
        return EXIT_OK
    password = None
    if not args.no_password:
        password = (sys.stdin.readline().rstrip("\r\n") if args.password_stdin
                    else getpass.getpass(f"Lösenord för rollen {role}: "))
        if not password:
            print("reception: Inget lösenord angavs; ingenting ändrades (--no-password om rollen ska sakna "
                  "lösenord).", file=sys.stderr)
            return EXIT_REFUSED
    from sqlalchemy import exc

    from db.engine import make_engine

    engine = make_engine(url, password=database_password(url))
    try:
        with engine.connect() as conn:
            shown = grant_desk_role(conn, role, password)
    except LookupError as err:
        print(f"reception: {err}", file=sys.stderr)
        return EXIT_REFUSED
    except exc.OperationalError as err:
        print(f"reception: Det går inte att ansluta till databasen: {str(err.orig).strip()}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except exc.DBAPIError as err:
        print("reception: Databasen vägrade (kör kommandot med databasens ägarroll, och en roll med "
              f"CREATEROLE om rollen inte finns; eller --sql för en databasadministratör): {str(err.orig).strip()}",
              file=sys.stderr)
        return EXIT_REFUSED
    finally:
        engine.dispose()
    print("\n".join(shown))
    print(f"Rollen {role} kan nu användas av kassorna: postgresql+psycopg://{role}@{parsed.host or 'server'}/"
          f"{parsed.database}?sslmode=verify-full&sslrootcert=<rotcertifikat>")
    return EXIT_OK


def run_without_core(args: argparse.Namespace, url: str, clock: Clock) -> int:
    if args.db_action == "upgrade":
        return _upgrade(url, clock)
    return _grant(args, url)
