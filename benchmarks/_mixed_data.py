"""Real mixed-type imbalanced tables from Debian's R data packages (issue 11).

Each table is a pandas DataFrame that mixes floats, integers, booleans,
``category`` and object (string) columns, some with missing cells, and a
binary ``y`` with ``y = 1`` for the minority class. Benchmarks only; not
part of the ``skdvaan`` package.

How the files are fetched
-------------------------
The data come from two Debian packages, ``r-cran-aer`` (AER, Kleiber and
Zeileis, GPL-2/3) and ``r-cran-mlbench`` (mlbench, GPL-2). Neither needs R
nor root:

    mkdir -p ~/.cache/skdvaan/r-data && cd ~/.cache/skdvaan/r-data
    apt-get download r-cran-aer r-cran-mlbench   # .deb files into this folder
    dpkg -x r-cran-aer_*.deb root                # unpack, no install
    dpkg -x r-cran-mlbench_*.deb root

:func:`load_mixed_tables` does exactly this on first use (``apt-get`` and
``dpkg`` must be on PATH, and the package index reachable once); later runs
are offline. The folder is ``$SKDVAAN_R_DATA`` or ``~/.cache/skdvaan/r-data``;
any folder holding the ``<Name>.rda`` files (e.g. copied from an R library's
``<pkg>/data``) works too. The ``.rda`` files are read with ``pyreadr``
(``pip install skdvaan[benchmarks]``).

The tables
----------
``y = 1`` is the minority class; "natural" ratios are left as they are, the
others are made imbalanced by keeping a seeded random subset of the minority
rows (all majority rows are kept), so that over-sampling has work to do.

* ``hmda deny`` (AER ``HMDA``, 2380 Boston mortgage applications): ``deny ==
  "yes"``, natural 1:7. Four ratios as floats, credit-history scores as
  ``category``, yes/no factors as ``bool``.
* ``creditcard refused`` (AER ``CreditCard``, 1319 applicants): ``card ==
  "no"``, subsampled to 1:10. ``expenditure`` and ``share`` are dropped: they
  leak the label (every refused applicant has zero expenditure). Counts as
  ``int64``, ``owner`` and ``selfemp`` as object strings.
* ``health poor`` (AER ``HealthInsurance``, 8802 people): ``health == "no"``
  (self-reported poor health), natural 1:13. Ints, bools and categories.
* ``gss immigrant`` (AER ``GSS7402``, 9120 women): ``immigrant == "yes"``,
  natural 1:8. ``agefirstbirth`` is nullable ``Int64``, missing for 64% of
  rows (no children); counts as ints, yes/no factors as ``category``.
* ``breastcancer malignant`` (mlbench ``BreastCancer``, 699 biopsies):
  ``Class == "malignant"``, subsampled to 1:10; every feature is an ordered
  ``category`` (scores 1-10), ``Bare.nuclei`` has missing cells; ``Id``
  dropped.
* ``housevotes republican`` (mlbench ``HouseVotes84``, 435 congressmen):
  ``Class == "republican"``, subsampled to 1:5; 16 y/n votes as ``category``,
  with missing cells in every column.

``quick=True`` keeps a stratified random 2000 rows of the two large tables.
"""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

PACKAGES = {"AER": "r-cran-aer", "mlbench": "r-cran-mlbench"}
QUICK_ROWS = 2000


def data_dir():
    """Where the ``.deb`` files and their unpacked ``root/`` live."""
    env = os.environ.get("SKDVAAN_R_DATA")
    return Path(env) if env else Path.home() / ".cache" / "skdvaan" / "r-data"


def _find(folder, name):
    hits = sorted(folder.rglob(f"{name}.rda")) if folder.exists() else []
    return hits[0] if hits else None


def fetch(r_package, folder=None):
    """Download and unpack one Debian R data package unless already there."""
    folder = Path(folder or data_dir())
    marker = folder / "root" / "usr" / "lib" / "R" / "site-library" / r_package
    if marker.exists():
        return marker
    if not (shutil.which("apt-get") and shutil.which("dpkg")):
        raise RuntimeError(
            f"The R package {r_package} is not in {folder} and apt-get/dpkg are "
            "not available to fetch it. Copy its data/*.rda files into that "
            "folder (or set SKDVAAN_R_DATA), see benchmarks/_mixed_data.py."
        )
    folder.mkdir(parents=True, exist_ok=True)
    deb = PACKAGES[r_package]
    subprocess.run(["apt-get", "download", deb], cwd=folder, check=True)
    for path in sorted(folder.glob(f"{deb}_*.deb")):
        subprocess.run(["dpkg", "-x", str(path), str(folder / "root")], check=True)
    return marker


