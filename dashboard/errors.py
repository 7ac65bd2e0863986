"""Typed errors carrying a French message for the user.

They are raised deep in the code and rendered only at the edges: the CLI prints
``str(error)`` and exits non-zero, pages call ``st.error(error.message_fr)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class IsoloirError(Exception):
    """Base class: ``message_fr`` is what the user reads."""

    def __init__(self, message_fr: str) -> None:
        super().__init__(message_fr)
        self.message_fr = message_fr


@dataclass(frozen=True)
class Location:
    """Where in a file a problem lies; every part is optional.

    ``line`` is the physical 1-based line of a text file (the header is line 1),
    or the 1-based row of a spreadsheet, or the 1-based feature number of a
    vector file (``feature=True``).
    """

    file: str | None = None
    line: int | None = None
    column: str | None = None
    feature: bool = False

    def describe(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(f"fichier « {Path(self.file).name} »")
        if self.line is not None:
            parts.append(f"{'entité' if self.feature else 'ligne'} {self.line}")
        if self.column:
            parts.append(f"colonne « {self.column} »")
        return ", ".join(parts)


class ImportRejected(IsoloirError):
    """A source file cannot be imported; the warehouse is left untouched."""

    def __init__(
        self,
        reason_fr: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        column: str | None = None,
        feature: bool = False,
    ) -> None:
        self.location = Location(str(file) if file else None, line, column, feature)
        self.reason_fr = reason_fr
        where = self.location.describe()
        super().__init__(f"Import refusé — {where} : {reason_fr}" if where else f"Import refusé : {reason_fr}")


class ConfigError(IsoloirError):
    """Bad settings (command-line option, environment variable, secrets)."""


class WarehouseMissing(IsoloirError):
    """The warehouse file does not exist yet."""
