"""`make backup` and `make restore-test` (deploy/backup/, docs/operations.md "Backups and
restore") against the suite's own primary: a base backup with the WAL archive running, rows
written after it, then a restore with point-in-time recovery. The commands run as the
subprocesses `make` runs (`python -m deploy.backup`), as root through runuser like the
suite's servers."""

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from boards.models import Board
from tasks.models import Task
from tasks.tests.factories import CommentFactory, TaskFactory

pytestmark = pytest.mark.postgresql

ROOT = Path(__file__).resolve().parents[2]


class BackupCli:
    def __init__(self, env: dict[str, str], backup_dir: Path) -> None:
        self.env = env
        self.backup_dir = backup_dir

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "deploy.backup", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if check:
            assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stdout}{result.stderr}"
        return result

    def restore_test(self, *args: str) -> dict[str, Any]:
        result = self("restore-test", "--json", "--timeout=60", *args, check=False)
        print(result.stdout, result.stderr)
        outcome: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        assert (result.returncode == 0) == outcome["passed"]
        return outcome

    def newest_info(self) -> dict[str, Any]:
        info: dict[str, Any] = json.loads(sorted(self.backup_dir.glob("*/backup.json"))[-1].read_text())
        return info


@pytest.fixture
def backup_cli(pg_cluster: Any, transactional_db: None) -> Iterator[BackupCli]:
    """The commands against the test database, with a backup directory, a slot and a
    scratch directory of their own in the suite's run directory (reachable by `postgres`)."""
    run = uuid.uuid4().hex[:8]
    base = pg_cluster.primary.directory.parent
    backup_dir = base / f"backups-{run}"
    env = {
        **os.environ,
        "BACKUP_DATABASE_URL": pg_cluster.primary.url(connections["default"].settings_dict["NAME"]),
        "BACKUP_DIR": str(backup_dir),
        "BACKUP_SLOT": f"taskboard_backup_test_{run}",
        "BACKUP_SCRATCH_DIR": str(base / f"backup-scratch-{run}"),
        "BACKUP_KEEP": "1",
        # A run killed outright must not leave a receiver retrying a primary that is gone.
        "BACKUP_RECEIVER_RECONNECT": "false",
    }
    cli = BackupCli(env, backup_dir)
    try:
        yield cli
    finally:
        # The receiver would otherwise outlive the suite, and its slot hold WAL.
        cli("wal-stop", "--drop-slot", check=False)
        shutil.rmtree(backup_dir, ignore_errors=True)
        shutil.rmtree(base / f"backup-scratch-{run}", ignore_errors=True)


def test_backup_then_a_point_in_time_restore_brings_back_what_was_written_before_the_target(
    backup_cli: BackupCli,
) -> None:
    comment = CommentFactory.create()
    TaskFactory.create_batch(3, list=comment.task.list)

    # The restore test runs pg_verifybackup on these very files; the drills verify at backup.
    backup_cli("backup", "--no-verify")

    info = backup_cli.newest_info()
    assert info["marker"]["counts"] == {
        "boards_board": Board.objects.count(),
        "tasks_task": 4,
        "tasks_comment": 1,
        "activity_activity": 0,
    }
    assert info["marker"]["migrations"] > 0
    assert {p.name for p in (backup_cli.backup_dir / info["name"]).iterdir()} >= {
        "base.tar.gz", "pg_wal.tar.gz", "backup_manifest", "backup.json",
    }  # fmt: skip
    # Written after the base backup: only the WAL archive has it.
    later = TaskFactory.create(list=comment.task.list, title="written after the backup")

    # The restore test writes its canary rows around the target itself.
    outcome = backup_cli.restore_test("--expect-row", f"SELECT 1 FROM tasks_task WHERE id = {later.pk}")

    assert outcome["passed"], outcome
    checks = {check["name"]: check for check in outcome["checks"]}
    assert checks["tasks_task rows"]["ok"]
    assert checks["the Django migration table is there"]["ok"]
    assert checks["PITR: the row written before the target is there"]["ok"]
    assert checks["PITR: the row written after the target is not"]["ok"]
    figures = outcome["figures"]
    assert figures["backup_size_bytes"] == info["size_bytes"] > 0
    assert figures["wal_bytes_replayed"] > 0


@pytest.mark.drill
def test_an_explicit_target_time_restores_the_rows_before_it_and_not_after(backup_cli: BackupCli) -> None:
    backup_cli("backup")
    before = TaskFactory.create(title="before the target")
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        row = cursor.fetchone()
    assert row is not None
    (moment,) = row
    after = TaskFactory.create(list=before.list, title="after the target")

    outcome = backup_cli.restore_test(
        "--target-time", moment.isoformat(),
        "--expect-row", f"SELECT 1 FROM tasks_task WHERE id = {before.pk}",
        "--expect-no-row", f"SELECT 1 FROM tasks_task WHERE id = {after.pk}",
    )  # fmt: skip

    assert outcome["passed"], outcome
    assert Task.objects.count() == 2


@pytest.mark.drill
def test_retention_keeps_the_newest_backups_and_the_wal_they_need(backup_cli: BackupCli) -> None:
    backup_cli("backup", "--no-verify")
    first = backup_cli.newest_info()
    backup_cli("backup")  # and verified
    second = backup_cli.newest_info()

    # BACKUP_KEEP=1: only the second is left, with every WAL segment from its start on.
    assert [p.parent.name for p in backup_cli.backup_dir.glob("*/backup.json")] == [second["name"]]
    assert second["verify_seconds"] > 0
    segments = sorted(p.name[:24] for p in (backup_cli.backup_dir / "wal").glob("0*"))
    assert segments[0][8:] == _segment(second["start_lsn"])[8:] > _segment(first["start_lsn"])[8:]
    outcome = backup_cli.restore_test()
    assert outcome["passed"], outcome


def _segment(lsn: str) -> str:
    high, low = (int(part, 16) for part in lsn.split("/"))
    segment = ((high << 32) + low) // (16 * 1024 * 1024)
    return f"00000001{segment // 256:08X}{segment % 256:08X}"
