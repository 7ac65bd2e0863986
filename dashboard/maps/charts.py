"""Altair charts of results and indicators (pure: data frames in, charts out; no Streamlit).

Numbers are shown the French way although Vega-Lite formats them the English way:
tooltips and labels read pre-formatted text columns, and axes rewrite Vega's output with
a ``labelExpr`` (``0.25`` → ``25 %``, ``1234.5`` → ``1 234,5``). Text is never HTML.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from dashboard.formats import NNBSP, fmt_percent
from dashboard.formats import format_fr

AnyChart = alt.Chart | alt.LayerChart | alt.VConcatChart

_FORMAT = re.compile(r"^(,?)(?:\.(\d+))?([%fd])$")


# -- French formatting ------------------------------------------------------
def format_value(value: float | None, fmt: str = ".1%") -> str:
    """Python twin of a d3 format, French style: ``.1%`` → ``12,3 %``, ``,.0f`` → ``1 234``."""
    if value is None or pd.isna(value):
        return "—"
    match = _FORMAT.match(fmt)
    decimals = int(match.group(2) or 0) if match else 2
    if match and match.group(3) == "%":
        return fmt_percent(float(value), decimals)
    return format_fr(float(value), decimals)


def format_significant(value: float | None, digits: int = 3) -> str:
    """French number with about ``digits`` significant digits (``0.000123`` → ``0,000123``)."""
    if value is None or pd.isna(value) or not np.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return format_fr(round(float(value), decimals), decimals)


def fr_label_expr(fmt: str) -> str:
    """A Vega ``labelExpr`` formatting an axis value with d3 ``fmt`` then in French."""
    return (
        f"replace(replace(replace(format(datum.value, '{fmt}'), regexp(',', 'g'), '{NNBSP}'), '.', ','), '%', '{NNBSP}%')"
    )


def _axis(fmt: str, **kwargs: object) -> alt.Axis:
    return alt.Axis(format=fmt, labelExpr=fr_label_expr(fmt), **kwargs)


def _bloc_scale(frame: pd.DataFrame) -> alt.Scale:
    """Colour scale bloc label → bloc colour, in the blocs' political order when known."""
    cols = ["bloc_label", "bloc_color"] + (["bloc_order"] if "bloc_order" in frame else [])
    pairs = frame[cols].dropna(subset=["bloc_label"]).drop_duplicates("bloc_label")
    if "bloc_order" in pairs:
        pairs = pairs.sort_values("bloc_order")
    return alt.Scale(domain=pairs["bloc_label"].tolist(), range=pairs["bloc_color"].fillna("#9e9e9e").tolist())


def _empty(message: str) -> alt.Chart:
    return alt.Chart(pd.DataFrame({"text": [message]})).mark_text(size=14, color="#666").encode(text="text:N")


# -- charts -----------------------------------------------------------------
LABEL_ROOM = 0.09  # share of the axis kept right of the longest bar for its label (« 55,6 % »)


def share_domain(shares: Sequence[float] | pd.Series) -> float:
    """The right end of a share axis that holds every bar and its label: the longest share plus
    ``LABEL_ROOM``, rounded up to the next 10 %, at most 100 %."""
    values = pd.to_numeric(pd.Series(list(shares), dtype=float), errors="coerce")
    longest = float(values[np.isfinite(values)].max()) if np.isfinite(values).any() else 0.0
    return min(1.0, math.ceil(round((max(longest, 0.0) + LABEL_ROOM) * 10, 6)) / 10)


def _share_bars(frame: pd.DataFrame, share: str, scale: alt.Scale, x_max: float) -> alt.LayerChart:
    """Horizontal bars of ``share`` per candidate, longest first, each labelled with its share (the
    leader's in bold); the axis runs from 0 to ``x_max`` exactly (no « nice » rounding past it)."""
    data = frame.assign(
        share_text=[format_value(v, ".1%") for v in frame[share]],
        votes_text=[format_value(v, ",.0f") for v in frame["votes"]],
    )
    data["leader"] = data[share] >= data[share].max()
    order = data.sort_values(share, ascending=False, kind="stable")["candidate"].drop_duplicates().tolist()
    y = alt.Y("candidate:N", title=None, sort=order, axis=alt.Axis(labelLimit=240, minExtent=240))
    tooltip = [
        alt.Tooltip("candidate:N", title="Candidat ou liste"),
        alt.Tooltip("bloc_label:N", title="Bloc"),
        alt.Tooltip("votes_text:N", title="Voix"),
        alt.Tooltip("share_text:N", title="Part des exprimés"),
    ]
    base = alt.Chart(data).encode(y=y, tooltip=tooltip)
    x_scale = alt.Scale(domain=[0, x_max], nice=False, clamp=True)
    bars = base.mark_bar().encode(
        x=alt.X(f"{share}:Q", title="Part des suffrages exprimés", axis=_axis(".0%"), scale=x_scale),
        color=alt.Color("bloc_label:N", title="Bloc", scale=scale),
    )
    labels = base.mark_text(align="left", dx=3, fontSize=11).encode(x=alt.X(f"{share}:Q", scale=x_scale), text="share_text:N")
    return alt.layer(bars, labels.transform_filter("!datum.leader"),
                     labels.mark_text(align="left", dx=3, fontSize=11, fontWeight="bold").transform_filter("datum.leader"))


