"""Canvassing zones (issue 6), pure domain: no Streamlit.

``selection`` (lasso → valid polygon, addresses and stations a zone covers, selection by
attribute), ``counts`` (registered electors, address points, estimated doors, scores of a
zone), ``turfs`` (cutting a zone into turfs of about N doors), ``walklist`` (walking order,
CSV) and ``walklist_pdf`` (printable A4 sheet). ``sources`` holds the warehouse reads
(bound parameters only). Coordinates are lon/lat degrees, EPSG:4326, unless a name says metres.
"""

from dashboard.canvass.counts import ZoneCounts, estimate_doors, estimate_electors, zone_counts, zone_counts_for
from dashboard.canvass.errors import CanvassError, LassoError
from dashboard.canvass.housenumbers import HouseNumber, parse_housenumber, parse_housenumbers
from dashboard.canvass.selection import (
    Selection, combine, lasso_polygon, points_in_polygon, select, select_by_value, select_commune, select_iris,
    select_stations, stations_at_least,
)
from dashboard.canvass.turfs import Turf, TurfPlan, cut_turfs
from dashboard.canvass.walklist import in_walk_order, order_walk, walk_address_ids, walklist_csv
from dashboard.canvass.walklist_pdf import walklist_pdf

__all__ = [
    "CanvassError",
    "HouseNumber",
    "LassoError",
    "Selection",
    "Turf",
    "TurfPlan",
    "ZoneCounts",
    "combine",
    "cut_turfs",
    "estimate_doors",
    "estimate_electors",
    "in_walk_order",
    "lasso_polygon",
    "order_walk",
    "parse_housenumber",
    "parse_housenumbers",
    "points_in_polygon",
    "select",
    "select_by_value",
    "select_commune",
    "select_iris",
    "select_stations",
    "stations_at_least",
    "walk_address_ids",
    "walklist_csv",
    "walklist_pdf",
    "zone_counts",
    "zone_counts_for",
]
