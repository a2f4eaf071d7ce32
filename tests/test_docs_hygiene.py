"""The results pages and the built documentation are written for users.

They must not show absolute filesystem paths of the machines the numbers came
from (``/root/...``, ``/home/...``, a checkout under ``/work/...``, a data
folder under ``/usr/share/...``, ``C:\\...``), nor notes such as ``+dirty`` or
"commit unknown": the provenance of a run lives in its JSON file, as commit
and date, not in the prose.

The committed files are checked on every test run. The built HTML under
``docs/_build/html`` is checked when it exists; ``.ci/run`` runs this module
again after building the docs with ``SKDVAAN_REQUIRE_HTML=1``, so there the
HTML check cannot be skipped.
"""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "docs" / "_build" / "html"

# An absolute path: a root folder that machines put checkouts, homes, data or
# virtual environments under, not preceded by anything that makes it part of a
# URL or of a relative path ("https://host/usr/...", "docs/tmp/..."). Kernel
# interfaces such as /proc/self/... are the same on every machine: allowed.
_POSIX_ROOTS = (
    "root|home|work|tmp|usr|opt|mnt|var|srv|etc|private|Users|Volumes|scratch"
    "|shared|data|gpfs|nfs|lustre|media|run|builds|github|__w"
)
# Debian's dataset packages install under /usr/share/datasets/ on every
# Debian machine, and skdvaan's loaders look there: a documented location,
# not a leak of one machine's layout.
_ALLOWED = r"(?!usr/share/datasets/)"
ABSOLUTE_PATH = re.compile(
    rf"(?<![\w.:/~%-])/{_ALLOWED}(?:{_POSIX_ROOTS})/[\w.~-]"
    r"|(?<![\w/])[A-Za-z]:\\{1,2}[\w.$~-]"
    r"|file:///"
)
# Notes about the state of a working tree, which mean nothing to a reader.
TREE_NOTE = re.compile(r"\+dirty|commit unknown|unknown\+|added by hand")

TEXT_SUFFIXES = {".md", ".rst", ".json", ".txt", ".log", ".csv", ".html"}


def absolute_paths(text):
    """Every absolute filesystem path in ``text``, with a little context."""
    return [
        text[max(m.start() - 30, 0) : m.end() + 30].replace("\n", " ")
        for m in ABSOLUTE_PATH.finditer(text)
    ]


def tree_notes(text):
    return [m.group(0) for m in TREE_NOTE.finditer(text)]


def committed_results_files():
    """Results pages and data, the paper pages, the docs sources, the README."""
    files = []
    results = ROOT / "benchmarks" / "results"
    if results.is_dir():
        files += [
            p
            for p in sorted(results.rglob("*"))
            if p.is_file()
            and p.suffix in TEXT_SUFFIXES
            # benchmarks/results/tmp/ is git-ignored scratch space.
            and "tmp" not in p.relative_to(results).parts[:1]
        ]
    files += sorted((ROOT / "benchmarks" / "paper").glob("*.md"))
    files += sorted((ROOT / "benchmarks").glob("*.md"))
    files += sorted((ROOT / "docs").glob("*.rst"))
    files += [p for p in (ROOT / "README.md", ROOT / "CHANGELOG.md") if p.is_file()]
    return files


def _report(found):
    return "\n".join(f"{path}: {hits[:3]}" for path, hits in found.items())


# ---------------------------------------------------------------- the checker


@pytest.mark.parametrize(
    "planted",
    [
        "Command: `python run.py --out /root/out/work/paper`",
        "data in /home/alice/skdvaan_data",
        "(/work/main/.gpu_data)",
        "not found in any of: - /tmp/x",
        "`/usr/share/doc/skdvaan/x`",
        "/opt/torch/.venv/lib/python3.12/site-packages/torch/nn/modules/module.py:1779",
        '"out": "/work/main/benchmarks/results"',
        r"C:\Users\alice\data",
        r'"C:\\Users\\alice"',
        "<a href='file:///home/x/index.html'>",
        '<img src="/root/docs/fig.png">',
    ],
)
def test_checker_finds_planted_paths(planted):
    assert absolute_paths(f"Some text {planted} more text.")


@pytest.mark.parametrize(
    "clean",
    [
        "Command: `python benchmarks/bench_tabular.py --out OUT`",
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js",
        "https://github.com/skdvaan/skdvaan/tree/main/docs/tmp/x",
        "see benchmarks/results/gpu_h100/paper/results.md",
        "400,000 samples/s; 1/2 of the rows; ROC/PR AUC",
        '<link href="_static/styles/theme.css">',
        "<site-packages>/torch/nn/modules/module.py:1779",
        "apt-get install dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)",
        "reset through /proc/self/clear_refs",
    ],
)
def test_checker_passes_clean_text(clean):
    assert absolute_paths(clean) == []


def test_checker_finds_tree_notes():
    assert tree_notes("commit aa3cc59+dirty(skdvaan/)")
    assert tree_notes("commit unknown+dirty(skdvaan/)")
    assert tree_notes("defaults (added by hand: ...)")
    assert tree_notes("commit aa3cc59; wall time 3 s") == []


# ----------------------------------------------------------- the files


def test_results_files_are_found():
    names = {p.name for p in committed_results_files()}
    assert {"README.md", "benchmarks.rst", "RESULTS.md", "results.md"} <= names


def test_no_absolute_paths_in_results_and_docs_sources():
    found = {}
    for path in committed_results_files():
        hits = absolute_paths(path.read_text(encoding="utf-8", errors="replace"))
        if hits:
            found[path.relative_to(ROOT)] = hits
    assert not found, "absolute filesystem paths in:\n" + _report(found)


def test_no_working_tree_notes_in_prose():
    found = {}
    for path in committed_results_files():
        if path.suffix not in {".md", ".rst"}:
            continue  # JSON keeps the provenance, dirty flag included
        hits = tree_notes(path.read_text(encoding="utf-8"))
        if hits:
            found[path.relative_to(ROOT)] = hits
    assert not found, "working-tree notes in:\n" + _report(found)


def built_html_files():
    return sorted(
        p for p in HTML.rglob("*") if p.is_file() and p.suffix in {".html", ".txt"}
    )


def test_no_absolute_paths_in_built_html():
    if not (HTML / "index.html").is_file():
        if os.environ.get("SKDVAAN_REQUIRE_HTML") == "1":
            pytest.fail(f"SKDVAAN_REQUIRE_HTML=1 but {HTML} has no index.html")
        pytest.skip("docs not built (python -m sphinx -b html docs docs/_build/html)")
    found = {}
    for path in built_html_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        hits = absolute_paths(text) + tree_notes(text)
        if hits:
            found[path.relative_to(HTML)] = hits
    assert not found, "absolute paths or tree notes in the built docs:\n" + _report(
        found
    )