def _election_order(results: pd.DataFrame, election_ids: Sequence[str] | None) -> list[str]:
    if election_ids is None:
        return results.sort_values("date", ascending=False, kind="stable")["election_id"].drop_duplicates().tolist()
    return [e for e in election_ids if e in set(results["election_id"])]


def results_blocks(results: pd.DataFrame, election_ids: Sequence[str] | None = None) -> list[alt.LayerChart]:
    """A station's results, one chart per election (``StationDetail.results``), each titled with the
    election and its axis fitted to its own bars (see :func:`share_domain`).

    Elections in the order of ``election_ids``, else the newest first. Bars are the share of the
    expressed votes, coloured by bloc. One chart each, so that each stretches to the page's width
    (a concatenation keeps a fixed width and is cut on a narrow page).
    """
    blocks = []
    for election_id in _election_order(results, election_ids):
        one = results[results["election_id"] == election_id]  # its own legend: only the blocs it holds
        blocks.append(_share_bars(one, "share_expressed", _bloc_scale(one), share_domain(one["share_expressed"]))
                      .properties(title=str(one["label"].iat[0])))
    return blocks


def results_bars(results: pd.DataFrame, election_ids: Sequence[str] | None = None) -> AnyChart:
    """:func:`results_blocks` in one chart (for export): one block of bars per election."""
    blocks = results_blocks(results, election_ids)
    if not blocks:
        return _empty("Aucun résultat pour ce bureau")
    return alt.vconcat(*blocks).resolve_scale(y="independent", x="independent")


def territory_results(frame: pd.DataFrame) -> alt.LayerChart | alt.Chart:
    """Results of one election over a territory (``territory_results_frame``): sorted bars."""
    if frame.empty:
        return _empty("Aucun résultat pour ce territoire")
    return _share_bars(frame, "share", _bloc_scale(frame), share_domain(frame["share"]))


def history_lines(history: pd.DataFrame) -> alt.LayerChart | alt.Chart:
    """Participation and bloc shares over time (``StationDetail.history``): lines and points.

    Elections are evenly spaced in date order (an ordinal axis: on a time axis, the rounds
    of one year pile up); the date is in the tooltip.
    """
    if history.empty:
        return _empty("Aucun historique pour ce bureau")
    series = history.sort_values("series_order").drop_duplicates("series") if "series_order" in history else history.drop_duplicates("series")
    scale = alt.Scale(domain=series["series"].tolist(), range=series["color"].fillna("#9e9e9e").tolist())
    data = history.assign(
        value_text=[format_value(v, ".1%") for v in history["value"]],
        date_text=pd.to_datetime(history["date"]).dt.strftime("%d/%m/%Y").fillna("—"),
    )
    elections = data.sort_values(["date", "election_id"], kind="stable")["label"].drop_duplicates().tolist()
    base = alt.Chart(data).encode(
        x=alt.X("label:N", title=None, sort=elections, axis=alt.Axis(labelAngle=-35, labelLimit=200, labelOverlap=False)),
        y=alt.Y("value:Q", title="Part", axis=_axis(".0%")),
        color=alt.Color("series:N", title="Série", scale=scale),
    )
    lines = base.mark_line(strokeWidth=2)
    points = base.mark_point(filled=True, size=60).encode(
        tooltip=[
            alt.Tooltip("label:N", title="Élection"),
            alt.Tooltip("date_text:N", title="Date"),
            alt.Tooltip("series:N", title="Série"),
            alt.Tooltip("value_text:N", title="Valeur"),
        ]
    )
    return alt.layer(lines, points)


