"""Sphinx configuration for the skdvaan documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
Setting ``SKDVAAN_GALLERY_FAST=1`` still runs every gallery example, but the
examples read the same variable and shrink their data and epochs, so the full
build stays quick on a small CPU.
"""

import os
import re
import sys
from pathlib import Path

# Document the checkout this file lives in, installed or not; the docs folder
# holds _gallery_order.py.
DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))
sys.path.insert(0, str(DOCS))

import _results_numbers
import torch
from threadpoolctl import threadpool_limits

import skdvaan

project = "skdvaan"
author = "The skdvaan developers"
copyright = "The skdvaan developers"
version = release = skdvaan.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax 3 shipped in a pip package (docs extra) and copied into
    # _static/mathjax, so that a site built here renders its equations offline
    # instead of showing raw TeX when the CDN cannot be reached.
    "sphinx-mathjax-offline",
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
# "fit()", not "DVAANClassifier.fit()": the right sidebar is narrow, and the
# class is the page's title.
toc_object_entries_show_parents = "hide"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = f"skdvaan {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    # Every top-level page fits in the navigation bar at 1400 px; none hides
    # under "More".
    "header_links_before_dropdown": 8,
    "icon_links": [
        {
            "name": "Source repository",
            "url": "https://github.com/skdvaan/skdvaan",
            "icon": "fa-brands fa-github",
            "type": "fontawesome",
        }
    ],
}
html_context = {
    "github_user": "skdvaan",
    "github_repo": "skdvaan",
    "github_version": "main",
    "doc_path": "docs",
}
# Pages without sub-pages get no left sidebar: it would be an empty "Section
# Navigation" box, and the wide tables need the room.
html_sidebars = {
    page: []
    for page in (
        "index",
        "install",
        "user_guide",
        "trust",
        "benchmarks",
        "paper_results",
        "changelog",
    )
}
html_static_path = ["_static"]
html_css_files = ["skdvaan.css"]

GALLERY_FAST = os.environ.get("SKDVAAN_GALLERY_FAST") == "1"

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "_gallery_order.example_order",
    "abort_on_example_error": True,
    # Links from the API pages to the examples that use each object.
    "doc_module": ("skdvaan",),
    "backreferences_dir": "gen_modules/backreferences",
    "min_reported_time": 1,
}
if GALLERY_FAST:
    # The examples read the variable themselves; say so in the build log.
    print("SKDVAAN_GALLERY_FAST=1: gallery examples run with reduced work.")

# The examples run inside this process. Their networks are small, so PyTorch's
# and BLAS's threads only add synchronisation, and on a busy or small CI
# machine they contend for the cores and slow the build down many times over.
torch.set_num_threads(1)
threadpool_limits(1)


# Methods inherited from scikit-learn and imbalanced-learn (score, get_params,
# fit_resample, ...) are documented on our class pages. Their docstrings point
# at labels and glossary terms of those projects' own docs, which do not exist
# here; keep the link text and drop the link.
_FOREIGN_ROLE = re.compile(r":(?:ref|term):`(?:([^`<]*?)\s*<[^`>]*>|([^`]*))`")


def _unlink_foreign_refs(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", "") or ""
    if module.split(".")[0] not in ("sklearn", "imblearn"):
        return
    for i, line in enumerate(lines):
        lines[i] = _FOREIGN_ROLE.sub(lambda m: f"*{m.group(1) or m.group(2)}*", line)


def setup(app):
    app.connect("autodoc-process-docstring", _unlink_foreign_refs)


# Numbers quoted in the prose (|tab-digits-dauc| ...) come from the same JSON
# files as the tables they summarise.
rst_prolog = _results_numbers.rst_prolog()

# The benchmark tables are included as the scripts wrote them, starting at "##".
suppress_warnings = ["myst.header"]