def read_table(name, r_package, folder=None):
    """One data frame of an R package, as pyreadr reads it."""
    import pyreadr  # the benchmarks extra

    folder = Path(folder or data_dir())
    path = _find(folder, name)
    if path is None:
        fetch(r_package, folder)
        path = _find(folder, name)
    if path is None:
        raise FileNotFoundError(f"{name}.rda is not in {folder} ({r_package}).")
    return pyreadr.read_r(str(path))[name].reset_index(drop=True)


def _yes(s):
    return (s.astype(object) == "yes").to_numpy()


def _subsample(X, y, ratio, rng):
    """Keep all majority rows and ``ratio`` times as many minority rows."""
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    keep = rng.choice(
        pos, size=min(len(pos), int(round(ratio * len(neg)))), replace=False
    )
    idx = np.sort(np.concatenate([neg, keep]))
    return X.iloc[idx].reset_index(drop=True), y[idx]


def _shrink(X, y, rng):
    """A stratified random ``QUICK_ROWS`` rows, for ``--quick``."""
    if len(y) <= QUICK_ROWS:
        return X, y
    idx = []
    for label in (0, 1):
        rows = np.flatnonzero(y == label)
        idx.append(rng.choice(rows, int(round(QUICK_ROWS * len(rows) / len(y))), False))
    idx = np.sort(np.concatenate(idx))
    return X.iloc[idx].reset_index(drop=True), y[idx]


def hmda():
    df = read_table("HMDA", "AER")
    y = _yes(df.pop("deny")).astype(np.int64)
    for col in (
        "phist",
        "selfemp",
        "insurance",
        "condomin",
        "afam",
        "single",
        "hschool",
    ):
        df[col] = _yes(df[col])
    return df, y


def creditcard():
    df = read_table("CreditCard", "AER").drop(columns=["expenditure", "share"])
    y = (~_yes(df.pop("card"))).astype(np.int64)
    for col in ("reports", "dependents", "months", "majorcards", "active"):
        df[col] = df[col].astype(np.int64)
    for col in ("owner", "selfemp"):
        df[col] = df[col].astype(object).astype(str).astype(object)
    return df, y


def health():
    df = read_table("HealthInsurance", "AER")
    y = (~_yes(df.pop("health"))).astype(np.int64)
    df["age"] = df["age"].astype(np.int64)
    df["family"] = df["family"].astype(np.int64)
    for col in ("limit", "insurance", "married", "selfemp"):
        df[col] = _yes(df[col])
    return df, y


def gss():
    df = read_table("GSS7402", "AER")
    y = _yes(df.pop("immigrant")).astype(np.int64)
    df["kids"] = df["kids"].astype(np.int64)
    df["agefirstbirth"] = df["agefirstbirth"].astype("Int64")  # integral in the file
    return df, y


def breast_cancer():
    df = read_table("BreastCancer", "mlbench").drop(columns=["Id"])
    y = (df.pop("Class").astype(object) == "malignant").to_numpy().astype(np.int64)
    return df, y


def house_votes():
    df = read_table("HouseVotes84", "mlbench")
    y = (df.pop("Class").astype(object) == "republican").to_numpy().astype(np.int64)
    return df, y


# name -> (loader, minority:majority ratio to subsample to, or None: natural)
TABLES = {
    "hmda deny": (hmda, None),
    "creditcard refused": (creditcard, 0.1),
    "health poor": (health, None),
    "gss immigrant": (gss, None),
    "breastcancer malignant": (breast_cancer, 0.1),
    "housevotes republican": (house_votes, 0.2),
}


def load_mixed_tables(seed=0, *, quick=False, names=None):
    """``[(name, X, y)]`` of the tables above; ``y = 1`` is the minority."""
    out = []
    for name, (loader, ratio) in TABLES.items():
        if names and not any(s in name for s in names):
            continue
        rng = np.random.default_rng(seed)
        X, y = loader()
        if ratio is not None:
            X, y = _subsample(X, y, ratio, rng)
        if quick:
            X, y = _shrink(X, y, rng)
        out.append((name, X, y))
    return out
