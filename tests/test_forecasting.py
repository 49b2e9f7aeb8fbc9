"""RNNForecaster through its public API, with tiny models shared by module fixtures."""

import pickle
import random
import subprocess
import sys
import textwrap
import warnings

import keras
import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import Pipeline

from seqrnn import NonFiniteLossError, _core
from seqrnn.forecasting import RNNForecaster, robust_scale
from seqrnn.series import SeriesWindower

T = np.arange(96)
NOISE = 0.3 * np.random.default_rng(0).standard_normal(96)
SEASONAL = 20 + 3 * np.sin(2 * np.pi * T / 12) + 0.02 * T + NOISE
ROWS = [SEASONAL[:60], SEASONAL[20:96], SEASONAL[:35]]


def tiny(**params):
    defaults = dict(
        units=8, epochs=4, seq_length=24, batch_size=8, learning_rate=0.01, random_state=0
    )
    return RNNForecaster(**{**defaults, **params})


@pytest.fixture(scope="module")
def fc():
    return tiny().fit(ROWS)


@pytest.fixture(scope="module")
def fc_log_diff():
    """Log transform and seasonal differencing, on a positive series."""
    return tiny(log_transform=True, differencing=12, epochs=2).fit([SEASONAL])


def one_step_density(model, context, grid):
    """Predictive density of the next value on ``grid``, from score_samples."""
    rows = [np.append(context, v) for v in grid]
    return np.exp(model.score_samples(rows) - model.score_samples([context])[0])


# ------------------------------------------------------------------ fitting
def test_fit_learns_standardisation_and_history(fc):
    z = np.concatenate(ROWS)
    assert fc.target_mean_ == pytest.approx(z.mean())
    assert fc.target_scale_ == pytest.approx(z.std())
    assert fc.level_mean_ is None and fc.covariate_mean_.shape == (0,)
    assert fc.n_features_in_ == 1 and fc.n_epochs_ == 4
    assert fc.history_["status"] == ["completed"] * 4
    assert fc.history_["loss"][-1] < fc.history_["loss"][0]


def test_same_random_state_same_model():
    a = tiny(epochs=1).fit(ROWS).predict(ROWS)
    np.testing.assert_array_equal(a, tiny(epochs=1).fit(ROWS).predict(ROWS))
    assert not np.array_equal(a, tiny(epochs=1, random_state=1).fit(ROWS).predict(ROWS))


def test_fit_leaves_global_random_state_alone():
    np.random.seed(123)
    random.seed(123)
    before_np, before_py = np.random.get_state(), random.getstate()
    tiny(random_state=None, epochs=1).fit(ROWS[:1])
    after_np = np.random.get_state()
    assert before_np[0] == after_np[0] and np.array_equal(before_np[1], after_np[1])
    assert random.getstate() == before_py


def test_warm_start_keeps_standardisation_and_continues():
    model = tiny(epochs=1, warm_start=True).fit(ROWS)
    mean, weights = model.target_mean_, model.model_.get_weights()
    model.fit([SEASONAL + 100])
    assert model.target_mean_ == mean and len(model.history_["loss"]) == 2
    assert any(not np.array_equal(a, b) for a, b in zip(weights, model.model_.get_weights()))
    with pytest.raises(ValueError, match="2 feature.*fitted with 1"):
        model.fit(np.ones((2, 5, 2)))
    # what the standardisation means cannot change under a warm start
    before = model.predict(ROWS)
    for change in ({"log_transform": True}, {"differencing": 3}):
        with pytest.raises(ValueError, match=f"built with {next(iter(change))}=.*cannot apply"):
            model.set_params(**change).fit(ROWS)
        model.set_params(log_transform=False, differencing=None)
    assert len(model.history_["loss"]) == 2
    np.testing.assert_array_equal(model.predict(ROWS), before)


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_other_cells_and_stacked_layers(cell):
    model = tiny(cell=cell, units=(5, 4), epochs=1).fit(ROWS)
    assert [layer.units for layer in _core.rnn_layers(model.model_)] == [5, 4]
    assert model.sample(6, SEASONAL, random_state=0).shape == (6,)


# --------------------------------------------------------------- prediction
def test_predict_one_value_per_row(fc):
    pred = fc.predict(ROWS)
    assert pred.shape == (3,) and np.isfinite(pred).all()
    # variable-length list == 2-D array padded with NaN at the start
    padded = np.full((3, 76), np.nan)
    for i, row in enumerate(ROWS):
        padded[i, 76 - len(row):] = row
    np.testing.assert_allclose(fc.predict(padded), pred, rtol=1e-6)


