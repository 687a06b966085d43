"""`reception preorders import`: import a pre-order CSV file from the command line (SPEC §7).

For account managers whose organisation customers live in an external system:

    reception preorders import --org 556074-3089 --product GYM --from 2026-12-01 --to 2027-11-30 \\
        [--user NAMN] [--password-stdin | --keyring] [--skip-invalid] lista.csv

The same parser and the same ImportPreOrders routine as the dialog: the user
(--user, default the operating-system login name) proves who they are with their
password (asked on the terminal, or --password-stdin / --keyring: app/cli_auth.py)
and must have the right "Organisationer"; every row is checked, also against the organisation's open
pre-orders for the product. Decision: if any row is bad, nothing is imported —
the row report (line number and reason) goes to stderr and the exit code is 1 —
unless --skip-invalid is given; then the valid rows are imported and the bad
ones are still reported. Exit codes: 0 imported, 1 bad rows (nothing written),
2 the import could not start (file not CSV / empty / too big, unknown
organisation, product, wrong user or password, missing right, bad dates; nothing written).
"""
from __future__ import annotations

import argparse
import sys

from sqlalchemy import select

from app.cli_auth import add_user_arguments, cli_actor
from app.cli_common import fail, iso_date
from app.context import Actor, Core
from app.domain.orgnr import parse_orgnr
from app.domain.preorder_csv import ImportPreview, apply_existing_open, read_preorder_file
from app.errors import NotFound, UserError, ValidationError
from app.queries.organisations import open_preorder_keys, products_on_org_price_list
from app.routines.organisations import ImportPreOrders, ImportPreOrdersCommand, ImportRefused, ImportRow

COMMAND = "preorders"
EXIT_OK, EXIT_BAD_ROWS, EXIT_REFUSED = 0, 1, 2



def add_parser(sub) -> None:
    parser = sub.add_parser(COMMAND, help="förbeställningar för organisationer")
    actions = parser.add_subparsers(dest="preorders_action", required=True)
    imp = actions.add_parser("import", help="importera förbeställningar från en CSV-fil",
                             description="Importera förbeställningar från en CSV-fil med raderna "
                                         "namn,personnummer,e-postadress eller namn,födelsedatum,e-postadress. "
                                         "Finns en felaktig rad importeras ingenting (utom med --skip-invalid).")
    imp.add_argument("--org", required=True, metavar="ORGNR", help="organisationsnummer, t.ex. 556074-3089")
    imp.add_argument("--product", required=True, metavar="ID",
                     help="produktens id eller kod (på organisationens prislista)")
    imp.add_argument("--from", dest="valid_from", required=True, type=iso_date, metavar="ÅÅÅÅ-MM-DD",
                     help="giltig från")
    imp.add_argument("--to", dest="valid_to", required=True, type=iso_date, metavar="ÅÅÅÅ-MM-DD",
                     help="giltig till")
    add_user_arguments(imp)
    imp.add_argument("--skip-invalid", action="store_true",
                     help="importera de giltiga raderna även om andra rader har fel")
    imp.add_argument("file", metavar="FIL", help="CSV-filen")



def _organisation_and_product(core: Core, actor: Actor, orgnr_text: str, product_text: str) -> tuple[int, str, int]:
    from db.models import Organisation, Product

    orgnr = parse_orgnr(orgnr_text)
    with core.sessions() as session:
        org = session.scalar(select(Organisation).where(Organisation.org_number == orgnr))
        if org is None:
            raise NotFound(f"Det finns ingen organisation med organisationsnummer {orgnr}.")
        product_id = int(product_text) if product_text.isdigit() else session.scalar(
            select(Product.id).where(Product.code == product_text))
        allowed = products_on_org_price_list(session, actor, org.id)
        if product_id not in {p.id for p in allowed}:
            names = ", ".join(f"{p.id} ({p.name})" for p in allowed) or "inga – organisationen saknar prislista"
            raise ValidationError(f"Produkten ”{product_text}” finns inte på organisationens prislista. "
                                  f"Möjliga produkter: {names}.")
        return org.id, f"{org.name} ({org.org_number})", product_id


def _report(preview: ImportPreview) -> None:
    for row in preview.invalid_rows:
        print(f"rad {row.line_no}: {'; '.join(row.errors)}", file=sys.stderr)


def run(args: argparse.Namespace, core: Core) -> int:
    try:
        return _import(args, core)
    finally:
        core.engine.dispose()  # the command ends here: close pooled connections (the engine stays usable)


def _import(args: argparse.Namespace, core: Core) -> int:
    try:
        actor = cli_actor(args, core)
        org_id, org_label, product_id = _organisation_and_product(core, actor, args.org, args.product)
        preview = read_preorder_file(args.file, today=core.clock.today())
        with core.sessions() as session:
            preview = apply_existing_open(preview, open_preorder_keys(session, actor, org_id, product_id))
    except UserError as err:
        return fail(err.message)

    bad, good = preview.invalid_rows, preview.valid_rows
    if bad:
        _report(preview)
        if not args.skip_invalid or not good:
            print(f"reception: {len(bad)} av {len(preview.rows)} rader har fel. Ingenting importerades. "
                  "Rätta raderna, eller använd --skip-invalid för att importera bara de giltiga.", file=sys.stderr)
            return EXIT_BAD_ROWS
    command = ImportPreOrdersCommand(org_id, product_id, args.valid_from, args.valid_to,
                                     tuple(ImportRow.from_preview(r) for r in good))
    try:
        count = ImportPreOrders(core).execute(command, actor)
    except ImportRefused as err:
        for problem in err.problems:
            print(f"rad {problem.line_no}: {'; '.join(problem.reasons)}", file=sys.stderr)
        fail(err.message)
        return EXIT_BAD_ROWS
    except UserError as err:
        return fail(err.message)
    skipped = f" {len(bad)} rader med fel hoppades över." if bad else ""
    print(f"Importerade {count} förbeställningar för {org_label}.{skipped}")
    return EXIT_OK
