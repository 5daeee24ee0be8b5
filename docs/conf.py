"""Sphinx configuration of the pyiscsi API reference (``make docs``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import pyiscsi  # noqa: E402

project = "pyiscsi"
author = "The pyiscsi authors"
copyright = "2026, The pyiscsi authors"  # noqa: A001
release = version = pyiscsi.__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_type_aliases = {"Buffer": "pyiscsi.aio.commands.Buffer"}
# Names a reader of the reference cannot follow anyway (private or third-party types).
nitpicky = False
suppress_warnings = ["ref.python"]
html_theme = "alabaster"
exclude_patterns = ["_build"]