def regression_stats(x: pd.Series, y: pd.Series) -> tuple[int, float, float, float]:
    """``(n, slope, intercept, r²)`` of the OLS fit y = a·x + b over finite pairs (NaN if undefined)."""
    xs, ys = pd.to_numeric(x, errors="coerce").to_numpy(float), pd.to_numeric(y, errors="coerce").to_numpy(float)
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    n = int(keep.sum())
    if n < 2 or np.ptp(xs) == 0:
        return n, np.nan, np.nan, np.nan
    slope, intercept = np.polyfit(xs, ys, 1)
    r2 = float(np.corrcoef(xs, ys)[0, 1] ** 2) if np.ptp(ys) > 0 else np.nan
    return n, float(slope), float(intercept), r2


def scatter_regression(
    frame: pd.DataFrame,
    x: str,
    y: str,
    x_title: str,
    y_title: str,
    name: str = "name",
    *,
    x_format: str = ".0%",
    y_format: str = ".0%",
) -> alt.LayerChart:
    """One point per station and the OLS regression line; the subtitle gives n, slope, r².

    ``x_format``/``y_format`` are d3 formats for the axes and the tooltips (French).
    Rows where x or y is missing are left out (and not counted in n).
    """
    n, slope, _, r2 = regression_stats(frame[x], frame[y])
    data = pd.DataFrame({
        "name": frame[name].astype("string").fillna("—").to_numpy(),
        "x": pd.to_numeric(frame[x], errors="coerce").to_numpy(float),
        "y": pd.to_numeric(frame[y], errors="coerce").to_numpy(float),
    })
    data = data[np.isfinite(data["x"]) & np.isfinite(data["y"])]
    data = data.assign(x_text=[format_value(v, x_format) for v in data["x"]], y_text=[format_value(v, y_format) for v in data["y"]])
    subtitle = f"n = {n} · pente = {format_significant(slope)} · r² = {format_value(r2, '.2f')}"
    base = alt.Chart(data).encode(
        x=alt.X("x:Q", title=x_title, axis=_axis(x_format), scale=alt.Scale(zero=False)),
        y=alt.Y("y:Q", title=y_title, axis=_axis(y_format), scale=alt.Scale(zero=False)),
    )
    points = base.mark_circle(size=60, opacity=0.7).encode(
        tooltip=[
            alt.Tooltip("name:N", title="Bureau"),
            alt.Tooltip("x_text:N", title=x_title),
            alt.Tooltip("y_text:N", title=y_title),
        ]
    )
    line = base.transform_regression("x", "y", method="linear").mark_line(color="#c0392b", strokeWidth=2)
    return alt.layer(points, line).properties(title=alt.TitleParams(text=f"{y_title} selon {x_title}", subtitle=subtitle))


def weighted_median(values: pd.Series, weights: pd.Series | None = None) -> float:
    """Median of the finite values; with ``weights``, the value where half the weight is reached."""
    data = pd.DataFrame({"v": pd.to_numeric(values, errors="coerce")})
    data["w"] = 1.0 if weights is None else pd.to_numeric(pd.Series(weights).to_numpy(), errors="coerce")
    data = data[np.isfinite(data["v"]) & np.isfinite(data["w"]) & (data["w"] > 0)]
    if data.empty:
        return np.nan
    if weights is None:
        return float(data["v"].median())
    data = data.sort_values("v")
    cumulative = data["w"].cumsum().to_numpy()
    return float(data["v"].to_numpy()[np.searchsorted(cumulative, cumulative[-1] / 2)])


