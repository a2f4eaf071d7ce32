"""Numbers quoted in the prose of the docs, read from the benchmark results.

The summary on the Benchmarks page states scores that the tables below it
show. Typed by hand, the two drifted apart (the summary said digits loses by
-0.002, the table -0.003). ``conf.py`` turns :func:`substitutions` into
``rst_prolog`` substitutions, so the prose writes ``|tab-digits-dauc|`` and
gets the table's own cell, read from the same JSON file the table came from.
"""

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results"

_MC = "make_classification 4000 1:50 flip_y=0.01"
_BC10 = "breast_cancer malignant 1:10"
_BC20 = "breast_cancer malignant 1:20"
_DIGITS = "digits 8 vs rest"

# name -> (dataset, method, column) of bench_tabular's CV table (mean shown),
# or (dataset, None, column) of its t-test table (the row of DVAAN itself).
TABULAR = {
    "tab-mc-dvaan-auc": (_MC, "DVAAN", "ROC AUC"),
    "tab-mc-ros-auc": (_MC, "MLP+ROS", "ROC AUC"),
    "tab-mc-hgb-auc": (_MC, "HGB bal", "ROC AUC"),
    "tab-bc10-logreg-auc": (_BC10, "LogReg bal", "ROC AUC"),
    "tab-bc20-logreg-auc": (_BC20, "LogReg bal", "ROC AUC"),
    "tab-digits-dauc": (_DIGITS, None, "ΔAUC"),
    "tab-mc-dauc": (_MC, None, "ΔAUC"),
}


def _parse_markdown_table(markdown):
    """Rows of a GitHub markdown table as dicts keyed by the header."""
    lines = [ln.strip() for ln in markdown.strip().splitlines() if ln.strip()]
    lines = [ln for ln in lines if ln.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    return [
        dict(zip(header, (c.strip() for c in ln.strip("|").split("|"))))
        for ln in lines[2:]
    ]


def _table(tables, prefix):
    (title,) = [t for t in tables if t.startswith(prefix)]
    return _parse_markdown_table(tables[title])


def substitutions():
    """``{name: text}`` for every number the prose quotes."""
    tables = json.loads((RESULTS / "bench_tabular.json").read_text())["tables"]
    cv = _table(tables, "Repeated stratified CV")
    ttest = _table(tables, "DVAAN vs MLP+ROS")
    out = {}
    for name, (dataset, method, column) in TABULAR.items():
        if method is None:
            (row,) = [
                r for r in ttest if r["dataset"] == dataset and r["method"] == "DVAAN"
            ]
            out[name] = row[column]
        else:
            (row,) = [
                r for r in cv if r["dataset"] == dataset and r["method"] == method
            ]
            out[name] = row[column].split("±")[0].strip()  # the mean
    return out


def rst_prolog():
    return "\n".join(
        f".. |{name}| replace:: {text}" for name, text in substitutions().items()
    )


if __name__ == "__main__":
    print(rst_prolog())
