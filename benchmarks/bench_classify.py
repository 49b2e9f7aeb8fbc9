"""Accuracy of RNNSequenceClassifier on UCR/UEA data sets, against 1-NN.

For each data set, on the archive's fixed train/test split, this prints the
test accuracy of ``RNNSequenceClassifier`` (mean and spread over three
``random_state`` values) next to the accuracy of the archive's standard
baseline, the 1-nearest-neighbour classifier with Euclidean distance,
computed in the same run on the same data. Series of different lengths are
padded at the end with their last value for 1-NN (Euclidean distance needs
one length); the recurrent model takes them as they are.

Run by hand (a few minutes on two CPU cores)::

    python benchmarks/bench_classify.py
    python benchmarks/bench_classify.py --datasets GunPoint --seeds 0 1 2 --set units=64

``--set`` applies to every data set, on top of the settings in ``SETTINGS``.

The data come from the ``sktime`` package (``pip install "seqrnn[datasets]"``).
"""

import argparse
import ast
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402

from seqrnn.classification import RNNSequenceClassifier  # noqa: E402
from seqrnn.datasets import load_ucr_uea  # noqa: E402

DATASETS = ["GunPoint", "ItalyPowerDemand", "BasicMotions", "JapaneseVowels", "ArrowHead"]
#: The only settings changed from the defaults, per data set: ArrowHead's
#: 251-step series are read in segments of 24 steps (about ten segments), and,
#: as outlines of shapes, also learned shifted by a few steps and reversed.
SETTINGS = {
    "ArrowHead": {
        "segment_length": 24, "augment_shifts": (-8, -4, 4, 8), "augment_reverse": True,
    },
}


def pad_with_last_value(series, length):
    """One row per series: each padded at the end with its last value."""
    rows = []
    for s in series:
        s = np.asarray(s, dtype=np.float64).reshape(len(s), -1)
        tail = np.repeat(s[-1:], length - len(s), axis=0)
        rows.append(np.concatenate([s, tail]).ravel())
    return np.array(rows)


def one_nn_accuracy(X_train, y_train, X_test, y_test):
    """Test accuracy of 1-NN with Euclidean distance over all time steps and channels."""
    length = max(len(s) for s in [*X_train, *X_test])
    knn = KNeighborsClassifier(n_neighbors=1, algorithm="brute")
    knn.fit(pad_with_last_value(X_train, length), y_train)
    return knn.score(pad_with_last_value(X_test, length), y_test)


def run(datasets, seeds, settings):
    header = f"{'data set':<18}{'n_train':>8}{'n_test':>8}{'length':>9}{'channels':>9}"
    header += f"{'RNN accuracy':>20}{'1-NN':>8}{'ratio':>8}{'fit s':>8}"
    print(header)
    for name in datasets:
        X_train, y_train = load_ucr_uea(name, split="train", return_X_y=True)
        X_test, y_test = load_ucr_uea(name, split="test", return_X_y=True)
        lengths = sorted({len(s) for s in [*X_train, *X_test]})
        length = str(lengths[0]) if len(lengths) == 1 else f"{lengths[0]}-{lengths[-1]}"
        channels = np.asarray(X_train[0]).reshape(len(X_train[0]), -1).shape[1]
        accuracies, fit_times = [], []
        for seed in seeds:
            clf = RNNSequenceClassifier(
                random_state=seed, **{**SETTINGS.get(name, {}), **settings}
            )
            start = time.perf_counter()
            clf.fit(X_train, y_train)
            fit_times.append(time.perf_counter() - start)
            accuracies.append(clf.score(X_test, y_test))
        baseline = one_nn_accuracy(X_train, y_train, X_test, y_test)
        mean = np.mean(accuracies)
        rnn = f"{mean:.4f} ± {np.std(accuracies):.4f}"
        print(
            f"{name:<18}{len(X_train):>8}{len(X_test):>8}{length:>9}{channels:>9}"
            f"{rnn:>20}{baseline:>8.4f}{mean / baseline:>8.2f}{np.mean(fit_times):>8.1f}",
            flush=True,
        )


def _setting(text):
    key, _, value = text.partition("=")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=DATASETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument(
        "--set", nargs="*", default=[], type=_setting, metavar="PARAM=VALUE",
        help="override a parameter of RNNSequenceClassifier, e.g. units=64",
    )
    args = parser.parse_args(argv)
    settings = dict(args.set)
    for name in args.datasets:
        changed = {**SETTINGS.get(name, {}), **settings}
        print(f"{name}: settings changed from the defaults: {changed or 'none'}")
    run(args.datasets, args.seeds, settings)


if __name__ == "__main__":
    main()
