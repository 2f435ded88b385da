"""The claims: insert SentReminder (or SentDigest) rows, keep only those this insert created.

One INSERT ... ON CONFLICT DO NOTHING RETURNING per CLAIM_BATCH rows (PostgreSQL, and
SQLite from 3.35): a row another scan inserted first (committed, or committed while this
insert waited on it) is not returned, so its reminder is that scan's to send. The ORM's
bulk_create(ignore_conflicts=True) can't say which rows it inserted, hence the SQL.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection

from .models import SentDigest, SentReminder

CLAIM_BATCH = 1000  # rows per statement: 5,000 parameters, under SQLite's 32,766


@dataclass(frozen=True)
class Claim:
    # The task's board, written with the record (docs/scaling.md, "Past one primary").
    board_id: int
    task_id: int
    user_id: int
    offset_minutes: int
    due_at: datetime


def claim(*, claims: Sequence[Claim], sent_at: datetime) -> set[tuple[int, int, int]]:
    """Insert the records; the (task, user, offset) of those this call created."""
    created: set[tuple[int, int, int]] = set()
    for start in range(0, len(claims), CLAIM_BATCH):
        created |= _claim_batch(claims[start : start + CLAIM_BATCH], sent_at=sent_at)
    return created


def _claim_batch(claims: Sequence[Claim], *, sent_at: datetime) -> set[tuple[int, int, int]]:
    if not claims:
        return set()
    ops = connection.ops
    table = ops.quote_name(SentReminder._meta.db_table)
    stamp = ops.adapt_datetimefield_value(sent_at)
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(claims))
    params: list[Any] = []
    for item in claims:
        due = ops.adapt_datetimefield_value(item.due_at)
        params.extend([item.board_id, item.task_id, item.user_id, item.offset_minutes, due, stamp])
    sql = (
        f"INSERT INTO {table} (board_id, task_id, user_id, offset_minutes, due_at, sent_at) VALUES {rows} "  # noqa: S608
        "ON CONFLICT (task_id, user_id, offset_minutes, due_at) DO NOTHING "
        "RETURNING task_id, user_id, offset_minutes"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(int(task), int(user), int(offset)) for task, user, offset in cursor.fetchall()}


def claim_digests(*, digests: Sequence[tuple[int, date]], sent_at: datetime) -> set[int]:
    """Insert SentDigest rows for (user id, local date); the user ids this call created."""
    created: set[int] = set()
    ops = connection.ops
    table = ops.quote_name(SentDigest._meta.db_table)
    stamp = ops.adapt_datetimefield_value(sent_at)
    for start in range(0, len(digests), CLAIM_BATCH):
        batch = digests[start : start + CLAIM_BATCH]
        params: list[Any] = []
        for user_id, local_date in batch:
            params.extend([user_id, ops.adapt_datefield_value(local_date), stamp])
        rows = ", ".join(["(%s, %s, %s)"] * len(batch))
        sql = (
            f"INSERT INTO {table} (user_id, local_date, sent_at) VALUES {rows} "  # noqa: S608
            "ON CONFLICT (user_id, local_date) DO NOTHING RETURNING user_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            created |= {int(user_id) for (user_id,) in cursor.fetchall()}
    return created
