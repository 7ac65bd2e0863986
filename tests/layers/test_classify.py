"""Classification: quantiles, equal intervals, Fisher-Jenks; NaN, ties, forced centre."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from layers.classify import METHODS, Classes, class_counts, class_index, classify


def _strictly_increasing(breaks: tuple[float, ...]) -> bool:
    return all(a < b for a, b in itertools.pairwise(breaks))


def test_methods_are_labelled_in_french():
    assert METHODS == {"quantiles": "Quantiles", "equal": "Intervalles égaux", "jenks": "Seuils naturels (Jenks)"}


def test_jenks_finds_obvious_gaps():
    values = [1, 2, 3, 4, 5, 20, 21, 22, 23, 50, 51, 52, 100, 101]
    classes = classify(values, 4, "jenks")
    assert classes == Classes((1.0, 5.0, 23.0, 52.0, 101.0), "jenks")
    assert class_index(values, classes).tolist() == [0] * 5 + [1] * 4 + [2] * 3 + [3] * 2


def test_jenks_textbook_three_groups_shuffled():
    values = [21, 2, 11, 1, 22, 3, 10, 12, 20]
    assert classify(values, 3, "jenks").breaks == (1.0, 3.0, 12.0, 22.0)


def _ssd(groups: list[np.ndarray]) -> float:
    return float(sum(((g - g.mean()) ** 2).sum() for g in groups))


@pytest.mark.parametrize("seed", range(25))
def test_jenks_is_optimal_against_brute_force(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 11))
    k = int(rng.integers(2, 5))
    x = np.sort(rng.choice(200, n, replace=False).astype(float))
    best = min(_ssd(np.split(x, list(cut))) for cut in itertools.combinations(range(1, n), k - 1))
    idx = class_index(x, classify(x, k, "jenks"))
    got = _ssd([x[idx == c] for c in range(k)])
    assert got == pytest.approx(best)


def test_jenks_on_many_values_uses_a_sample_and_stays_sound():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(0.3, 0.03, 40_000), rng.normal(0.7, 0.03, 29_000)])
    classes = classify(values, 2, "jenks")
    assert classes.k == 2
    assert classes.breaks[0] == values.min() and classes.breaks[-1] == values.max()
    assert 0.4 < classes.breaks[1] < 0.6  # the gap between the two modes


def test_quantiles_put_equal_counts_in_classes():
    values = np.arange(100.0)
    classes = classify(values, 4, "quantiles")
    counts, no_data = class_counts(class_index(values, classes), classes)
    assert counts == [25, 25, 25, 25] and no_data == 0
    assert classes.breaks[0] == 0 and classes.breaks[-1] == 99


def test_equal_intervals():
    values = [0, 1, 3, 3.5, 4, 5, 10]
    classes = classify(values, 5, "equal")
    assert classes.breaks == (0.0, 2.0, 4.0, 6.0, 8.0, 10.0)
    assert class_counts(class_index(values, classes), classes) == ([2, 3, 1, 0, 1], 0)  # empty classes stay


@pytest.mark.parametrize("method", list(METHODS))
def test_nan_and_none_are_ignored(method: str):
    values = [np.nan, 1.0, None, 2.0, 3.0, 4.0, 5.0, 6.0, float("inf")]
    classes = classify(values, 3, method)
    assert classes.breaks[0] == 1.0 and classes.breaks[-1] == 6.0
    idx = class_index(values, classes)
    assert idx[0] == -1 and idx[2] == -1 and idx[-1] == -1
    assert set(idx[[1, 3, 4, 5, 6, 7]].tolist()) <= set(range(classes.k))


def test_pandas_nullable_values():
    values = pd.Series([0.1, pd.NA, 0.5, 0.9], dtype="Float64")
    classes = classify(values, 2)
    assert class_index(values, classes).tolist()[1] == -1


@pytest.mark.parametrize("method", list(METHODS))
def test_empty_and_all_nan_give_no_class(method: str):
    for values in ([], [np.nan, None]):
        classes = classify(values, 5, method)
        assert classes == Classes((), method) and classes.k == 0
    assert class_index([np.nan, 1.0], Classes((), method)).tolist() == [-1, -1]


@pytest.mark.parametrize("method", list(METHODS))
def test_fewer_distinct_values_than_k_gives_one_class_per_value(method: str):
    values = [1, 1, 1, 2, 2, 3]
    classes = classify(values, 5, method)
    assert classes.k == 3 and _strictly_increasing(classes.breaks)
    assert classes.breaks[0] == 1 and classes.breaks[-1] == 3
    assert class_index(values, classes).tolist() == [0, 0, 0, 1, 1, 2]


def test_a_single_value_is_one_class():
    classes = classify([4.0, 4.0, np.nan], 5, "jenks")
    assert classes.breaks == (4.0,) and classes.k == 1
    assert class_index([4.0, np.nan], classes).tolist() == [0, -1]


@pytest.mark.parametrize("method", list(METHODS))
def test_ties_never_give_duplicate_edges_nor_empty_quantile_classes(method: str):
    values = [0.0] * 60 + list(np.linspace(0.1, 1.0, 40))
    classes = classify(values, 5, method)
    assert _strictly_increasing(classes.breaks)
    counts, _ = class_counts(class_index(values, classes), classes)
    if method != "equal":
        assert min(counts) > 0


@pytest.mark.parametrize("method", list(METHODS))
def test_center_is_an_edge(method: str):
    rng = np.random.default_rng(3)
    values = rng.normal(0.02, 0.05, 500)
    classes = classify(values, 5, method, center=0.0)
    assert 0.0 in classes.breaks and _strictly_increasing(classes.breaks)
    idx = class_index(values, classes)
    k0 = classes.breaks.index(0.0)
    assert (values[idx < k0] <= 0).all() and (values[idx >= k0] > 0).all()


def test_center_outside_the_range_is_left_alone():
    assert 0.0 not in classify([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3, "equal", center=0.0).breaks


def test_class_index_edges_are_closed_on_the_right():
    classes = Classes((0.0, 1.0, 2.0), "equal")
    assert class_index([0.0, 1.0, 1.5, 2.0, -5.0, 9.0], classes).tolist() == [0, 0, 1, 1, 0, 1]


def test_errors_are_in_french():
    with pytest.raises(ValueError, match="Méthode de classification inconnue"):
        classify([1, 2, 3], 3, "kmeans")
    with pytest.raises(ValueError, match="nombre de classes"):
        classify([1, 2, 3], 1)
