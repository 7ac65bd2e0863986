"""CSV files for French spreadsheets: ``;``-separated, UTF-8 with a BOM, decimal commas, and no
cell a spreadsheet would run as a formula (a leading ``=``, ``+``, ``-``, ``@``, tab or carriage
return gets a ``'``: text from official files or users is hostile by default)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

import numpy as np

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object, decimals: int = 1) -> str:
    """One cell as text: integers plain, floats with a decimal comma, text defused."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "oui" if value else "non"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{decimals}f}".replace(".", ",")
    text = str(value).replace("\r", " ").replace("\n", " ")
    return "'" + text if text.startswith(FORMULA_START) else text


def french_csv(headers: Sequence[str], rows: Iterable[Sequence[object]], decimals: int = 1) -> bytes:
    """The rows as CSV bytes for a French spreadsheet (see the module docstring)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([cell(h) for h in headers])
    for row in rows:
        writer.writerow([cell(v, decimals) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
