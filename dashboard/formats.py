"""French formats for what the user reads: ``54,3 %``, ``+2,1 pts``, ``1 234``, and times in Paris.

Every time the campaign store keeps is naive UTC (``store.backend.utc_now``); it is turned into
Europe/Paris time once, at display, by :func:`fmt_datetime` (or :func:`to_paris`).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def format_fr(value: float | int | None, decimals: int = 0) -> str:
    """French display: ``1234.5`` → ``"1 234,5"`` (narrow no-break space)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


NNBSP = "\u202f"  # narrow no-break space, before % and units
MINUS = "\u2212"


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_number(x: float | None, decimals: int = 0) -> str:
    """``1234.5`` → ``"1 235"`` (narrow no-break space thousands, comma decimals); ``"—"`` when missing."""
    return format_fr(x, decimals)


def fmt_percent(x: float | None, decimals: int = 1) -> str:
    """A ratio as a percentage: ``0.543`` → ``"54,3 %"``; ``"—"`` when missing."""
    if _missing(x):
        return "—"
    return f"{format_fr(float(x) * 100.0, decimals)}{NNBSP}%"


def fmt_points(x: float | None, decimals: int = 1) -> str:
    """A difference of ratios in percentage points, sign always shown.

    ``0.021`` → ``"+2,1 pts"``, ``-0.005`` → ``"−0,5 pt"`` (singular below 2
    points, as in French); a value that rounds to zero has no sign:
    ``"0,0 pt"``. ``"—"`` when missing.
    """
    if _missing(x):
        return "—"
    points = round(float(x) * 100.0, decimals)
    magnitude = format_fr(abs(points), decimals)
    unit = "pts" if abs(points) >= 2 else "pt"
    sign = "" if points == 0 else ("+" if points > 0 else MINUS)
    return f"{sign}{magnitude}{NNBSP}{unit}"


def fmt_margin(x: float | None, decimals: int = 1) -> str:
    """A lead in percentage points, unsigned: ``0.078`` → ``"7,8 pts"``."""
    return fmt_points(None if _missing(x) else abs(float(x)), decimals).lstrip("+")


PARIS = ZoneInfo("Europe/Paris")
PARIS_TIME = "heure de Paris"  # for column headers and captions: « le (heure de Paris) »


def paris_today() -> date:
    """Today's date in Europe/Paris (the server's clock may be UTC: from midnight to 1 or 2 a.m. in Paris,
    ``date.today()`` there is still yesterday)."""
    return datetime.now(PARIS).date()


def to_paris(value: datetime | None) -> datetime | None:
    """A stored timestamp (naive UTC, or aware) as an aware Europe/Paris time; None stays None."""
    if value is None or _missing_time(value):
        return None
    if not isinstance(value, datetime):  # a pandas Timestamp is a datetime; anything else is refused
        raise TypeError(f"not a datetime: {value!r}")
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return aware.astimezone(PARIS)


def fmt_datetime(value: datetime | None, *, seconds: bool = False) -> str:
    """A stored (naive UTC) timestamp in Paris time: ``dd/mm/yyyy HH:MM``; ``"—"`` when missing.

    ``datetime(2026, 3, 1, 10, 36)`` (UTC) → ``"01/03/2026 11:36"`` (winter time, UTC+1).
    """
    paris = to_paris(value)
    if paris is None:
        return "—"
    return paris.strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def fmt_date(value: date | None) -> str:
    """A calendar date (no time zone: an election day, a due date): ``dd/mm/yyyy``; ``"—"`` when missing."""
    if value is None or _missing_time(value):
        return "—"
    return value.strftime("%d/%m/%Y")


def _missing_time(value: object) -> bool:
    try:  # pandas' NaT is a datetime that strftime refuses; a float NaN may stand for a missing time
        return bool(value != value)  # noqa: PLR0124 - NaT and NaN are not equal to themselves
    except TypeError:
        return False
