"""What an import did: rows read, imported, skipped (with reasons), warnings, joins."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from dashboard.formats import format_fr


# Kinds read from vector files: what they skip are features, numbered in the file.
_FEATURE_KINDS = frozenset({"stations", "iris-contours", "communes"})


@dataclass
class Skipped:
    """Rows left out for one reason; ``lines`` keeps the first few line numbers."""

    reason_fr: str
    count: int
    lines: list[int] = field(default_factory=list)


@dataclass
class InvalidRow:
    """One row (or feature) left out by ``--skip-invalid``: where, why, and the value read."""

    line: int
    reason_fr: str
    column: str | None = None
    value: str | None = None


@dataclass
class ImportReport:
    """The report of one import, printed by the CLI and kept in ``import_log``."""

    kind: str
    file: str
    format: str = ""
    rows_read: int = 0
    rows_imported: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    joins: dict[str, Any] = field(default_factory=dict)
    invalid_rows: list[InvalidRow] = field(default_factory=list)

    @property
    def rows_skipped(self) -> int:
        return sum(s.count for s in self.skipped) + len(self.invalid_rows)

    def reject(self, line: int, reason_fr: str, column: str | None = None, value: str | None = None) -> None:
        """List one invalid row or feature left out (``--skip-invalid``); every one is kept, with its line."""
        self.invalid_rows.append(InvalidRow(line, reason_fr, column, value))

    def skip(self, reason_fr: str, lines: list[int], *, limit: int | None = 10) -> None:
        """Record skipped rows; ``limit=None`` keeps every number (skipped geometry features)."""
        if lines:
            self.skipped.append(Skipped(reason_fr, len(lines), sorted(lines)[:limit]))

    def warn(self, message_fr: str) -> None:
        self.warnings.append(message_fr)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rows_skipped"] = self.rows_skipped
        return data

    def lines_fr(self) -> list[str]:
        """The report as French text lines, for the CLI and the UI."""
        out = [
            f"{self.file} — {self.format or self.kind}",
            f"  lignes lues : {format_fr(self.rows_read)} ; importées : {format_fr(self.rows_imported)} ; "
            f"ignorées : {format_fr(self.rows_skipped)}",
        ]
        unit = "entités" if self.kind in _FEATURE_KINDS else "lignes"
        for s in self.skipped:
            where = ", ".join(str(n) for n in s.lines)
            more = "…" if s.count > len(s.lines) else ""
            out.append(f"    · {format_fr(s.count)} ignorée(s) : {s.reason_fr} ({unit} {where}{more})")
        if self.invalid_rows:
            out.append(f"    · {format_fr(len(self.invalid_rows))} invalide(s) ignorée(s) (--skip-invalid) :")
            for row in self.invalid_rows:
                column = f", colonne « {row.column} »" if row.column else ""
                value = f" : « {row.value} »" if row.value is not None else ""
                out.append(f"      ligne {row.line}{column} : {row.reason_fr}{value}")
        for key, value in self.details.items():
            out.append(f"  {key} : {value}")
        for key, value in self.joins.items():
            out.append(f"  {key} : {value}")
        for w in self.warnings:
            out.append(f"  ⚠ {w}")
        return out
