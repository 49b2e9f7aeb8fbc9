"""Forecast accuracy of RNNForecaster against classical baselines.

Run by hand (a few minutes on a laptop CPU; ``pip install "seqrnn[datasets]"``
for the series and Holt-Winters)::

    python benchmarks/bench_forecast.py                # the table in docs/forecasting.md
    python benchmarks/bench_forecast.py --seeds 0 --series sunspots --set units=64

Protocol. Each series (shipped inside statsmodels, read by seqrnn.datasets)
is split once: the last ``holdout`` values (three seasons) are never seen in
training. Every method then forecasts one season ahead (``h`` steps) from
every origin inside the holdout where a full season of truth is left
(rolling origin, ``holdout - h + 1`` forecasts per series): the RNN keeps
the weights fitted on the training part and reads the true values up to
the origin as context; Holt-Winters is refitted at every origin (an
advantage to the baseline). One forecast origin alone would make the
ranking depend on which year happens to be held out.

Accuracy is the MASE: the mean absolute error over all origins and steps,
divided by the in-sample mean absolute error of the seasonal naive
forecast on the training part. RNNForecaster forecasts with the median of
1000 sample paths; it is fitted with library defaults and the per-series
settings in ``SERIES`` (the transforms a user would choose from a plot:
differencing at the season length for a trend with a stable season, a log
for multiplicative series). Its MASE is the mean over ``--seeds`` (``sd``:
their standard deviation), and the coverage is the share of held-out
values inside its 80% interval, pooled over origins, steps and seeds.

Baselines, computed in the same run:

* naive: the value at the origin, repeated;
* seasonal naive: the last season before the origin, repeated;
* Holt-Winters: statsmodels' ExponentialSmoothing with an additive damped
  trend and additive seasonality of the series' period, fitted by maximum
  likelihood (the classical default for seasonal series).
"""

import argparse
import time
import warnings

import numpy as np

from seqrnn.datasets import load_co2, load_elec_equip, load_elnino, load_sunspots
from seqrnn.forecasting import RNNForecaster


def _co2_monthly():
    return load_co2().resample("MS").mean()  # 5 months stay missing


#: name -> (loader, season length, RNNForecaster settings)
SERIES = {
    "co2": (_co2_monthly, 12, dict(differencing=12, missing="interpolate")),
    "elec_equip": (load_elec_equip, 12, dict(differencing=12, log_transform=True)),
    "elnino": (load_elnino, 12, dict()),
    "sunspots": (load_sunspots, 11, dict()),
}


def fill_gaps(y):
    """Linear interpolation of NaN (the baselines need complete series)."""
    t, known = np.arange(len(y)), ~np.isnan(y)
    return np.where(known, y, np.interp(t, t[known], y[known]))


def naive(history, h, season):
    return np.repeat(history[-1], h)


def seasonal_naive(history, h, season):
    return np.resize(history[-season:], h)


def holt_winters(history, h, season):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter
        model = ExponentialSmoothing(
            history, trend="add", damped_trend=True, seasonal="add", seasonal_periods=season,
        ).fit()
    return model.forecast(h)


def split(name):
    """(raw series, series without gaps, season, n_train, horizon)."""
    loader, season, _ = SERIES[name]
    raw = loader().to_numpy(float)
    holdout = 3 * season
    return raw, fill_gaps(raw), season, len(raw) - holdout, season


def evaluate_baselines(name):
    """MASE of each baseline on series ``name``."""
    _, y, season, n_train, h = split(name)
    train = y[:n_train]
    scale = np.mean(np.abs(train[season:] - train[:-season]))
    origins = range(n_train, len(y) - h + 1)
    scores = {}
    for method in (naive, seasonal_naive, holt_winters):
        errors = [np.abs(y[o:o + h] - method(y[:o], h, season)) for o in origins]
        scores[method.__name__] = float(np.mean(errors) / scale)
    return scores


def evaluate_rnn(name, seed, overrides=None):
    """MASE, 80% coverage and fit time of RNNForecaster on series ``name``."""
    raw, y, season, n_train, h = split(name)
    settings = {**SERIES[name][2], **(overrides or {})}
    train = y[:n_train]
    scale = np.mean(np.abs(train[season:] - train[:-season]))
    start = time.perf_counter()
    # the model sees the raw series: its own missing="interpolate" fills the gaps
    fc = RNNForecaster(random_state=seed, **settings).fit([raw[:n_train]])
    seconds = time.perf_counter() - start
    errors, inside = [], []
    for o in range(n_train, len(y) - h + 1):
        lower, median, upper = fc.predict_quantiles(
            h, raw[:o], (0.1, 0.5, 0.9), n_samples=1000, random_state=seed
        )
        truth = y[o:o + h]
        errors.append(np.abs(truth - median))
        inside.append((lower <= truth) & (truth <= upper))
    return float(np.mean(errors) / scale), float(np.mean(inside)), seconds


def parse_value(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"None": None, "True": True, "False": False}.get(text, text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--series", nargs="+", default=list(SERIES), choices=list(SERIES))
    parser.add_argument(
        "--set", nargs="*", default=[], metavar="PARAM=VALUE",
        help="override an RNNForecaster parameter on every series",
    )
    args = parser.parse_args(argv)
    overrides = {k: parse_value(v) for k, v in (item.split("=", 1) for item in args.set)}

    columns = ["series", "n", "train", "h", "naive", "s-naive", "Holt-W", "RNN", "RNN sd",
               "80% cov", "fit s"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" if c == "series" else "---:" for c in columns) + "|")
    for name in args.series:
        raw, _, _, n_train, h = split(name)
        base = evaluate_baselines(name)
        runs = [evaluate_rnn(name, seed, overrides) for seed in args.seeds]
        mase, coverage, seconds = (np.array(v) for v in zip(*runs))
        cells = [
            name, len(raw), n_train, h,
            f"{base['naive']:.3f}", f"{base['seasonal_naive']:.3f}",
            f"{base['holt_winters']:.3f}", f"{mase.mean():.3f}", f"{mase.std():.3f}",
            f"{coverage.mean():.0%}", f"{seconds.mean():.0f}",
        ]
        print("| " + " | ".join(map(str, cells)) + " |", flush=True)


if __name__ == "__main__":
    main()
