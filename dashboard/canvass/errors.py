"""Typed errors of the canvassing domain, each with a French message for the user."""

from __future__ import annotations

from dashboard.errors import IsoloirError


class CanvassError(IsoloirError):
    """A canvassing operation cannot be done as asked (unknown commune, bad parameter…)."""


class LassoError(CanvassError):
    """A drawn lasso does not enclose any surface (too few points, aligned points, bad coordinates)."""
