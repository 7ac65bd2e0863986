"""Analyses built on the warehouse: IRIS → polling-station interpolation, ecological inference."""
