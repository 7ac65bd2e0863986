"""Deterministic generator of a fictional demo territory, written in the official file formats.

    >>> from dashboard.demo import generate_demo
    >>> manifest = generate_demo(Path("data/demo"), scale="city", seed=2026)

``manifest.files`` lists the files in import order; ``manifest.truth_path`` is the
JSON of the true parameters used to simulate the votes (for inference benchmarks).
"""

from .generate import generate_demo
from .manifest import DemoFile, DemoManifest

__all__ = ["DemoFile", "DemoManifest", "generate_demo"]
