"""French number formats for what the user reads: ``54,3 %``, ``+2,1 pts``, ``1 234``."""

from __future__ import annotations

import math


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
