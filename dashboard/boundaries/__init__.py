"""Polling-station boundaries: built from REU addresses, their quality, versions and crosswalks."""
