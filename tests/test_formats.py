"""French formats: times shown in Europe/Paris, whatever the server's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd

from dashboard.formats import PARIS, fmt_date, fmt_datetime, to_paris


def test_stored_utc_times_are_shown_in_paris_time() -> None:
    assert fmt_datetime(datetime(2026, 3, 1, 10, 36)) == "01/03/2026 11:36"  # winter: UTC+1
    assert fmt_datetime(datetime(2026, 7, 1, 10, 36)) == "01/07/2026 12:36"  # summer: UTC+2
    assert fmt_datetime(datetime(2026, 3, 29, 0, 59, 30), seconds=True) == "29/03/2026 01:59:30"  # before the change
    assert fmt_datetime(datetime(2026, 3, 29, 1, 0)) == "29/03/2026 03:00"  # after it
    assert fmt_datetime(datetime(2026, 12, 31, 23, 30)) == "01/01/2027 00:30"  # the day (and year) changes too
    assert fmt_datetime(datetime(2026, 3, 1, 10, 36, tzinfo=UTC)) == "01/03/2026 11:36"  # aware: same moment
    assert fmt_datetime(pd.Timestamp("2026-03-01 10:36")) == "01/03/2026 11:36"
    assert to_paris(datetime(2026, 3, 1, 10, 36)).tzinfo == PARIS


def test_missing_times_and_dates_read_as_a_dash() -> None:
    for missing in (None, pd.NaT, float("nan")):
        assert fmt_datetime(missing) == "—"
        assert fmt_date(missing) == "—"
    assert fmt_date(date(2022, 4, 24)) == "24/04/2022"
