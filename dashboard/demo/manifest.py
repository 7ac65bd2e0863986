"""What ``generate_demo`` returns: the list of files to import, in order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FILE_KINDS = ("communes", "stations", "iris-contours", "iris-indicators", "addresses", "reu-stations", "results")


@dataclass(frozen=True)
class DemoFile:
    kind: str                   # one of FILE_KINDS
    path: Path
    election: str | None = None   # for results: election id, e.g. "pres2022_t1"
    set_label: str | None = None  # for stations: boundary version label, e.g. "Contours 2022 (démo)"
    valid_from: str | None = None  # ISO date, for stations
    valid_to: str | None = None    # ISO date or None, for stations


@dataclass(frozen=True)
class DemoManifest:
    scale: str
    files: tuple[DemoFile, ...]   # import order: communes, stations 2022 then 2024, iris-contours,
                                  # iris-indicators, reu-stations, addresses, results
    truth_path: Path              # JSON with the true parameters used to simulate votes
