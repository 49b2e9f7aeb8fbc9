"""
A fan chart: two years of electrical-equipment orders, forecast by sample paths
===============================================================================

Eurostat's monthly turnover index of electrical equipment manufacturing in the
euro area (shipped inside statsmodels, read by :mod:`seqrnn.datasets`) has a
strong yearly cycle whose amplitude grows with the level. We hold out the last
two years, fit an :class:`~seqrnn.RNNForecaster` on the rest with a log
transform (multiplicative season) and seasonal differencing (the season
repeats from year to year), draw 2000 sample paths of the next 24 months, and
draw the median path with its 80% and 95% bands against the truth.

Run it with ``python examples/plot_forecast_fan_chart.py`` (about half a
minute on two CPU cores); it saves the figure next to itself.
"""

# %%
# Data: one series; the last 24 months are held out.
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from seqrnn import RNNForecaster  # noqa: E402
from seqrnn.datasets import load_elec_equip  # noqa: E402

series = load_elec_equip()
horizon = 24
train, test = series.iloc[:-horizon], series.iloc[-horizon:]
print(f"{len(train)} training months, {len(test)} held out")

# %%
# The model: library defaults, plus the two transforms read off the plot. A
# single series is a single row: ``[train]``.
forecaster = RNNForecaster(log_transform=True, differencing=12, random_state=0)
forecaster.fit([train.to_numpy()])
print(f"{forecaster.n_epochs_} epochs, final loss {forecaster.history_['loss'][-1]:.3f}")

# %%
# Sample paths carry the recurrent state from month to month, all 2000 in one
# compiled loop; the bands are their quantiles at each month.
paths = forecaster.sample(horizon, train.to_numpy(), n_samples=2000, random_state=0)
q025, q10, median, q90, q975 = np.quantile(paths, [0.025, 0.1, 0.5, 0.9, 0.975], axis=0)
inside_80 = np.mean((q10 <= test.to_numpy()) & (test.to_numpy() <= q90))
inside_95 = np.mean((q025 <= test.to_numpy()) & (test.to_numpy() <= q975))
print(f"held-out months inside the 80% band: {inside_80:.0%}, the 95% band: {inside_95:.0%}")
# predict_interval draws the same paths for the same random_state and n_samples
lower, upper = forecaster.predict_interval(
    horizon, train.to_numpy(), coverage=0.8, n_samples=2000, random_state=0
)
np.testing.assert_allclose([lower, upper], [q10, q90])

# %%
# The fan chart.
fig, ax = plt.subplots(figsize=(8, 4))
recent = train.iloc[-72:]
ax.plot(recent.index, recent, color="black", lw=1, label="training data")
ax.fill_between(test.index, q025, q975, color="C0", alpha=0.2, lw=0, label="95% band")
ax.fill_between(test.index, q10, q90, color="C0", alpha=0.4, lw=0, label="80% band")
ax.plot(test.index, median, color="C0", lw=2, label="median path")
ax.plot(test.index, test, color="C3", lw=1.5, ls="--", label="held-out truth")
ax.plot(test.index, paths[0], color="C0", lw=0.6, alpha=0.7, label="one sample path")
ax.set_ylabel("turnover index (2010 = 100)")
ax.set_title("RNNForecaster: 24-month fan chart, electrical equipment (euro area)")
ax.set_ylim(60, 150)  # room for the legend above the series
ax.legend(loc="upper left", ncol=3, fontsize=8)
fig.tight_layout()
fig.savefig(Path(__file__).with_suffix(".png"), dpi=100)
