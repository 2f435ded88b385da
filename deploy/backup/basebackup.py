"""`make backup`: a base backup of the primary into BACKUP_DIR/<UTC timestamp>/, verified
against its manifest, with a marker (row counts at a named restore point) that the restore
test compares; then retention: the newest BACKUP_KEEP backups and the WAL they need."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from . import walarchive
from .common import (
    BackupError,
    Database,
    Settings,
    Tools,
    human_bytes,
    is_segment_file,
    log,
    parse_lsn,
    segment_name,
    tree_size,
)

INFO_FILE = "backup.json"  # written last: a directory without it is not a backup
# The main tables whose row counts the marker records (boards, tasks, comments, activity).
MARKER_TABLES = ("boards_board", "tasks_task", "tasks_comment", "activity_activity")
MIGRATIONS_TABLE = "django_migrations"
BACKUP_NAME_FORMAT = "%Y%m%dT%H%M%SZ"


def take(settings: Settings, db: Database, tools: Tools, *, verify: bool = True) -> dict[str, Any]:
    """Start the WAL archive if needed, back up, verify, record the marker, apply retention."""
    walarchive.start(settings, db, tools)
    started_at = datetime.now(UTC)
    target = settings.backup_dir / started_at.strftime(BACKUP_NAME_FORMAT)
    if target.exists():
        raise BackupError(f"{target} exists already (two backups in one second?)")
    tools.run_as.make_dir(target)
    log(f"base backup of {db.display} into {target}")
    started = time.monotonic()
    tools.run(
        "pg_basebackup", f"--pgdata={target}", "--format=tar", "--gzip", "--wal-method=stream",
        # An immediate checkpoint: the backup starts now rather than after a spread one
        # (up to checkpoint_timeout), at the price of a burst of writes on the primary.
        "--checkpoint=fast", "--manifest-checksums=SHA256", f"--label=taskboard-{target.name}",
        "--no-password", f"--dbname={db.uri}",
        env=db.env(),
    )  # fmt: skip
    seconds = time.monotonic() - started
    extra = sorted(p.name for p in target.glob("*.tar*") if p.name.split(".")[0] not in ("base", "pg_wal"))
    if extra:
        raise BackupError(f"tablespaces ({', '.join(extra)}) are not supported by the restore test")
    manifest = json.loads((target / "backup_manifest").read_text())
    wal_range = manifest["WAL-Ranges"][0]
    info: dict[str, Any] = {
        "name": target.name,
        "started_at": started_at.isoformat(),
        "database": db.display,
        "user": db.user,
        "dbname": db.dbname,
        "seconds": round(seconds, 2),
        "size_bytes": tree_size(target.iterdir()),
        "timeline": int(wal_range["Timeline"]),
        "start_lsn": wal_range["Start-LSN"],
        "end_lsn": wal_range["End-LSN"],
    }
    info.update(_server_facts(db))
    if verify:
        info["verify_seconds"] = round(verify_backup(target, tools, settings), 2)
    info["marker"] = record_marker(db, f"taskboard-backup-{target.name}")
    _write_info(target, info)
    log(
        f"backup {target.name}: {human_bytes(info['size_bytes'])} in {seconds:.1f}s "
        f"(WAL {info['start_lsn']}..{info['end_lsn']}, verified: {verify})"
    )
    removed = prune(settings)
    if removed:
        log(f"retention (keep {settings.keep}): removed {', '.join(removed)}")
    return info


def _server_facts(db: Database) -> dict[str, Any]:
    with db.connect(autocommit=True) as conn:
        row = conn.execute(
            "SELECT current_setting('server_version'), (SELECT system_identifier FROM pg_control_system()), "
            "current_setting('wal_segment_size')"
        ).fetchone()
    assert row is not None
    size = row[2].upper().replace("B", "")
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    segment = int(size[:-1]) * units[size[-1]] if size[-1] in units else int(size)
    return {"server_version": row[0], "system_identifier": str(row[1]), "wal_segment_size": segment}


def record_marker(db: Database, name: str) -> dict[str, Any]:
    """Row counts of the main tables and a restore point, with writes to those tables held
    for the moment it takes: the counts are exactly the state at the restore point, so the
    restore test can compare them even while the app writes."""
    with db.connect() as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.transaction():
            # Never queue behind a long transaction and hold every writer behind us.
            conn.execute("SET LOCAL lock_timeout = '5s'")
            present = [t for t in (*MARKER_TABLES, MIGRATIONS_TABLE) if _exists(conn, t)]
            if present:
                tables = sql.SQL(", ").join(sql.Identifier(t) for t in present)
                conn.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(tables))
            counts: dict[str, int | None] = dict.fromkeys(MARKER_TABLES)
            for table in present:
                row = conn.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
                ).fetchone()
                assert row is not None
                counts[table] = int(row[0])
            point = conn.execute(
                "SELECT pg_create_restore_point(%s)::text, clock_timestamp()", [name]
            ).fetchone()
    assert point is not None
    migrations = counts.pop(MIGRATIONS_TABLE, None)
    return {
        "restore_point": name,
        "lsn": point[0],
        "time": point[1].isoformat(),
        "counts": counts,
        "migrations": migrations,
    }


def _exists(conn: psycopg.Connection[Any], table: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [table]).fetchone()
    return bool(row and row[0])


def unpack(backup: Path, data_dir: Path, tools: Tools) -> None:
    """Extract a tar-format backup into `data_dir` (owned by the server's user)."""
    tools.run_as.make_dir(data_dir)
    for archive, into in (("base.tar.gz", data_dir), ("pg_wal.tar.gz", data_dir / "pg_wal")):
        tools.run_as.make_dir(into)
        tools.run_as_user(["tar", "-xzf", str(backup / archive), "-C", str(into)])


def verify_backup(backup: Path, tools: Tools, settings: Settings) -> float:
    """pg_verifybackup on an extracted copy: every file against the manifest's checksum and
    the WAL from start to end parsed (PostgreSQL 15 verifies only plain-format backups)."""
    started = time.monotonic()
    scratch = make_scratch(settings, tools, "verify")
    try:
        unpack(backup, scratch / "data", tools)
        tools.run(
            "pg_verifybackup",
            "--quiet",
            f"--manifest-path={backup / 'backup_manifest'}",
            str(scratch / "data"),
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return time.monotonic() - started


def make_scratch(settings: Settings, tools: Tools, what: str) -> Path:
    """A temporary directory the server's user owns (BACKUP_SCRATCH_DIR, default the system's)."""
    parent = settings.scratch_dir
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"taskboard-{what}-", dir=parent))
    scratch.chmod(0o700)
    tools.run_as.give(scratch)
    return scratch


