"""Sphinx configuration for the skdvaan documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
Setting ``SKDVAAN_GALLERY_FAST=1`` still runs every gallery example, but the
examples read the same variable and shrink their data and epochs, so a full
build takes a few minutes on a small CPU.
"""

import os
import sys
from pathlib import Path

# Document the checkout this file lives in, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import skdvaan

project = "skdvaan"
author = "The skdvaan developers"
copyright = "The skdvaan developers"
version = release = skdvaan.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    # Only for docs/changelog.rst, which includes the top-level CHANGELOG.md.
    "myst_parser",
]
# intersphinx is left out on purpose: CI builds without internet access.

source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
default_role = "py:obj"

autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = f"skdvaan {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []

GALLERY_FAST = os.environ.get("SKDVAAN_GALLERY_FAST") == "1"

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    # Links from the API pages to the examples that use each object.
    "doc_module": ("skdvaan",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"skdvaan": None},
    "min_reported_time": 1,
}
if GALLERY_FAST:
    # The examples read the variable themselves; say so in the build log.
    print("SKDVAAN_GALLERY_FAST=1: gallery examples run with reduced work.")