def test_a_row_predicts_the_same_alone_as_beside_others(fc):
    together = fc.predict([SEASONAL[:5], SEASONAL, SEASONAL[:40]] * 7)
    for i, row in enumerate([SEASONAL[:5], SEASONAL, SEASONAL[:40]]):
        assert fc.predict([row])[0] == together[i]


def test_a_row_scores_the_same_alone_as_beside_others_or_padded(fc):
    rows = [SEASONAL[:5], SEASONAL, SEASONAL[:40], SEASONAL[:50]]
    together = fc.score_samples(rows * 3)
    for i, row in enumerate(rows):
        alone = fc.score_samples([row])[0]
        assert alone == together[i]
        assert fc.score_samples([np.concatenate([np.full(7, np.nan), row])])[0] == alone


def test_inference_does_not_depend_on_chunking(fc, monkeypatch):
    reference = fc.score_samples(ROWS)
    monkeypatch.setattr(_core, "INFERENCE_CHUNK", 7)
    np.testing.assert_allclose(fc.score_samples(ROWS), reference, rtol=1e-5)


def test_score_is_mean_loglik_per_value(fc):
    per_row = fc.score_samples(ROWS)
    assert per_row.shape == (3,)
    assert fc.score(ROWS) == pytest.approx(per_row.sum() / sum(map(len, ROWS)))


@pytest.mark.parametrize("c", [1000.0, 1e-13, 1e200])
def test_score_is_in_the_units_of_the_series(c):
    # standardisation makes training identical for c * y, so the
    # likelihood changes exactly by the Jacobian: -log(c) per value,
    # for tiny and huge units alike
    for params in ({}, {"log_transform": True, "differencing": 3}):
        base = tiny(epochs=1, **params).fit(ROWS)
        scaled = tiny(epochs=1, **params).fit([c * r for r in ROWS])
        np.testing.assert_allclose(
            scaled.score_samples([c * r for r in ROWS]),
            base.score_samples(ROWS) - np.log(c) * np.array([len(r) for r in ROWS]),
            rtol=1e-4,
        )
        np.testing.assert_allclose(
            scaled.predict([c * r for r in ROWS]), c * base.predict(ROWS), rtol=1e-4
        )


@pytest.mark.parametrize("context_length", [30, 5, 0])
def test_predictive_density_integrates_to_one(fc, fc_log_diff, context_length):
    # in the original units, whatever the internal transforms (with
    # differencing, the first 12 values have the marginal density)
    context = SEASONAL[:context_length]
    grid = np.linspace(1.0, 60.0, 6000)
    for model in (fc, fc_log_diff):
        density = one_step_density(model, context, grid)
        assert np.trapezoid(density, grid) == pytest.approx(1.0, abs=1e-3)


def test_predict_is_the_predictive_mean(fc, fc_log_diff):
    grid = np.linspace(1.0, 60.0, 6000)
    density = one_step_density(fc, SEASONAL[:50], grid)
    mean = np.trapezoid(grid * density, grid)
    assert fc.predict([SEASONAL[:50]])[0] == pytest.approx(mean, rel=1e-4)
    # with a log transform: the median
    density = one_step_density(fc_log_diff, SEASONAL[:50], grid)
    cdf = np.cumsum(density) * (grid[1] - grid[0])
    median = grid[np.searchsorted(cdf, 0.5)]
    assert fc_log_diff.predict([SEASONAL[:50]])[0] == pytest.approx(median, rel=1e-3)


def test_differencing_short_rows_predict_the_level(fc_log_diff):
    short = fc_log_diff.predict([SEASONAL[:3], SEASONAL[:11], np.zeros(0) + np.nan])
    np.testing.assert_allclose(short, np.exp(fc_log_diff.level_mean_))
    assert fc_log_diff.predict([SEASONAL[:12]])[0] != short[0]


# ----------------------------------------------------------------- sampling
def test_sample_shapes_and_reproducibility(fc):
    path = fc.sample(10, SEASONAL, random_state=0)
    assert path.shape == (10,) and np.isfinite(path).all()
    paths = fc.sample(10, SEASONAL, n_samples=50, random_state=0)
    assert paths.shape == (50, 10)
    np.testing.assert_array_equal(paths, fc.sample(10, SEASONAL, n_samples=50, random_state=0))
    assert not np.array_equal(paths, fc.sample(10, SEASONAL, n_samples=50, random_state=1))
    assert len({tuple(p) for p in paths}) == 50  # every path its own
    assert fc.sample(4, None, random_state=0).shape == (4,)
    # streams and steps are padded to few compiled shapes; the padding never
    # changes a path: the same draws give the same path (up to float32
    # rounding, which depends on the number of streams computed together)
    three = fc.sample(10, SEASONAL, n_samples=3, random_state=0)
    two = fc.sample(10, SEASONAL, n_samples=2, random_state=0)
    np.testing.assert_allclose(three[:2], two, rtol=1e-6)
    np.testing.assert_allclose(fc.sample(6, SEASONAL, random_state=2),
                               fc.sample(9, SEASONAL, random_state=2)[:6], rtol=1e-6)


