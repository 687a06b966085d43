"""The migrated schema is exactly the models, on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from db.migrate import alembic_config, head_revision
from db.models import Base


def test_migrations_equal_models(db):
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
        assert ctx.get_current_revision() == head_revision()
    assert diff == [], f"migrations and models differ on {db.dialect}: {diff}"


def test_migration_chain_is_linear():
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert revisions[-1].down_revision is None
