"""The PostgreSQL login a desk uses: a role that owns nothing and may not change the schema.

`reception db grant --role NAME` runs `desk_role_sql` with the owner's login (or prints it with
`--sql` for a DBA to run). The role gets exactly what the app's routines, queries, the outbox, the
offline change feed (`reception_sync`, the triggers of db/migrations/versions/0002_offline_feed.py
run as the writing role) and LISTEN/NOTIFY need: SELECT/INSERT/UPDATE/DELETE on the tables, USAGE
and SELECT on the sequences. No CREATE, no TRUNCATE, no ownership, so no DDL: migrations run with the
owner through `reception db upgrade`. Default privileges give the role the same rights on tables a
later migration creates. LISTEN/NOTIFY and advisory locks need no grant. docs/decisions/security.md.
"""
from __future__ import annotations

import re

from sqlalchemy.engine import Connection

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
SCHEMAS = ("public", "reception_sync")
TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_RIGHTS = "USAGE, SELECT"


def check_role_name(role: str) -> str:
    if not ROLE_NAME.match(role):
        raise ValueError("Rollnamnet får bara innehålla små bokstäver a–z, siffror och _ (högst 63 tecken), "
                         "och börja med en bokstav eller _.")
    return role


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def desk_role_sql(role: str, database: str, password: str | None = None,
                  schemas: tuple[str, ...] = SCHEMAS) -> list[str]:
    """The statements that create (if missing) and grant the desk role; run by the schema's owner."""
    role = check_role_name(role)
    q = f'"{role}"'
    login = "LOGIN NOCREATEDB NOCREATEROLE"  # NOSUPERUSER etc. are the defaults (only a superuser may say them)
    statements = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(role)}) "
        f"THEN CREATE ROLE {q} {login}; END IF; END $$",
        f"ALTER ROLE {q} {login}" + (f" PASSWORD {_literal(password)}" if password else ""),
        f'GRANT CONNECT ON DATABASE "{database}" TO {q}',
        # PostgreSQL before 15 lets every role create in schema public; nobody but the owner should
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
    ]
    return statements + privilege_sql(role, schemas)


def privilege_sql(role: str, schemas: tuple[str, ...] = SCHEMAS) -> list[str]:
    """The grants alone: run again by `reception db upgrade` for every desk role, because a migration may
    add a schema (default privileges cover new tables and sequences, not new schemas)."""
    q = f'"{check_role_name(role)}"'
    statements = []
    for schema in schemas:
        statements += [
            f"GRANT USAGE ON SCHEMA {schema} TO {q}",
            f"GRANT {TABLE_RIGHTS} ON ALL TABLES IN SCHEMA {schema} TO {q}",
            f"GRANT {SEQUENCE_RIGHTS} ON ALL SEQUENCES IN SCHEMA {schema} TO {q}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {TABLE_RIGHTS} ON TABLES TO {q}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {SEQUENCE_RIGHTS} ON SEQUENCES TO {q}",
        ]
    # the schema version is the owner's: a desk reads it, never writes it
    statements.append(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {q}")
    # the audit trail grows and is masked (Anonymisera updates details), but a desk never removes a row
    statements.append(f"REVOKE DELETE ON audit_log FROM {q}")
    return statements


def _present_schemas(conn: Connection) -> tuple[str, ...]:
    return tuple(s for s in SCHEMAS
                 if conn.exec_driver_sql(f"SELECT to_regnamespace({_literal(s)})").scalar() is not None)


def desk_roles(conn: Connection) -> list[str]:
    """The roles that read the schema version without owning it: the desk roles `grant` made."""
    return list(conn.exec_driver_sql(
        "SELECT DISTINCT r.rolname FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a "
        "JOIN pg_roles r ON r.oid = a.grantee WHERE c.oid = to_regclass('public.alembic_version') "
        "AND a.privilege_type = 'SELECT' AND a.grantee <> c.relowner ORDER BY 1").scalars())


def regrant_desk_roles(conn: Connection) -> list[str]:
    """After an upgrade (same transaction as the caller's): the desk roles get the new schemas' rights."""
    roles = desk_roles(conn) if conn.dialect.name == "postgresql" else []
    schemas = _present_schemas(conn) if roles else ()
    for role in roles:
        for statement in privilege_sql(role, schemas):
            conn.exec_driver_sql(statement)
    return roles


def grant_desk_role(conn: Connection, role: str, password: str | None = None) -> list[str]:
    """Run `desk_role_sql` on the connected database (commits); returns the statements, password hidden."""
    if conn.exec_driver_sql("SELECT to_regclass('public.alembic_version')").scalar() is None:
        raise LookupError("Databasen har inga tabeller än – kör reception db upgrade först.")
    database = conn.exec_driver_sql("SELECT current_database()").scalar()
    present = _present_schemas(conn)
    statements = desk_role_sql(role, database, password, present)
    powerful = conn.exec_driver_sql(
        "SELECT rolsuper OR rolbypassrls OR rolreplication FROM pg_roles WHERE rolname = "
        f"{_literal(role)}").scalar()
    if powerful:
        raise LookupError(f"Rollen {role} är superanvändare eller kringgår radsäkerhet – den kan inte bli "
                          "kassornas roll. Välj ett annat namn; ingenting ändrades.")
    for statement in statements:
        conn.exec_driver_sql(statement)
    conn.commit()
    return desk_role_sql(role, database, "********" if password else None, present)