def test_temperature_zero_is_the_plug_in_mean_path(fc):
    mean_path = fc.sample(8, SEASONAL[:50], temperature=0)
    paths = fc.sample(8, SEASONAL[:50], n_samples=3, temperature=0)
    assert (paths == paths[0]).all()
    np.testing.assert_allclose(paths[0], mean_path, rtol=1e-6)
    # each step's mean fed back: step t is predict() of the context plus steps < t
    for t in range(8):
        expected = fc.predict([np.concatenate([SEASONAL[:50], mean_path[:t]])])[0]
        assert mean_path[t] == pytest.approx(expected, rel=1e-5)


def test_sample_paths_follow_the_predictive_distribution(fc):
    first = fc.sample(1, SEASONAL[:50], n_samples=4000, random_state=0)[:, 0]
    grid = np.linspace(1.0, 60.0, 6000)
    density = one_step_density(fc, SEASONAL[:50], grid)
    mean = np.trapezoid(grid * density, grid)
    sd = np.sqrt(np.trapezoid((grid - mean) ** 2 * density, grid))
    assert first.mean() == pytest.approx(mean, abs=4 * sd / np.sqrt(4000))
    assert first.std() == pytest.approx(sd, rel=0.05)
    half = fc.sample(1, SEASONAL[:50], n_samples=4000, temperature=0.5, random_state=0)[:, 0]
    assert half.std() == pytest.approx(sd / 2, rel=0.05)


