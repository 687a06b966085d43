"""`reception register import`: fill the local person register from the command line (SPEC §2.2).

The twin of Inställningar > Lokalt register…:

    reception register import --user NAMN [--password-stdin | --keyring] [--skip-invalid] utdrag.csv

The same reader (app.domain.register_csv, on the CSV reader every import shares) and the same
ImportRegister routine as the dialog: the user proves who they are as for every command-line write
(app.cli_auth: password on the terminal, on stdin, or from the keyring) and must have the right
"Systeminställningar"; the import replaces the
register and is audited. As for pre-orders: if any row is bad, nothing is imported — the row report
(line number and reason) goes to stderr and the exit code is 1 — unless --skip-invalid is given;
then the valid rows are imported and the bad ones are still reported. Exit codes: 0 imported,
1 bad rows (nothing written), 2 the import could not start (file not CSV / empty / too big,
unknown user, missing right; nothing written).
"""
from __future__ import annotations

import argparse
import os
import sys

from app.cli_auth import add_user_arguments, cli_actor
from app.cli_common import fail
from app.context import Core
from app.domain.register_csv import read_register_file
from app.errors import UserError
from app.routines.lookup_register import ImportRegister, ImportRegisterCommand, RegisterImportRow
from app.routines.organisations import ImportRefused

COMMAND = "register"
EXIT_OK, EXIT_BAD_ROWS, EXIT_REFUSED = 0, 1, 2


def add_parser(sub) -> None:
    parser = sub.add_parser(COMMAND, help="det lokala registret för personuppslagning")
    actions = parser.add_subparsers(dest="register_action", required=True)
    imp = actions.add_parser("import", help="ersätt det lokala registret med ett utdrag (CSV-fil)",
                             description="Ersätt det lokala registret för personuppslagning med ett utdrag, en "
                                         "rad per person: personnummer;förnamn;efternamn;gatuadress;co;"
                                         "postnummer;ort;skyddad. Finns en felaktig rad importeras ingenting "
                                         "(utom med --skip-invalid).")
    add_user_arguments(imp)
    imp.add_argument("--skip-invalid", action="store_true",
                     help="importera de giltiga raderna även om andra rader har fel")
    imp.add_argument("file", metavar="FIL", help="CSV-filen")



def run(args: argparse.Namespace, core: Core) -> int:
    try:
        return _import(args, core)
    finally:
        core.engine.dispose()


def _import(args: argparse.Namespace, core: Core) -> int:
    try:
        actor = cli_actor(args, core)
        preview = read_register_file(args.file, today=core.clock.today())
    except UserError as err:
        return fail(err.message)
    bad, good = preview.invalid_rows, preview.valid_rows
    if bad:
        for row in bad:
            print(f"rad {row.line_no}: {'; '.join(row.errors)}", file=sys.stderr)
        if not args.skip_invalid or not good:
            print(f"reception: {len(bad)} av {len(preview.rows)} rader har fel. Ingenting importerades. "
                  "Rätta raderna, eller använd --skip-invalid för att importera bara de giltiga.", file=sys.stderr)
            return EXIT_BAD_ROWS
    command = ImportRegisterCommand(tuple(RegisterImportRow.from_preview(r) for r in good),
                                    os.path.basename(args.file))
    try:
        count = ImportRegister(core).execute(command, actor)
    except ImportRefused as err:
        for problem in err.problems:
            print(f"rad {problem.line_no}: {'; '.join(problem.reasons)}", file=sys.stderr)
        fail(err.message)
        return EXIT_BAD_ROWS
    except UserError as err:
        return fail(err.message)
    skipped = f" {len(bad)} rader med fel hoppades över." if bad else ""
    print(f"Det lokala registret har nu {count} personer.{skipped}")
    return EXIT_OK
