"""Boundary versions of polling stations over time, crosswalks between them."""
