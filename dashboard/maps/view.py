"""A map view: every choice that decides what the map shows, and its URL form.

The same :class:`MapView` is read from the address bar (``?election=…&mesure=…``),
edited by the Carte page's widgets, saved as a presentation slide in the
campaign store, and written back to the address bar, so that a link reopens
exactly the view. Parsing never fails: an unknown or hostile value falls
back to the default and is reported in ``problems``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace

from dashboard.maps.measure_types import BASES, INDICATOR_MODES, KINDS, Measure, TARGET_TYPES
from dashboard.maps.territory import Territory

LAYERS = {"bv": "Bureaux de vote", "iris": "Indicateurs IRIS"}
CLASS_METHODS = ("quantiles", "equal", "jenks")

# attribute -> query parameter (stable: links and saved views rely on these names)
PARAMS: dict[str, str] = {
    "layer": "couche",
    "election_id": "election",
    "kind": "mesure",
    "target_type": "cible_type",
    "target": "cible",
    "base": "base",
    "reference_id": "reference",
    "departements": "dep",
    "communes": "communes",
    "circonscription": "circo",
    "indicator": "indicateur",
    "indicator_year": "annee",
    "indicator_mode": "mode",
    "method": "methode",
    "classes": "classes",
    "zoom": "zoom",
    "title": "titre",
}
_MAX_TEXT = 200


@dataclass(frozen=True)
class MapView:
    layer: str = "bv"
    election_id: str = ""
    kind: str = "turnout"
    target_type: str = "bloc"
    target: str = ""
    base: str = "expressed"
    reference_id: str = ""
    departements: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    circonscription: str = ""
    indicator: str = ""
    indicator_year: int = 0
    indicator_mode: str = "value"
    method: str = "quantiles"
    classes: int = 5
    zoom: float | None = None  # None: fit the territory
    title: str = ""  # presentation title; empty: the measure's own

    @property
    def measure(self) -> Measure:
        return Measure(
            kind=self.kind, election_id=self.election_id, target_type=self.target_type,
            target=self.target or None, base=self.base, reference_id=self.reference_id or None,
            indicator=self.indicator or None, indicator_year=self.indicator_year, indicator_mode=self.indicator_mode,
        )

    @property
    def territory(self) -> Territory:
        return Territory(self.departements, self.communes, self.circonscription or None)

    def to_params(self) -> dict[str, str]:
        """Query parameters that differ from the defaults (short links)."""
        default = MapView()
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            out[PARAMS[f.name]] = ",".join(value) if isinstance(value, tuple) else _plain(value)
        return out

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["departements"] = list(self.departements)
        data["communes"] = list(self.communes)
        return data


def _plain(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class ParsedView:
    view: MapView
    problems: list[str] = field(default_factory=list)


def from_params(params: Mapping[str, str | list[str]]) -> ParsedView:
    """A view from query parameters (or a saved view's dict with the same names)."""
    values: dict[str, object] = {}
    problems: list[str] = []
    for attribute, name in PARAMS.items():
        if name not in params:
            continue
        raw = params[name]
        text = (raw[-1] if raw else "") if isinstance(raw, list) else str(raw)
        text = text.strip()[:_MAX_TEXT]
        try:
            values[attribute] = _parse(attribute, text)
        except ValueError:
            problems.append(f"paramètre « {name} » ignoré : valeur invalide")
    return ParsedView(replace(MapView(), **values), problems)


def from_dict(data: Mapping[str, object]) -> ParsedView:
    """A view from :meth:`MapView.to_dict` output (saved views)."""
    params = {
        PARAMS[key]: ",".join(value) if isinstance(value, list) else ("" if value is None else _plain(value))
        for key, value in data.items() if key in PARAMS
    }
    return from_params(params)


_CHOICES: dict[str, object] = {
    "layer": LAYERS, "kind": KINDS, "target_type": TARGET_TYPES, "base": BASES,
    "indicator_mode": INDICATOR_MODES, "method": CLASS_METHODS,
}


def _parse(attribute: str, text: str) -> object:
    if attribute in _CHOICES:
        if text not in _CHOICES[attribute]:  # type: ignore[operator]
            raise ValueError(attribute)
        return text
    if attribute in ("departements", "communes"):
        items = tuple(dict.fromkeys(item.strip() for item in text.split(",") if item.strip()))
        if any(not _is_code(item) for item in items):
            raise ValueError(attribute)
        return items
    if attribute == "classes":
        number = int(text)
        if not 2 <= number <= 9:
            raise ValueError(attribute)
        return number
    if attribute == "indicator_year":
        return int(text) if text else 0
    if attribute == "zoom":
        if not text:
            return None
        zoom = float(text)
        if not 0 <= zoom <= 20:
            raise ValueError(attribute)
        return zoom
    if attribute == "circonscription":
        if text and (text.count("-") != 1 or not all(_is_code(part) for part in text.split("-"))):
            raise ValueError(attribute)
        return text
    return text  # election ids, targets, indicators, titles: checked against the warehouse by the page


def _is_code(text: str) -> bool:
    return 0 < len(text) <= 12 and text.replace("_", "").isalnum()