def test_temperature_too_large_for_float32_is_refused(fc):
    """Before, temperature=1e308 overflowed in a cast (a RuntimeWarning) and
    returned a path of inf followed by NaN (the inf fed back as input)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # an overflow in a cast
        huge = fc.sample(3, SEASONAL[:50], n_samples=4, temperature=1e30, random_state=0)
        assert np.isfinite(huge).all() and np.abs(huge).max() > 1e25
        with pytest.raises(ValueError, match=r"^The 'temperature' argument of "
                           r"RNNForecaster\.sample is too large for this model: with "
                           r"temperature=1e\+308 a draw exceeds float32's range") as excinfo:
            fc.sample(3, SEASONAL[:50], n_samples=4, temperature=1e308, random_state=0)
    assert excinfo.value.args[0].count("\n") == 0


def test_scale_calibration_scales_score_and_paths(fc):
    # the factor is the spread of the training residuals under the raw scale
    levels, *_ = fc._prepare(ROWS)
    rows = [fc._network_inputs(g, np.zeros((len(g), 0)))[0] for g in levels]
    outputs, _ = fc._outputs(rows, calibrated=False)
    z = np.concatenate([(x[1:, 0] - out[:-1, 0]) / out[:-1, 1] for x, out in zip(rows, outputs)])
    assert fc.scale_calibration_ == pytest.approx(np.median(np.abs(z)) / 0.6744897501960817)
    # score and sample both use it: double it and the paths spread twice as far
    other = pickle.loads(pickle.dumps(fc))
    other.scale_calibration_ = 2 * fc.scale_calibration_
    assert other.score(ROWS) != fc.score(ROWS)
    mean = fc.sample(1, SEASONAL[:50], temperature=0)[0]
    one = fc.sample(1, SEASONAL[:50], n_samples=5, random_state=0)[:, 0] - mean
    two = other.sample(1, SEASONAL[:50], n_samples=5, random_state=0)[:, 0] - mean
    np.testing.assert_allclose(two, 2 * one, rtol=1e-4)


def test_robust_scale_ignores_rare_shocks():
    z = np.random.default_rng(0).normal(scale=3.0, size=20_000)
    assert robust_scale(z) == pytest.approx(3.0, rel=0.03)
    z[::50] = 1e3  # two percent of shocks
    assert robust_scale(z) == pytest.approx(3.0, rel=0.06)
    assert robust_scale(np.zeros(5)) == 1.0


def test_log_and_differenced_paths(fc_log_diff):
    paths = fc_log_diff.sample(24, SEASONAL, n_samples=20, random_state=0)
    assert (paths > 0).all()
    with pytest.raises(ValueError, match="at least 12 values"):
        fc_log_diff.sample(3, SEASONAL[:11])
    with pytest.raises(ValueError, match="at least 12 values"):
        fc_log_diff.sample(3)


def test_predict_interval_and_quantiles(fc):
    lower, upper = fc.predict_interval(6, SEASONAL, coverage=0.8, random_state=0)
    wide_lower, wide_upper = fc.predict_interval(6, SEASONAL, coverage=0.95, random_state=0)
    assert lower.shape == upper.shape == (6,)
    assert (wide_lower < lower).all() and (lower < upper).all() and (upper < wide_upper).all()
    q = fc.predict_quantiles(6, SEASONAL, [0.1, 0.5, 0.9], random_state=0)
    assert q.shape == (3, 6)
    np.testing.assert_allclose(q[[0, 2]], [lower, upper])
    assert fc.predict_quantiles(6, SEASONAL, 0.5, random_state=0).shape == (6,)


# ------------------------------------------------------------- covariates
@pytest.fixture(scope="module")
def covariate_data():
    rng = np.random.default_rng(1)
    driver = rng.standard_normal((6, 40))
    target = np.zeros_like(driver)
    target[:, 1:] = 2 * driver[:, :-1]  # the covariate leads the target by one step
    return np.stack([driver, target + 0.1 * rng.standard_normal(target.shape)], axis=-1)


def test_covariates(covariate_data):
    model = tiny(target_index=1, epochs=30, learning_rate=0.02).fit(covariate_data)
    assert model.n_features_in_ == 2 and model.covariate_mean_.shape == (1,)
    row = covariate_data[0]
    # the next target follows the last covariate value
    up, down = row.copy(), row.copy()
    up[-1, 0], down[-1, 0] = 2.0, -2.0
    assert model.predict([up])[0] > model.predict([down])[0] + 1.0
    assert model.sample(1, row, random_state=0).shape == (1,)
    with pytest.raises(ValueError, match="future_covariates.*required"):
        model.sample(3, row)
    with pytest.raises(ValueError, match=r"shape \(3, 1\)"):
        model.sample(3, row, future_covariates=np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"Got 1 NaN or infinite value"):
        model.sample(3, row, future_covariates=[[0.0], [np.nan], [0.0]])
    high = model.sample(3, row, future_covariates=[[2.0], [2.0], [0.0]], temperature=0)
    low = model.sample(3, row, future_covariates=[[-2.0], [-2.0], [0.0]], temperature=0)
    assert high[0] == low[0]  # the first step only reads the context
    assert high[1] > low[1] + 1.0 and high[2] > low[2] + 1.0
    with pytest.raises(ValueError, match="1 feature.*fitted with 2"):
        model.predict(np.ones((2, 5)))


def test_target_index_out_of_range():
    with pytest.raises(ValueError, match="'target_index'.*smaller than.*\\(2\\)"):
        tiny(target_index=2).fit(np.ones((2, 5, 2)))


# ----------------------------------------------------------- missing values
def test_missing_values(fc):
    gappy = SEASONAL[:50].copy()
    gappy[[10, 11, 49]] = np.nan
    with pytest.raises(ValueError, match="NaN.*row 1, time step 12"):
        fc.predict([SEASONAL, np.concatenate([[np.nan, np.nan], gappy])])
    with pytest.raises(ValueError, match="NaN.*row 0, time step 10.*missing='interpolate'"):
        fc.predict([gappy])
    with pytest.raises(ValueError, match="NaN in context at time step 10: NaN"):
        fc.sample(3, context=gappy)  # one series: no row number
    filled = gappy.copy()
    filled[10:12] = np.interp([10, 11], [9, 12], gappy[[9, 12]])
    filled[49] = gappy[48]
    interpolating = clone(fc).set_params(missing="interpolate")
    interpolating.fit(ROWS)
    np.testing.assert_allclose(
        interpolating.predict([gappy]), interpolating.predict([filled]), rtol=1e-6
    )
    assert interpolating.__sklearn_tags__().input_tags.allow_nan
    assert not fc.__sklearn_tags__().input_tags.allow_nan


@pytest.mark.parametrize("dtype", ["Float64", "Int64"])
def test_pandas_missing_values_are_missing_values(dtype):
    """pd.NA in a nullable pandas column is a missing value, as NaN is.

    Before, converting it to float failed with a TypeError about NAType.
    """
    X = np.round(np.stack([SEASONAL[:48], SEASONAL[48:]]))
    X[0, 10] = np.nan
    frame = pd.DataFrame(X).astype(dtype)
    assert frame.iloc[0, 10] is pd.NA
    with pytest.raises(ValueError, match=r"got NaN in X at row 0, time step 10: .*"
                       r"missing='interpolate'"):
        tiny(epochs=1).fit(frame)
    model = tiny(epochs=1, missing="interpolate")
    expected = clone(model).fit(X).predict(X)
    np.testing.assert_array_equal(model.fit(frame).predict(frame), expected)
    # one nullable Series as a row of a list
    np.testing.assert_array_equal(model.predict([frame.iloc[0]]), expected[:1])


@pytest.mark.parametrize("differencing", [None, 1])
def test_filled_values_are_context_only(differencing):
    gappy = SEASONAL[:50].copy()
    gappy[[10, 11, 49]] = np.nan
    model = tiny(missing="interpolate", differencing=differencing, epochs=1)
    model.fit([gappy, SEASONAL[50:]])
    seen = ~np.isnan(gappy)
    if differencing is None:  # the standardisation ignores filled values too
        observed = np.concatenate([gappy[seen], SEASONAL[50:]])
        assert model.target_mean_ == pytest.approx(observed.mean())
    else:  # the first level, then each difference of two observed values
        seen = np.concatenate([seen[:1], seen[1:] & seen[:-1]])
    assert model.score([gappy]) == pytest.approx(model.score_samples([gappy])[0] / seen.sum())


def test_a_constant_covariate_has_scale_one(covariate_data):
    # 0.1 repeated has a standard deviation of about 1e-17 (round-off of
    # its mean), which must not become the scale of the covariate
    X = covariate_data.copy()
    X[:, :, 0] = 0.1
    assert X[:, :, 0].std() > 0
    model = tiny(target_index=1, epochs=1).fit(X)
    assert model.covariate_scale_.tolist() == [1.0]
    # a scenario near the training value moves the forecast a little, not wildly
    near = X[0].copy()
    near[-1, 0] = 0.1 + 1e-9
    assert model.predict([near])[0] == pytest.approx(model.predict([X[0]])[0], abs=1e-6)


def test_filled_covariates_are_left_out_of_the_standardisation():
    row = np.stack([SEASONAL[:40], np.linspace(0.0, 1.0, 40) ** 3], axis=-1)
    gappy = row.copy()
    gappy[5:25, 1] = np.nan  # filled by interpolation: context only
    model = tiny(missing="interpolate", epochs=1).fit([gappy])
    observed = gappy[~np.isnan(gappy[:, 1]), 1]
    assert model.covariate_mean_ == pytest.approx([observed.mean()])
    assert model.covariate_scale_ == pytest.approx([observed.std()])


# ------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "X, error, match",
    [
        (SEASONAL, ValueError, r"1-D array.*Reshape your data.*\[series\]"),
        ([SEASONAL[:3].tolist() + [np.nan, 1.0]], ValueError, "NaN.*time step 3"),
        ([[5.0]], ValueError, "at least two values"),
        (np.zeros((3, 0)), ValueError, "0 feature"),
        ([], ValueError, "at least one row"),
        ([np.full(10, 4.2)], ValueError, "constant series.*4.2"),
        ([["a", "b", "c"]], ValueError, "numeric values"),
        (np.array([["1.5", "x"]]), ValueError, "numeric values"),
        ([[1.0, {"a": 1}]], TypeError, "numeric values"),
        # numbers as text in an object column (a CSV read by pandas): NumPy
        # would read them as numbers, silently
        ([pd.Series(["1.5", "2.5", "3.0"])], ValueError,
         r"numeric values in X \(row 0\); got strings \(object such as '1\.5'\)"),
        (np.array([[1.5, "2.5", 3.0]], dtype=object), ValueError,
         r"numeric values in X; got strings \(object such as '2\.5'\)"),
        # NumPy drops the mask: the hidden values would be read as data
        ([np.ma.masked_array(SEASONAL, mask=SEASONAL > 21)], ValueError,
         r"does not read the mask of a masked array, so it cannot use X \(row 0\) with"),
        ([[1.0, np.inf, 2.0]], ValueError, "infinity"),
        (np.ones((2, 3)) + 1j, ValueError, "Complex"),
        ("1 2 3", TypeError, "list of numeric series"),
        ([np.ones((4, 2)), np.ones((4, 3))], ValueError, "same number of features"),
        ([np.ones((2, 2, 2))], ValueError, "row 0 has shape"),
        ([[1.0, [2.0, 3.0]]], ValueError, r"X \(row 0\).*nested sequences of different"),
        # a bare pandas Series is one series, refused like a bare 1-D array
        (pd.Series(SEASONAL), ValueError, r"1-D array.*Reshape your data.*\[series\]"),
        # one series in a column is one-step series, one per row: nothing moves
        (pd.DataFrame({"y": SEASONAL}), ValueError,
         r"96 series of a single time step each.*\[df\[\['y'\]\]\]"),
        (np.ones((3, 1, 2)), ValueError, r"3 series of a single time step each \(2 feature"),
        # dates are not values: NumPy would silently cast them to nanoseconds
        ([pd.date_range("2000-01", periods=5, freq="MS").to_series()], ValueError,
         "numeric values in X.*dates or times"),
        (np.array([["2000-01-01", "2000-02-01"]], dtype="datetime64[D]"), ValueError,
         "numeric values in X.*dates or times"),
    ],
)
def test_bad_fit_input_leaves_fitted_estimator_intact(fc, X, error, match):
    before = fc.predict(ROWS)
    state = (fc.target_mean_, fc.target_scale_, dict(fc.history_))
    with pytest.raises(error, match=match):
        fc.fit(X)
    np.testing.assert_array_equal(fc.predict(ROWS), before)
    assert (fc.target_mean_, fc.target_scale_, fc.history_) == state


def test_bad_transform_input():
    with pytest.raises(ValueError, match="log_transform=True needs positive.*-1.0"):
        tiny(log_transform=True).fit([[1.0, 2.0, -1.0]])
    with pytest.raises(ValueError, match="at least two values.*after differencing at lag 5"):
        tiny(differencing=5).fit([np.arange(6.0)])
    with pytest.raises(ValueError, match="constant.*differenced"):
        tiny(differencing=1).fit([np.arange(10.0)])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"differencing": 0}, "differencing"),
        ({"differencing": 1.5}, "differencing"),
        ({"missing": "drop"}, "missing"),
        ({"target_index": -1}, "target_index"),
        ({"log_transform": "yes"}, "log_transform"),
        ({"target_index": True}, "target_index"),
        ({"differencing": True}, "differencing"),
        ({"units": 0}, "units"),
        ({"seq_length": 0}, "seq_length"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=f"'{match}' parameter of RNNForecaster"):
        tiny(**params).fit(ROWS)


@pytest.mark.parametrize(
    "method, kwargs, match",
    [
        ("sample", {"n_steps": 0}, "n_steps"),
        ("sample", {"n_steps": 2.0}, "n_steps"),
        ("sample", {"temperature": -1.0}, "temperature"),
        ("sample", {"n_samples": 0}, "n_samples"),
        ("sample", {"context": np.ones((2, 3, 1))}, "'context'.*one series"),
        ("sample", {"context": np.ones((4, 2))}, "2 feature.*fitted with 1"),
        ("sample", {"context": ["a", "b"]}, "numeric values"),
        ("sample", {"future_covariates": np.ones((5, 1))}, "future_covariates.*must be None"),
        ("predict_interval", {"coverage": 1.5}, "coverage"),
        ("predict_interval", {"coverage": True}, "coverage"),
        ("predict_quantiles", {"quantiles": [0.5, 1.2]}, "quantiles"),
        ("predict_quantiles", {"quantiles": []}, "quantiles"),
        ("predict_quantiles", {"n_samples": -5}, "n_samples"),
        ("predict_quantiles", {"n_samples": None}, "'n_samples'.*predict_quantiles.*int >= 1"),
        ("predict_quantiles", {"quantiles": "a"}, "'quantiles'"),
        ("sample", {"context": [[1.0, 2.0], [3.0]]}, "'context'.*one series"),
        ("predict_quantiles", {"quantiles": "0.5"}, "'quantiles'.*Got '0.5'"),
        ("predict_quantiles", {"quantiles": True}, "'quantiles'.*Got True"),
        ("sample", {"context": np.array(["2000-01-01"] * 3, dtype="datetime64[D]")}, "context.*dates or times"),
        ("predict_interval", {"n_steps": 0}, "'n_steps' argument of RNNForecaster.predict_inter"),
    ],
)
def test_bad_sampling_arguments(fc, method, kwargs, match):
    kwargs = {"n_steps": 5, "context": SEASONAL, **kwargs}
    with pytest.raises(ValueError, match=match):
        getattr(fc, method)(**kwargs)


def test_not_fitted():
    for method in ("predict", "score", "score_samples"):
        with pytest.raises(NotFittedError):
            getattr(tiny(), method)(ROWS)
    for method in ("sample", "predict_interval", "predict_quantiles"):
        with pytest.raises(NotFittedError):
            getattr(tiny(), method)(5, SEASONAL)


# ------------------------------------------------------------------- faults
class _Poison(keras.callbacks.Callback):
    """Make the weights NaN (or interrupt) before the given batch."""

    def __init__(self, at_batch, interrupt=False):
        super().__init__()
        self.at_batch, self.interrupt = at_batch, interrupt

    def on_train_batch_begin(self, batch, logs=None):
        if batch == self.at_batch:
            if self.interrupt:
                raise KeyboardInterrupt
            self.model.set_weights([w * np.nan for w in self.model.get_weights()])


def test_nan_loss_keeps_last_good_weights():
    model = tiny(epochs=2, batch_size=1, seq_length=12, callbacks=[_Poison(at_batch=2)])
    with pytest.raises(NonFiniteLossError, match="learning_rate.*clipnorm"):
        model.fit(ROWS)
    assert model.history_["status"][-1] == "nan_loss"
    assert model.scale_calibration_ != 1.0  # the kept weights are calibrated too
    assert np.isfinite(model.score(ROWS))
    assert np.isfinite(model.sample(5, SEASONAL, random_state=0)).all()


def test_keyboard_interrupt_keeps_weights_and_reraises():
    poison = _Poison(at_batch=1, interrupt=True)
    model = tiny(epochs=2, batch_size=1, seq_length=12, callbacks=[poison])
    with pytest.raises(KeyboardInterrupt):
        model.fit(ROWS)
    assert model.history_["status"] == ["interrupted"]
    assert np.isfinite(model.predict(ROWS)).all()


# ------------------------------------------------- scikit-learn integration
def test_pipeline_score_with_metadata_routing_enabled(fc):
    # Pipeline.score routes sample_weight=None: the last step's score must take it
    pipe = Pipeline([("win", SeriesWindower(12)), ("fc", tiny(epochs=1))]).fit(SEASONAL)
    with sklearn.config_context(enable_metadata_routing=True):
        assert np.isfinite(pipe.score(SEASONAL))
    assert fc.score(ROWS, sample_weight=[1, 0, 2]) == pytest.approx(
        fc.score([ROWS[0], ROWS[2], ROWS[2]])
    )


def test_fitted_with_a_keras_callback_clones_and_pickles():
    # fit detaches the network from the callbacks; were it left there (as
    # Keras leaves it), clone, pickle and joblib workers would copy it through
    # Keras's serialisation, which must then know the Gaussian loss
    model = tiny(epochs=1, callbacks=[keras.callbacks.EarlyStopping(monitor="loss")])
    model.fit(ROWS)
    assert model.callbacks[0].model is None
    model.callbacks[0].set_model(model.model_)
    assert clone(model).get_params()["epochs"] == 1
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(ROWS), model.predict(ROWS))


def test_grid_search_and_cross_val_score_with_time_series_split():
    windows = SeriesWindower(12).fit_transform(SEASONAL)
    cv = TimeSeriesSplit(n_splits=2, gap=12)
    # transforms compare by score: it is in the units of the series
    search = GridSearchCV(tiny(epochs=1), {"log_transform": [False, True]}, cv=cv)
    search.fit(windows)
    assert set(search.best_params_) == {"log_transform"}
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert np.isfinite(search.score(windows))
    scores = cross_val_score(tiny(epochs=1), windows, cv=cv)
    assert scores.shape == (2,) and np.isfinite(scores).all()


def test_clone_and_pickle(fc):
    unfitted = clone(fc)
    assert unfitted.get_params() == fc.get_params() and not hasattr(unfitted, "model_")
    restored = pickle.loads(pickle.dumps(fc))
    np.testing.assert_array_equal(restored.predict(ROWS), fc.predict(ROWS))
    np.testing.assert_array_equal(
        restored.sample(5, SEASONAL, n_samples=3, random_state=0),
        fc.sample(5, SEASONAL, n_samples=3, random_state=0),
    )


def test_safe_format_round_trip(fc_log_diff, tmp_path):
    from seqrnn import load, save

    save(fc_log_diff, tmp_path / "fc.seqrnn")
    restored = load(tmp_path / "fc.seqrnn")
    assert restored.get_params() == fc_log_diff.get_params()
    assert restored.level_mean_ == fc_log_diff.level_mean_
    np.testing.assert_array_equal(restored.score_samples(ROWS), fc_log_diff.score_samples(ROWS))
    np.testing.assert_array_equal(
        restored.sample(5, SEASONAL, n_samples=2, random_state=0),
        fc_log_diff.sample(5, SEASONAL, n_samples=2, random_state=0),
    )


def test_joblib_round_trip_in_fresh_process(tmp_path):
    import joblib

    pipe = Pipeline([("win", SeriesWindower(12)), ("fc", tiny(epochs=1))]).fit(SEASONAL)
    path = tmp_path / "pipe.joblib"
    joblib.dump(pipe, path)
    expected = np.concatenate(
        [pipe.predict(SEASONAL), pipe[-1].sample(6, SEASONAL, n_samples=2, random_state=3).ravel()]
    )
    code = textwrap.dedent(
        f"""
        import joblib, numpy as np
        pipe = joblib.load({str(path)!r})
        y = np.array({SEASONAL.tolist()!r})
        paths = pipe[-1].sample(6, y, n_samples=2, random_state=3)
        out = np.concatenate([pipe.predict(y), paths.ravel()])
        print(repr(out.tolist()))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == repr(expected.tolist())


