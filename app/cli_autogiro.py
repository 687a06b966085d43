"""`reception autogiro export` / `reception autogiro import FIL`: the Autogiro file exchange with Bankgirot for
a scheduled job (Task Scheduler), issue 17.

    reception autogiro export --folder MAPP [--only medgivanden|betalningar|makuleringar] [--date ÅÅÅÅ-MM-DD]
                              [--user NAMN] [--password-stdin | --keyring]
    reception autogiro import [--user NAMN] [--password-stdin | --keyring] FIL

``export`` runs, in this order, Skicka medgivanden, Skicka makuleringar and Skicka betalningsunderlag (for
the next debit day, or --date), each its own audited transaction, and prints one line per file written
(or "inget att skicka"). ``import`` reads one file from Bankgirot (medgivandeavisering,
betalningsspecifikation or avvisade betalningsuppdrag); a file read before changes nothing.
The user (--user, default the operating-system login name) proves it with the password (asked on the
terminal, or --password-stdin / --keyring for Task Scheduler: app/cli_auth.py) and must have the right
Systeminställningar.

Exit codes: 0 done (also: nothing to send, or the file was read before); 1 done, but something needs a
person — mandates or debits that could not be sent, or records in the file that Reception does not know
(listed on stderr with their line numbers); 2 refused, nothing changed — unknown user or missing right,
missing settings or folder, a malformed or truncated file (the line and the reason on stderr), a file
for another bankgiro number.
"""
from __future__ import annotations

import argparse
import sys

from app.autogiro.routines import EXPORTS, ExportCommand, ExportDebits, ImportBankgirotFile, ImportCommand
from app.cli_auth import add_user_arguments, cli_actor
from app.cli_common import fail, iso_date
from app.context import Core
from app.errors import UserError

COMMAND = "autogiro"
EXIT_OK, EXIT_ATTENTION, EXIT_REFUSED = 0, 1, 2
ONLY = {"medgivanden": "medgivanden", "betalningar": "betalningar", "makuleringar": "makuleringar"}



def add_parser(sub) -> None:
    parser = sub.add_parser(COMMAND, help="autogirofiler till och från Bankgirot")
    actions = parser.add_subparsers(dest="autogiro_action", required=True)
    exp = actions.add_parser("export", help="skriv medgivanden, makuleringar och betalningsunderlag till Bankgirot",
                             description="Skriver de filer som ska till Bankgirot i mappen: nya och makulerade "
                                         "medgivanden, makuleringar av dragningar och betalningsunderlaget för nästa "
                                         "dragningsdag. Det som redan har skickats skickas inte igen.")
    exp.add_argument("--folder", required=True, metavar="MAPP", help="mappen som filerna skrivs i")
    exp.add_argument("--only", choices=sorted(ONLY), help="bara den här filen")
    exp.add_argument("--date", dest="debit_date", type=iso_date, metavar="ÅÅÅÅ-MM-DD",
                     help="dragningsdag för betalningsunderlaget (standard: nästa dragningsdag)")
    add_user_arguments(exp)
    imp = actions.add_parser("import", help="läs in en fil från Bankgirot",
                             description="Läser in medgivandeavisering, betalningsspecifikation eller avvisade "
                                         "betalningsuppdrag. En felaktig eller avkortad fil läses inte in alls.")
    add_user_arguments(imp)
    imp.add_argument("file", metavar="FIL", help="filen från Bankgirot")



def run(args: argparse.Namespace, core: Core) -> int:
    try:
        actor = cli_actor(args, core)
    except UserError as err:
        return fail(err.message)
    if args.autogiro_action == "export":
        return _export(args, core, actor)
    return _import(args, core, actor)


def _export(args, core: Core, actor) -> int:
    code = EXIT_OK
    for routine_type in EXPORTS:
        if args.only and routine_type.kind != ONLY[args.only]:
            continue
        command = ExportCommand(args.folder, args.debit_date if routine_type is ExportDebits else None)
        try:
            result = routine_type(core).execute(command, actor)
        except UserError as err:
            return fail(f"{routine_type.name}: {err.message}")
        where = f" → {result.file_name}" if result.file_name else ""
        print(f"{routine_type.name}: {result.summary}{where}")
        for reason in result.skipped:
            print(f"  {reason}", file=sys.stderr)
        if result.skipped_count > len(result.skipped):
            print(f"  … och {result.skipped_count - len(result.skipped)} till.", file=sys.stderr)
        if result.skipped_count:
            code = EXIT_ATTENTION
    return code


def _import(args, core: Core, actor) -> int:
    try:
        result = ImportBankgirotFile(core).execute(ImportCommand(args.file), actor)
    except UserError as err:
        return fail(err.message)
    print(f"{result.file_name}: {result.summary}")
    for line in result.unmatched_lines:
        print(f"rad {line.line_no}: {line.outcome}", file=sys.stderr)
    return EXIT_ATTENTION if result.unmatched else EXIT_OK
