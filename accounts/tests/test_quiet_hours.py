"""The end of quiet hours in the reader's zone, across DST changes (two zones, both ways)."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from accounts.notification_preferences import QuietHours
from accounts.quiet_hours import quiet_hours_end

NIGHT = QuietHours(start=time(22), end=time(7))
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "at", "expected"),
    [
        # Berlin springs forward on 2027-03-28: 23:00 CET → 07:00 CEST (UTC+2), 7 hours later.
        (BERLIN, utc(2027, 3, 27, 22), utc(2027, 3, 28, 5)),
        # Berlin falls back on 2027-10-31: 23:00 CEST → 07:00 CET (UTC+1), 9 hours later.
        (BERLIN, utc(2027, 10, 30, 21), utc(2027, 10, 31, 6)),
        # New York springs forward on 2027-03-14: 23:00 EST → 07:00 EDT (UTC-4).
        (NEW_YORK, utc(2027, 3, 14, 4), utc(2027, 3, 14, 11)),
        # New York falls back on 2027-11-07: 23:00 EDT → 07:00 EST (UTC-5).
        (NEW_YORK, utc(2027, 11, 7, 3), utc(2027, 11, 7, 12)),
        # The morning part: 03:00 local ends the same day (the 2 a.m. Berlin gap passed).
        (BERLIN, utc(2027, 3, 28, 1), utc(2027, 3, 28, 5)),
        # On an ordinary night, in both zones.
        (BERLIN, utc(2027, 1, 10, 21, 30), utc(2027, 1, 11, 6)),
        (NEW_YORK, utc(2027, 1, 11, 3), utc(2027, 1, 11, 12)),
    ],
)
def test_quiet_hours_end_at_seven_local_whatever_the_clock_change(
    zone: ZoneInfo, at: datetime, expected: datetime
) -> None:
    assert quiet_hours_end(at=at, zone=zone, quiet=NIGHT) == expected


def test_outside_quiet_hours_there_is_no_delay() -> None:
    assert quiet_hours_end(at=utc(2027, 3, 28, 12), zone=BERLIN, quiet=NIGHT) is None
    # 07:00 EST: the end itself is outside.
    assert quiet_hours_end(at=utc(2027, 11, 7, 12), zone=NEW_YORK, quiet=NIGHT) is None
    assert quiet_hours_end(at=utc(2027, 3, 28, 12), zone=BERLIN, quiet=None) is None


def test_an_end_in_the_spring_forward_gap_is_read_with_the_offset_before_it() -> None:
    # 02:30 doesn't exist in Berlin on 2027-03-28: the end is 01:30 UTC (03:30 CEST).
    quiet = QuietHours(start=time(22), end=time(2, 30))
    end = quiet_hours_end(at=utc(2027, 3, 27, 22), zone=BERLIN, quiet=quiet)
    assert end == utc(2027, 3, 28, 1, 30)
    assert end is not None
    assert end.astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"


def test_an_end_that_occurs_twice_is_its_first_occurrence() -> None:
    # 01:30 happens twice in New York on 2027-11-07: first in EDT (05:30 UTC).
    quiet = QuietHours(start=time(22), end=time(1, 30))
    assert quiet_hours_end(at=utc(2027, 11, 7, 3), zone=NEW_YORK, quiet=quiet) == utc(2027, 11, 7, 5, 30)


def test_quiet_hours_within_one_day() -> None:
    lunch = QuietHours(start=time(12), end=time(13))
    assert quiet_hours_end(at=utc(2027, 6, 1, 10, 30), zone=BERLIN, quiet=lunch) == utc(2027, 6, 1, 11)
    assert quiet_hours_end(at=utc(2027, 6, 1, 11, 30), zone=BERLIN, quiet=lunch) is None