@pytest.mark.parametrize("method", ["sample", "predict_interval", "predict_quantiles"])
def test_context_given_as_list_of_one_series_says_so(fc, method):
    # fit and predict take [series]; the same habit for context used to read
    # as one time step of 40 features: "context has 40 feature(s) per time
    # step, but RNNForecaster was fitted with 1."
    with pytest.raises(ValueError, match=r"not \[series\]") as info:
        getattr(fc, method)(3, [SEASONAL[:40]])
    assert "(1, 40)" in str(info.value)
    # a 2-D context of one feature is still one series
    assert fc.sample(3, SEASONAL[:40, None], random_state=0).shape == (3,)


def test_values_near_the_float64_limit_are_standardised_or_refused(fc):
    """Before, a huge covariate made the loss NaN after the network was built,
    differences that overflow were called 'a constant series', and values
    beyond float32 once standardised reached the network as inf (a silent,
    meaningless forecast)."""
    import warnings

    t = np.arange(40.0)
    alt = np.where(np.arange(40) % 2, 1.5e308, -1.5e308) * (1 + 0.01 * np.sin(t))
    small = dict(units=2, epochs=1)
    model = tiny(**small).fit([np.c_[SEASONAL[:40], alt]])
    assert np.isfinite(model.covariate_mean_).all() and np.isfinite(model.covariate_scale_).all()
    assert np.isfinite(model.predict([np.c_[SEASONAL[:40], alt]])).all()
    with pytest.raises(ValueError, match=r"differencing=1: the differences of its values "
                       r"overflow float64"):
        tiny(differencing=1, **small).fit([alt])

    model = pickle.loads(pickle.dumps(fc))
    weights = [w.copy() for w in model.model_.get_weights()]
    before = model.predict(ROWS)
    calls = {
        "row 1 of X": lambda: model.predict([SEASONAL, SEASONAL * 1e38]),
        "row 0 of X": lambda: model.score_samples([SEASONAL * 1e38]),
        "context": lambda: model.sample(2, SEASONAL * 1e38, random_state=0),
    }
    for where, call in calls.items():
        with pytest.raises(ValueError, match=rf"cannot read {where}: it holds values too "
                           r"large for the network once standardised") as excinfo, \
                warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            call()
        assert excinfo.value.args[0].count("\n") == 0
    with pytest.raises(ValueError, match=r"cannot read row 0 of X"):
        model.set_params(warm_start=True).fit([SEASONAL * 1e38])
    for a, b in zip(weights, model.model_.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.predict(ROWS), before)


