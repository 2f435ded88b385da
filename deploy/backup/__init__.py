"""Backups of the PostgreSQL primary: base backups, continuous WAL archiving with
pg_receivewal, and a restore test with point-in-time recovery (docs/operations.md
"Backups and restore"). Run as `python -m deploy.backup --help` from the project root."""