def distribution(
    values: pd.Series,
    title: str,
    *,
    fmt: str = ".0%",
    weights: pd.Series | None = None,
    unit: str = "bureaux",
    max_bins: int = 30,
) -> alt.LayerChart | alt.Chart:
    """Histogram of a measure across stations, with a rule at the median (weighted if
    ``weights`` is given, e.g. by registered voters). Bins are computed here (numpy
    ``auto`` rule, at most ``max_bins``) so that tooltips read French intervals."""
    finite = pd.to_numeric(values, errors="coerce")
    finite = finite[np.isfinite(finite)].to_numpy(float)
    if finite.size == 0:
        return _empty("Aucune valeur à représenter")
    edges = np.histogram_bin_edges(finite, bins="auto")
    if len(edges) - 1 > max_bins:
        edges = np.histogram_bin_edges(finite, bins=max_bins)
    if edges[0] == edges[-1]:
        edges = np.array([edges[0] - 0.5, edges[0] + 0.5]) if edges[0] == 0 else edges[0] * np.array([0.95, 1.05])
    counts, edges = np.histogram(finite, bins=edges)
    bins = pd.DataFrame({"start": edges[:-1], "end": edges[1:], "count": counts})
    bins["interval"] = [f"de {format_value(a, fmt)} à {format_value(b, fmt)}" for a, b in zip(bins["start"], bins["end"])]
    median = weighted_median(pd.Series(finite) if weights is None else values, weights)
    bars = alt.Chart(bins).mark_bar(color="#4c78a8", binSpacing=1).encode(
        x=alt.X("start:Q", title=title, axis=_axis(fmt), scale=alt.Scale(zero=False)),
        x2="end:Q",
        y2=alt.datum(0),
        y=alt.Y("count:Q", title=f"Nombre de {unit}", axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=[alt.Tooltip("interval:N", title="Intervalle"), alt.Tooltip("count:Q", title=unit.capitalize())],
    )
    label = f"médiane{' pondérée' if weights is not None else ''} : {format_value(median, fmt)}"
    marker = pd.DataFrame({"median": [median], "label": [label]})
    rule = alt.Chart(marker).mark_rule(color="#c0392b", strokeDash=[4, 3], strokeWidth=2).encode(
        x="median:Q", tooltip=alt.Tooltip("label:N", title="Médiane")
    )
    text = alt.Chart(marker).mark_text(align="left", baseline="top", dx=4, dy=2, color="#c0392b").encode(
        x="median:Q", y=alt.value(0), text="label:N"
    )
    return alt.layer(bars, rule, text).properties(title=title)


# -- ecological inference -----------------------------------------------------
def transfer_heatmap(cells: pd.DataFrame, *, row_title: str = "De", col_title: str = "Vers") -> alt.LayerChart | alt.Chart:
    """Heat map of an R × C inference: one cell per (from, to), coloured by the estimated share of
    the row, labelled ``52 %`` with its 90 % interval ``[48–56]`` underneath.

    ``cells``: from, to, estimate, lower, upper (shares of the row, 0..1), optionally electors;
    rows and columns keep the order in which they first appear.
    """
    if cells.empty:
        return _empty("Pas d'estimation à afficher.")
    frame = cells.copy()
    frame["valeur"] = [fmt_percent(v, 0) for v in frame["estimate"]]
    frame["intervalle"] = [
        f"[{format_fr(100 * lo, 0)}–{format_fr(100 * hi, 0)}]" for lo, hi in zip(frame["lower"], frame["upper"])
    ]
    frame["infobulle"] = [
        f"{a} → {b} : {fmt_percent(v, 1)} (intervalle à 90 % : {fmt_percent(lo, 1)} à {fmt_percent(hi, 1)})"
        for a, b, v, lo, hi in zip(frame["from"], frame["to"], frame["estimate"], frame["lower"], frame["upper"])
    ]
    if "electors" in frame:
        frame["infobulle"] = frame["infobulle"] + [f", soit {format_fr(e, 0)} électeurs" for e in frame["electors"]]
    frame["dark"] = frame["estimate"] > 0.55
    rows = list(dict.fromkeys(frame["from"]))
    cols = list(dict.fromkeys(frame["to"]))
    base = alt.Chart(frame).encode(
        x=alt.X("to:N", sort=cols, title=col_title, axis=alt.Axis(labelAngle=0, orient="top", labelLimit=104, labelOverlap=False, labelFontSize=10)),
        y=alt.Y("from:N", sort=rows, title=row_title, axis=alt.Axis(labelLimit=200)),
    )
    rect = base.mark_rect(stroke="white").encode(
        color=alt.Color("estimate:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]), legend=alt.Legend(
            title="Part de la ligne", format=".0%", labelExpr=fr_label_expr(".0%"))),
        tooltip=[alt.Tooltip("infobulle:N", title="Report")],
    )
    colour = alt.condition("datum.dark", alt.value("white"), alt.value("#1b1b1b"))
    value = base.mark_text(baseline="bottom", dy=1, fontSize=13, fontWeight="bold").encode(text="valeur:N", color=colour)
    interval = base.mark_text(baseline="top", dy=3, fontSize=10).encode(text="intervalle:N", color=colour)
    return (rect + value + interval).properties(width=alt.Step(108), height=alt.Step(46))
