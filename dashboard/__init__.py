"""Isoloir: open-source electoral strategy map for French campaigns."""

__version__ = "0.1.0"
