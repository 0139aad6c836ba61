"""The audit chain's head row and unique sequence, and triggers that keep the log append-only."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-24T12:22:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit chain: head row, unique seq, append-only triggers"

GENESIS = "0" * 64

COMMON = (
    "CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq)",
    "CREATE INDEX sessions_expiry ON sessions (expires_at)",
    f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS}')",
)

SQLITE = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)

POSTGRES = (
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log"
    " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orderly", description=DESCRIPTION)

    async def run():
        from piccolo.engine.postgres import PostgresEngine

        from server.db.tables import AuditHead

        postgres = isinstance(AuditHead._meta.db, PostgresEngine)
        for sql in (*COMMON, *(POSTGRES if postgres else SQLITE)):
            await AuditHead.raw(sql)

    manager.add_raw(run)
    return manager
