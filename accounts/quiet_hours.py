"""When a reminder may go out: now, or at the end of the reader's quiet hours.

Quiet hours are local clock times in the reader's zone and may pass midnight (22:00-07:00).
The end is a wall-clock time on a local date, turned into UTC by zoneinfo, so a night that
crosses a DST change ends at 07:00 local, not a fixed number of hours later. An end that
falls in a spring-forward gap (02:30 on that night in Berlin) doesn't exist: fold=0 reads
it with the offset before the change, which lands the same distance past the gap's start
(03:30 local). An end that occurs twice (fall-back) is its first occurrence (fold=0).
"""

import datetime
from zoneinfo import ZoneInfo

from .notification_preferences import QuietHours


def quiet_hours_end(
    *, at: datetime.datetime, zone: ZoneInfo, quiet: QuietHours | None
) -> datetime.datetime | None:
    """The UTC instant the quiet hours around `at` end, or None when `at` is outside them."""
    if quiet is None or quiet.start == quiet.end:
        return None
    local = at.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    end_date: datetime.date | None = None
    if quiet.start < quiet.end:  # within one day (e.g. 13:00-14:00)
        if quiet.start <= clock < quiet.end:
            end_date = local.date()
    elif clock >= quiet.start:  # past midnight: the evening part ends tomorrow
        end_date = local.date() + datetime.timedelta(days=1)
    elif clock < quiet.end:  # the morning part ends today
        end_date = local.date()
    if end_date is None:
        return None
    end = datetime.datetime.combine(end_date, quiet.end, tzinfo=zone).replace(fold=0)
    return end.astimezone(datetime.UTC)