def _write_info(target: Path, info: dict[str, Any]) -> None:
    partial = target / f"{INFO_FILE}.tmp"
    partial.write_text(json.dumps(info, indent=2) + "\n")
    partial.rename(target / INFO_FILE)


def backups(settings: Settings) -> list[tuple[Path, dict[str, Any]]]:
    """The complete backups, oldest first."""
    found = []
    for info_file in sorted(settings.backup_dir.glob(f"*/{INFO_FILE}")):
        found.append((info_file.parent, json.loads(info_file.read_text())))
    return found


def prune(settings: Settings) -> list[str]:
    """Keep the newest BACKUP_KEEP complete backups, the WAL from the oldest kept one on,
    and any incomplete backup directory newer than the newest complete one (in progress)."""
    complete = backups(settings)
    if not complete:
        return []
    removed = []
    for path, _ in complete[: -settings.keep]:
        shutil.rmtree(path)
        removed.append(path.name)
    oldest_kept = complete[-settings.keep :][0][1]
    for path in settings.backup_dir.iterdir():
        # Failed backups (no backup.json) older than the oldest kept one.
        old = path.is_dir() and path.name[:1].isdigit() and path.name < oldest_kept["name"]
        if old and not (path / INFO_FILE).exists():
            shutil.rmtree(path)
            removed.append(path.name)
    cutoff = segment_name(
        oldest_kept["timeline"], parse_lsn(oldest_kept["start_lsn"]), oldest_kept["wal_segment_size"]
    )
    # As pg_archivecleanup: older segment numbers of any timeline go; history files stay.
    old_wal = [
        p for p in settings.wal_dir.glob("*") if is_segment_file(p.name) and p.name[8:24] < cutoff[8:24]
    ]
    for path in old_wal:
        path.unlink()
    if old_wal:
        removed.append(f"{len(old_wal)} WAL segments before {cutoff}")
    return removed
