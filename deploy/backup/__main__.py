"""python -m deploy.backup backup | restore-test | wal-start | wal-stop | wal-status | list

Settings (environment, or the project's .env): BACKUP_DATABASE_URL (default DATABASE_URL: the
primary, a user with the REPLICATION attribute), BACKUP_DIR (var/backups), BACKUP_KEEP (7
base backups), BACKUP_SLOT (taskboard_backup_wal), BACKUP_SCRATCH_DIR (the system's temporary
directory: where the restore test and the verification unpack), BACKUP_RECEIVER_RECONNECT
(true; false: pg_receivewal ends with its connection, for throwaway primaries). docs/operations.md
"Backups and restore".
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

import psycopg

from . import basebackup, restore, walarchive
from .common import BackupError, Database, Settings, Tools, fail, human_bytes


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.backup", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    backup = commands.add_parser("backup", help="base backup + marker, starting the WAL archive if needed")
    backup.add_argument("--no-verify", action="store_true", help="skip pg_verifybackup")
    test = commands.add_parser("restore-test", help="restore the newest backup and check it")
    test.add_argument("--target-time", type=datetime.fromisoformat, help="PITR target (ISO 8601 with zone)")
    test.add_argument("--offline", action="store_true", help="do not touch the primary (no canary, no wait)")
    test.add_argument("--expect-row", action="append", default=[], metavar="SQL", help="must return a row")
    test.add_argument("--expect-no-row", action="append", default=[], metavar="SQL", help="must return none")
    test.add_argument("--keep-scratch", action="store_true", help="keep the restored directory")
    test.add_argument("--timeout", type=float, default=600, help="seconds to wait for each replay")
    test.add_argument("--json", action="store_true", help="print the outcome as JSON on the last line")
    commands.add_parser("wal-start", help="start pg_receivewal (with its slot) unless it runs")
    stop = commands.add_parser("wal-stop", help="stop pg_receivewal")
    stop.add_argument("--drop-slot", action="store_true", help="and drop its slot on the primary")
    commands.add_parser("wal-status", help="the receiver, its slot, the archive")
    commands.add_parser("list", help="the complete backups")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_environment()
        tools = Tools()
        if args.command == "list":
            for path, info in basebackup.backups(settings):
                size = human_bytes(info["size_bytes"])
                print(f"{path.name}  {size:>10}  {info['seconds']:6.1f}s  {info['database']}")
            return 0
        if args.command == "restore-test":
            return _restore_test(args, settings, tools)
        db = Database.from_url(settings.database_url)
        if args.command == "backup":
            basebackup.take(settings, db, tools, verify=not args.no_verify)
        elif args.command == "wal-start":
            walarchive.start(settings, db, tools)
        elif args.command == "wal-stop":
            walarchive.stop(settings, db, tools, drop_slot=args.drop_slot)
        elif args.command == "wal-status":
            print(json.dumps(walarchive.status(settings, db), indent=2))
    except BackupError as exc:
        return fail(str(exc))
    except psycopg.Error as exc:
        # A connection or permission error: libpq's message names no password.
        return fail(f"database: {exc}")
    return 0


def _restore_test(args: argparse.Namespace, settings: Settings, tools: Tools) -> int:
    db = None if args.offline else Database.from_url(settings.database_url)
    if args.target_time is not None and args.target_time.tzinfo is None:
        raise BackupError("--target-time needs a time zone (e.g. 2026-12-05T14:00:00+00:00)")
    outcome = restore.run(
        settings,
        db,
        tools,
        target_time=args.target_time,
        expect_rows=tuple(args.expect_row),
        expect_no_rows=tuple(args.expect_no_row),
        keep_scratch=args.keep_scratch,
        timeout=args.timeout,
    )
    figures = outcome.figures
    if "replay_seconds" in figures:
        print(
            f"backup {outcome.backup}: {human_bytes(figures['backup_size_bytes'])}, "
            f"{figures['backup_seconds']}s to back up; {figures['restore_seconds']}s to unpack and verify, "
            f"{figures['replay_seconds']}s to replay {human_bytes(figures['wal_bytes_replayed'])} of WAL "
            f"to {figures['target']}",
            flush=True,
        )
    print(f"restore test: {'PASSED' if outcome.passed else 'FAILED'}", flush=True)
    if args.json:
        print(json.dumps(outcome.as_dict()), flush=True)
    return 0 if outcome.passed else 1


if __name__ == "__main__":
    sys.exit(main())
