"""Number formatting in the official styles, vectorised with lookup tables."""

from __future__ import annotations

import numpy as np


def hundredths(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``round(100 * num / den, 2)`` in hundredths of a percent, half up, exact integers (0 if den == 0)."""
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    safe = np.where(den > 0, den, 1)
    return np.where(den > 0, (num * 20_000 + safe) // (2 * safe), 0)


def _lut(style: str) -> np.ndarray:
    v = np.arange(10_001)
    ints = (v // 100).astype(str)
    dec = np.char.zfill((v % 100).astype(str), 2)
    if style == "2024":
        return np.strings.add(np.strings.add(np.strings.add(ints, ","), dec), "%")
    # 2022 ministry file as in the sample: decimal comma, trailing zeros dropped ("1,5", "2").
    dec_stripped = np.strings.rstrip(dec, "0")
    return np.where(dec_stripped == "", ints, np.strings.add(np.strings.add(ints, ","), dec_stripped))


_LUT_2022 = _lut("2022")
_LUT_2024 = _lut("2024")


def pct_2022(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Ministry 2017-2022 style: ``25,82``, ``1,5``, ``0``."""
    return _LUT_2022[hundredths(num, den)]


def pct_2024(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Ministry 2024 style: ``71,76%``, ``0,00%``."""
    return _LUT_2024[hundredths(num, den)]


def ints(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.int64).astype(str)


def zpad(a: np.ndarray, width: int) -> np.ndarray:
    return np.char.zfill(np.asarray(a, dtype=np.int64).astype(str), width)


def decimal_comma(values: np.ndarray, decimals: int) -> np.ndarray:
    """Fixed decimals with a decimal comma (``15,0``, ``0,409``); ``decimals == 0`` gives integers."""
    v = np.asarray(values, dtype=float)
    if decimals == 0:
        return np.round(v).astype(np.int64).astype(str)
    scaled = np.round(v * 10**decimals).astype(np.int64)
    neg = scaled < 0
    a = np.abs(scaled)
    out = np.strings.add(np.strings.add((a // 10**decimals).astype(str), ","),
                         np.char.zfill((a % 10**decimals).astype(str), decimals))
    return np.where(neg, np.strings.add("-", out), out)
