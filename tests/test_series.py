"""SeriesWindower through its public API, alone and in front of RNNForecaster."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import TimeSeriesSplit, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from seqrnn.forecasting import RNNForecaster
from seqrnn.generation import generate
from seqrnn.series import SeriesWindower

Y = 10 + np.sin(np.arange(60) * 2 * np.pi / 12) + 0.05 * np.arange(60)


def test_windows_of_a_1d_series():
    windows = SeriesWindower(window_length=4).fit_transform(np.arange(6.0))
    assert windows.shape == (6, 4)
    # row t is the window ending at t, oldest first, NaN before the start
    np.testing.assert_array_equal(windows[5], [2, 3, 4, 5])
    np.testing.assert_array_equal(windows[1], [np.nan, np.nan, 0, 1])
    for t in range(6):
        np.testing.assert_array_equal(windows[t, -1], t)
        assert np.isnan(windows[t, : max(0, 3 - t)]).all()


@settings(max_examples=50, deadline=None)
@given(
    series=arrays(np.float64, st.integers(1, 40), elements=st.floats(-1e6, 1e6)),
    window_length=st.integers(1, 50),
)
def test_every_row_is_the_window_ending_there(series, window_length):
    windows = SeriesWindower(window_length).fit_transform(series)
    assert windows.shape == (len(series), window_length)
    for t in range(len(series)):
        n_real = min(t + 1, window_length)
        real = windows[t, window_length - n_real:]
        np.testing.assert_array_equal(real, series[t + 1 - n_real: t + 1])
        assert np.isnan(windows[t, : window_length - n_real]).all()


def test_windows_of_a_table_keep_the_features():
    X = np.arange(12.0).reshape(6, 2)
    windows = SeriesWindower(window_length=3).fit_transform(X)
    assert windows.shape == (6, 3, 2)
    np.testing.assert_array_equal(windows[4], X[2:5])
    assert np.isnan(windows[0, :2]).all() and not np.isnan(windows[0, 2]).any()


@pytest.mark.parametrize(
    "series",
    [
        list(Y),
        pd.Series(Y, index=pd.date_range("2000-01", periods=len(Y), freq="MS")),
        Y.astype(np.float32),
        Y.astype(int),
    ],
    ids=["list", "pandas-series", "float32", "int"],
)
def test_input_types_give_the_same_windows(series):
    expected = SeriesWindower(5).fit_transform(np.asarray(series, dtype=float))
    got = SeriesWindower(5).fit_transform(series)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)


def test_dataframe_features_and_names():
    frame = pd.DataFrame({"load": Y, "temperature": -Y})
    windower = SeriesWindower(3).fit(frame)
    assert windower.n_features_in_ == 2
    assert list(windower.feature_names_in_) == ["load", "temperature"]
    expected = SeriesWindower(3).fit_transform(frame.to_numpy())
    np.testing.assert_array_equal(windower.transform(frame), expected)
    with pytest.raises(ValueError, match="feature names"):
        windower.transform(frame[["temperature", "load"]])
    with pytest.raises(ValueError, match="X has 1 features, but SeriesWindower is expecting 2"):
        with pytest.warns(UserWarning, match="fitted with feature names"):
            windower.transform(Y)


def test_window_longer_than_the_series_and_length_one():
    windows = SeriesWindower(10).fit_transform([1.0, 2.0])
    np.testing.assert_array_equal(windows[1, -2:], [1, 2])
    assert np.isnan(windows[:, :8]).all()
    np.testing.assert_array_equal(SeriesWindower(1).fit_transform(Y)[:, 0], Y)


def test_output_owns_its_memory_and_input_is_untouched():
    y = Y.copy()
    windows = SeriesWindower(4).fit_transform(y)
    windows[:] = 0.0
    np.testing.assert_array_equal(y, Y)
    windows = SeriesWindower(4).fit_transform(y)
    assert not np.shares_memory(windows, y)
    assert windows[3, 0] == y[0]


def test_nan_passes_through():
    y = Y.copy()
    y[7] = np.nan
    windows = SeriesWindower(3).fit_transform(y)
    assert np.isnan(windows[7, 2]) and np.isnan(windows[9, 0]) and not np.isnan(windows[10]).any()


@pytest.mark.parametrize("dtype", ["Float64", "Int64", "boolean"])
def test_pandas_missing_values_pass_through_as_nan(dtype):
    """Before, pd.NA in a nullable column failed with a TypeError about NAType."""
    values = np.round(Y) % 2 if dtype == "boolean" else np.round(Y)
    frame = pd.DataFrame({"y": values, "x": values[::-1]}).astype(dtype)
    frame.iloc[7, 0] = pd.NA
    expected = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    assert np.isnan(expected[7, 0])
    windower = SeriesWindower(3).fit(frame)
    np.testing.assert_array_equal(windower.transform(frame), SeriesWindower(3).fit_transform(expected))


@pytest.mark.parametrize(
    "X, error, match",
    [
        ("123", TypeError, "numeric series"),
        (np.array(["a", "b"]), ValueError, "numeric values"),
        # NumPy drops the mask: the hidden values would be read as data
        (np.ma.masked_array([1.0, 2.0], mask=[0, 1]), ValueError, r"cannot use X with 1 masked value"),
        # numbers as text in an object column: NumPy would read them, silently
        (np.array([1.5, "2.5"], dtype=object), ValueError, r"got strings \(object such as '2\.5'\)"),
        (pd.Series(["1", "2"]).astype("category"), ValueError, r"got strings \(object such as '1'\)"),
        ([1.0, {"a": 1}], TypeError, "numeric values"),
        (np.zeros((3, 2, 2)), ValueError, "3-D"),
        (np.array([1.0, np.inf]), ValueError, "infinity"),
        (np.zeros(0), ValueError, "at least one time step"),
        (np.zeros((4, 0)), ValueError, "0 feature"),
        (np.array([1 + 1j, 2]), ValueError, "Complex"),
        ([[1.0, 2.0], [3.0]], ValueError, "X as one time-indexed series.*different lengths"),
        # [y], the forecaster's habit: one time step of len(y) features
        ([np.arange(6.0)], ValueError, "single time step of 6 features.*pass y, not \\[y\\]"),
    ],
)
def test_bad_input_leaves_fitted_windower_intact(X, error, match):
    windower = SeriesWindower(3).fit(np.zeros((5, 2)))
    with pytest.raises(error, match=match):
        windower.fit(X)
    assert windower.n_features_in_ == 2


def test_dates_are_not_values():
    # NumPy would silently cast datetime64 to nanoseconds since 1970
    dates = pd.date_range("2000-01", periods=4, freq="MS")
    with pytest.raises(ValueError, match="numeric values in X.*dates or times"):
        SeriesWindower(2).fit(dates.to_series())
    windower = SeriesWindower(2).fit(np.ones((4, 2)))
    with pytest.raises(ValueError, match="dates or times"):
        windower.transform(np.array(["2000-01-01"] * 8, dtype="datetime64[D]").reshape(4, 2))


@pytest.mark.parametrize("window_length", [0, 2.5, None, "24"])
def test_bad_window_length(window_length):
    with pytest.raises(ValueError, match="'window_length' parameter of SeriesWindower"):
        SeriesWindower(window_length).fit(Y)


def test_not_fitted():
    with pytest.raises(NotFittedError):
        SeriesWindower().transform(Y)


def test_safe_format_round_trip(tmp_path):
    from seqrnn import load, save

    frame = pd.DataFrame({"load": Y, "temperature": -Y})
    windower = SeriesWindower(5).fit(frame)
    save(windower, tmp_path / "win.seqrnn")
    restored = load(tmp_path / "win.seqrnn")
    assert restored.feature_names_in_.dtype == object
    np.testing.assert_array_equal(restored.feature_names_in_, windower.feature_names_in_)
    np.testing.assert_array_equal(restored.transform(frame), windower.transform(frame))


def test_clone_and_params():
    windower = clone(SeriesWindower(7))
    assert windower.get_params() == {"window_length": 7}
    assert SeriesWindower().window_length == 24


# ------------------------------------------------------------ with a forecaster
@pytest.fixture(scope="module")
def pipe():
    forecaster = RNNForecaster(units=6, epochs=3, seq_length=12, batch_size=16, random_state=0)
    return Pipeline([("win", SeriesWindower(12)), ("fc", forecaster)]).fit(Y)


def test_pipeline_forecasts_every_time_step(pipe):
    forecasts = pipe.predict(Y)
    assert forecasts.shape == Y.shape and np.isfinite(forecasts).all()
    fc = pipe.named_steps["fc"]
    # row t is the forecast of Y[t + 1] from the window ending at t; the
    # padded first rows predict like the shorter series they hold
    for t in (0, 3, 11, 40):
        alone = fc.predict([Y[max(0, t - 11): t + 1]])[0]
        assert forecasts[t] == pytest.approx(alone, rel=1e-6)
    assert np.isfinite(pipe.score(Y))


def test_generate_continues_the_last_window(pipe):
    fc = pipe.named_steps["fc"]
    paths = generate(pipe, 5, context=Y[:50], n_samples=3, random_state=0)
    np.testing.assert_array_equal(
        paths, fc.sample(5, Y[38:50], n_samples=3, random_state=0)
    )
    mean_path = generate(pipe, 2, context=Y[:50], temperature=0)
    assert mean_path[0] == pytest.approx(pipe.predict(Y[:50])[-1], rel=1e-5)


def test_generate_names_a_bad_step_of_the_context_in_the_series_given(pipe):
    context = Y[:50].copy()
    context[45] = np.nan  # step 7 of the last window of 12, which starts at 38
    with pytest.raises(ValueError, match="NaN in context at time step 7") as info:
        generate(pipe, 2, context=context)
    assert "time step k + 38 of the context given to generate" in info.value.__notes__[-1]
    context[45] = 0.0
    context[10] = np.nan  # before the last window: not read
    assert generate(pipe, 2, context=context, temperature=0).shape == (2,)


def test_generate_passes_the_series_to_the_steps_before_the_windower():
    # a step before the windower sees time steps as rows (in fit and predict):
    # generate must give it the series, not [series]
    forecaster = RNNForecaster(units=4, epochs=1, seq_length=12, random_state=0)
    series = Y[:, np.newaxis]
    pipe = Pipeline(
        [("scale", StandardScaler()), ("win", SeriesWindower(12)), ("fc", forecaster)]
    ).fit(series)
    mean_path = generate(pipe, 1, context=series, temperature=0)
    assert mean_path[0] == pytest.approx(pipe.predict(series)[-1], rel=1e-5)


@pytest.mark.parametrize(
    "context, match",
    [
        (5.0, "SeriesWindower expects context as one time-indexed series"),
        ([], "at least one time step in context"),
        ("abc", "SeriesWindower expects context to be a numeric series"),
        (np.ones((3, 2)), "context has 2 features, but SeriesWindower is expecting 1"),
        ([[1.0, 2.0], [3.0]], "context as one time-indexed series.*different lengths"),
    ],
)
def test_generate_through_a_windower_names_the_context(pipe, context, match):
    with pytest.raises((TypeError, ValueError), match=match):
        generate(pipe, 2, context=context)


def test_gap_of_window_length_keeps_test_windows_out_of_training_rows():
    time_index = np.arange(100.0)
    windows = SeriesWindower(12).fit_transform(time_index)

    def shared_times(gap):
        shared = 0
        for train, test in TimeSeriesSplit(n_splits=3, gap=gap).split(windows):
            train_times, test_times = windows[train].ravel(), windows[test].ravel()
            shared += len(np.intersect1d(train_times[~np.isnan(train_times)], test_times))
        return shared

    assert shared_times(gap=0) > 0  # why the gap is needed
    assert shared_times(gap=12) == 0


def test_cross_val_score_with_time_series_split():
    windows = SeriesWindower(12).fit_transform(Y)
    forecaster = RNNForecaster(units=4, epochs=2, seq_length=12, random_state=0)
    scores = cross_val_score(forecaster, windows, cv=TimeSeriesSplit(n_splits=2, gap=12))
    assert scores.shape == (2,) and np.isfinite(scores).all()
