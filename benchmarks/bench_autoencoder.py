"""Has the autoencoder learned the data when training stops? Measured.

Issue 9. For ``pretrain_steps`` 0, 300 and 1,000 (everything else at its
default), on two offline tables, standardised: the epochs run, the
minority's reconstruction error ``mean((G(m_i) - x_i)^2)`` (1 is what the
mean would score), and how far the decoder moves a minority row when its
code is moved all the way to the nearest majority code, as a share of the
distance between the two real rows (median over minority rows; 0 means the
decoder ignores its code), and the fit time.

    python benchmarks/bench_autoencoder.py --quick
"""

import time
import warnings

import _common
import torch
from sklearn.preprocessing import StandardScaler

from skdvaan import DVAANClassifier

DATASETS = ("breast_cancer malignant 1:10", "make_classification")


def measure(X, y, steps, seed):
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = DVAANClassifier(random_state=seed, pretrain_steps=steps).fit(X, y)
    fit_s = time.perf_counter() - t0
    m = clf.module_
    with torch.no_grad():
        ref, ref_y = m.anchor_x, m.anchor_y
        codes, _ = m.encoder(ref)
        own = ref_y == 1
        m_i, x_i = codes[own], ref[own]
        j = torch.cdist(m_i, codes[~own]).argmin(1)
        m_j, x_j = codes[~own][j], ref[~own][j]
        moved = (m.decoder(m_j) - m.decoder(m_i)).norm(dim=1)
        share = float((moved / (x_j - x_i).norm(dim=1)).median())
        err = float(((m.decoder(m_i) - x_i) ** 2).mean())
    return {
        "epochs": clf.n_iter_,
        "minority recon error": f"{err:.3f}",
        "decoded move / real move": f"{share:.3f}",
        "fit s": f"{fit_s:.2f}",
    }


def run(args):
    timer = _common.Timer()
    machine = _common.machine_info()
    rows = []
    for name, X, y in _common.tabular_datasets(args.seed, quick=args.quick):
        if not any(name.startswith(d) for d in DATASETS):
            continue
        X = StandardScaler().fit_transform(X)
        for steps in (0, 300, 1000):
            row = {"dataset": name, "pretrain_steps": steps}
            row.update(measure(X, y, steps, args.seed))
            rows.append(row)
            print(row, flush=True)
    _common.write_results(
        "bench_autoencoder",
        args,
        tables=[("Autoencoder at the end of training", _common.markdown_table(rows))],
        records=rows,
        machine=machine,
        wall_time=timer(),
        notes=["One seed; all other parameters at their defaults."],
    )


def main():
    parser = _common.make_parser(__doc__.splitlines()[0])
    args = parser.parse_args()
    _common.limit_threads(args.threads)
    run(args)


if __name__ == "__main__":
    main()