@pytest.mark.parametrize("params", [
    {"log_transform": True}, {"differencing": 2}, {"target_index": 1},
], ids=["log_transform", "differencing", "target_index"])
def test_transforms_changed_after_fit_are_refused(fc, params):
    """Before, log_transform=True set after fit gave exp of the forecast (2e4
    for a series near 20) and differencing=2 failed inside NumPy on None."""
    model = pickle.loads(pickle.dumps(fc)).set_params(**params)
    (key, value), = params.items()
    calls = [lambda: model.predict(ROWS), lambda: model.score_samples(ROWS),
             lambda: model.sample(2, SEASONAL, random_state=0),
             lambda: model.predict_interval(2, SEASONAL, n_samples=4, random_state=0)]
    for call in calls:
        with pytest.raises(ValueError, match=rf"The '{key}' parameter of RNNForecaster was "
                           rf"changed after fit, to {value!r}, but the fitted network models "
                           rf"the series with {key}="):
            call()
    model.set_params(**fc.get_params())
    np.testing.assert_array_equal(model.predict(ROWS), fc.predict(ROWS))


def test_rows_given_as_dataframes_name_their_features(tmp_path):
    from seqrnn import load

    rows = [
        pd.DataFrame({"y": row, "x": np.cos(np.arange(len(row)))}) for row in ROWS
    ]
    fc = RNNForecaster(units=2, epochs=1, random_state=0).fit(rows)
    assert list(fc.feature_names_in_) == ["y", "x"]
    # swapped columns would forecast the covariate as the target
    with pytest.raises(ValueError, match=r"X, \['x', 'y'\].*another order"):
        fc.predict([row[["x", "y"]] for row in rows])
    with pytest.raises(ValueError, match=r"context, \['x', 'y'\]"):
        fc.sample(2, rows[0][["x", "y"]], random_state=0)
    with pytest.raises(ValueError, match=r"X, \['y', 'z'\]"):
        fc.score([row.rename(columns={"x": "z"}) for row in rows])
    with pytest.warns(UserWarning, match="fitted with feature names"):
        from_arrays = fc.predict([row.to_numpy() for row in rows])
    np.testing.assert_array_equal(from_arrays, fc.predict(rows))
    fc.save(tmp_path / "fc.seqrnn")
    assert list(load(tmp_path / "fc.seqrnn").feature_names_in_) == ["y", "x"]
    fc.fit([row.to_numpy() for row in rows])
    assert not hasattr(fc, "feature_names_in_")
