"""SeriesWindower: one row per time step, holding the window that ends there.

A forecaster in a scikit-learn ``Pipeline`` must return one prediction per
input row (Rule 1: a row is a sequence), so a time-indexed table is turned
into rows of windows: row ``t`` holds the ``window_length`` values ending at
time ``t``. ``Pipeline([("win", SeriesWindower(24)), ("fc",
RNNForecaster())]).predict(y)`` is then the one-step-ahead forecast of
``y[t + 1]`` made at every time ``t``.
"""

from numbers import Integral

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import _check_feature_names, check_is_fitted

from ._validation import (
    Interval,
    _describe,
    check_not_masked,
    pandas_na_to_nan,
    validate_params,
)
from .persistence import SafeSaveMixin

__all__ = ["SeriesWindower"]


class SeriesWindower(SafeSaveMixin, TransformerMixin, BaseEstimator):
    """Turn a time-indexed series into the window ending at each time step.

    Row ``t`` of the output holds the values at times ``t - window_length +
    1, ..., t``, oldest first. The first ``window_length - 1`` rows reach
    before the start of the series; their missing part is padded with NaN
    *at the start* of the window, which :class:`RNNForecaster` reads as
    padding (the row is a shorter series), so every time step gets a
    forecast. Other estimators see the NaN and must handle it.

    Windows share values: rows less than ``window_length`` apart overlap.
    When a model is cross-validated on windows made beforehand from the
    whole series, a test window could then hold values that were training
    targets; ``TimeSeriesSplit(gap=window_length)`` leaves ``window_length``
    rows out between each training and test set, so that no test window
    reaches back into the training rows. Inside a ``Pipeline`` the windower
    only sees the rows of each fold (nothing leaks, but the first test rows
    are padded, with less context).

    Parameters
    ----------
    window_length : int, default=24
        Time steps per window (two seasons of monthly data, a day of hourly
        data).

    Attributes
    ----------
    n_features_in_ : int
        Features per time step seen in ``fit`` (1 for a 1-D series).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``fit`` was given a DataFrame with string
        column names.

    See Also
    --------
    RNNForecaster : forecasts the next value after each row.

    Examples
    --------
    >>> import numpy as np
    >>> from seqrnn import SeriesWindower
    >>> SeriesWindower(window_length=3).fit_transform(np.arange(4.0))
    array([[nan, nan,  0.],
           [nan,  0.,  1.],
           [ 0.,  1.,  2.],
           [ 1.,  2.,  3.]])
    >>> SeriesWindower(window_length=3).fit_transform(np.ones((10, 2))).shape
    (10, 3, 2)
    """

    _parameter_constraints = {
        "window_length": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, window_length=24):
        self.window_length = window_length

    def _check_series(self, X, argument="X"):
        """``X`` as a float64 array ``(T, f)``, and whether it was 1-D."""
        name = type(self).__name__
        if isinstance(X, (str, bytes)):
            raise TypeError(
                f"{name} expects {argument} to be a numeric series of shape (T,) or "
                f"(T, n_features); got a {type(X).__name__}."
            )
        if issparse(X):
            raise TypeError(
                f"{name} does not accept a sparse matrix as {argument}; pass a dense "
                "array, a list or a pandas object."
            )
        check_not_masked(X, caller=name, argument=argument)
        if hasattr(X, "to_numpy"):  # pandas Series / DataFrame
            X = X.to_numpy()
        try:
            X = np.asarray(X)
        except ValueError:  # NumPy: "inhomogeneous shape"
            raise ValueError(
                f"{name} expects {argument} as one time-indexed series of shape (T,) "
                "or (T, n_features); got nested sequences of different lengths."
            ) from None
        if X.dtype.kind == "c":
            raise ValueError(
                f"Complex data not supported: {name} expects real numbers in "
                f"{argument}; got complex values."
            )
        text = None
        if X.dtype.kind == "O":  # NumPy would read "1.5" as 1.5, silently
            text = next((v for v in X.flat if isinstance(v, (str, bytes))), None)
        if X.dtype.kind in "US" or text is not None:
            such_as = "" if text is None else f" such as {_describe(text)}"
            raise ValueError(
                f"{name} expects numeric values in {argument}; got strings "
                f"({X.dtype}{such_as})."
            )
        # pandas' missing value (a nullable column's): missing, as NaN is
        X = pandas_na_to_nan(X)
        if X.dtype.kind in "mM":  # NumPy would cast them to nanoseconds
            raise ValueError(
                f"{name} expects numeric values in {argument}; got dates or times "
                f"({X.dtype}): pass the values of the series, not its time index."
            )
        try:
            X = X.astype(np.float64)
        except TypeError as exc:
            raise TypeError(
                f"{name} expects numeric values in {argument}; converting them to float "
                f"failed: {exc}."
            ) from None
        except ValueError as exc:
            raise ValueError(
                f"{name} expects numeric values in {argument}; converting them to float "
                f"failed: {exc}."
            ) from None
        if X.ndim not in (1, 2):
            raise ValueError(
                f"{name} expects {argument} as one time-indexed series of shape (T,) or "
                f"(T, n_features); got a {X.ndim}-D array of shape {X.shape}."
            )
        if X.shape[0] == 0:
            raise ValueError(
                f"{name} expects at least one time step in {argument}; got shape "
                f"{X.shape} (0 sample(s))."
            )
        if X.ndim == 2 and X.shape[1] == 0:
            raise ValueError(
                f"{name} got 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                "required."
            )
        if np.isinf(X).any():
            raise ValueError(
                f"{name} does not accept infinity in {argument}; NaN (missing) is "
                "passed through."
            )
        return (X[:, np.newaxis], True) if X.ndim == 1 else (X, False)

    def fit(self, X, y=None):
        """Check ``X`` and remember its number of features per time step.

        Parameters
        ----------
        X : array-like of shape (T,) or (T, n_features)
            A time-indexed series: NumPy array, list, pandas Series or
            DataFrame, one time step per row.
        y : None
            Ignored.

        Returns
        -------
        self : SeriesWindower
        """
        validate_params(self)
        values, _ = self._check_series(X)
        if values.shape[0] == 1 and values.shape[1] > 1:
            # [y], as RNNForecaster takes a series (a row is a sequence there)
            raise ValueError(
                f"{type(self).__name__} got X with 1 sample, a single time step of "
                f"{values.shape[1]} features; X is one series with a row per time "
                "step: to window the series y, pass y, not [y]."
            )
        self.n_features_in_ = values.shape[1]
        _check_feature_names(self, X, reset=True)
        return self

    def transform(self, X):
        """The window of ``window_length`` steps ending at each time step.

        Parameters
        ----------
        X : array-like of shape (T,) or (T, n_features)
            A time-indexed series with the features seen in ``fit``.

        Returns
        -------
        windows : ndarray of shape (T, window_length) or (T, window_length, n_features)
            2-D for a 1-D series, 3-D otherwise; NaN before the series starts.
        """
        return self._windows(X)

    def _windows(self, X, argument="X", *, last_only=False):
        """The windows of ``X``; errors name ``argument`` (``generate`` passes
        ``"context"``). With ``last_only``, the window ending at the last step
        and the time step of ``X`` where it starts (negative when ``X`` is
        shorter than a window: the window starts with padding)."""
        check_is_fitted(self, "n_features_in_")
        _check_feature_names(self, X, reset=False)
        values, one_d = self._check_series(X, argument)
        if values.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{argument} has {values.shape[1]} features, but {type(self).__name__} is "
                f"expecting {self.n_features_in_} features as input."
            )
        if last_only:
            start = len(values) - self.window_length
            values = values[-self.window_length:]
        w = self.window_length
        padded = np.full((len(values) + w - 1, values.shape[1]), np.nan)
        padded[w - 1:] = values
        # (T, f, w) view -> (T, w, f) copy: each row owns its window
        windows = np.ascontiguousarray(np.moveaxis(sliding_window_view(padded, w, axis=0), -1, 1))
        if last_only:
            windows = windows[-1]
            return (windows[:, 0] if one_d else windows), start
        return windows[:, :, 0] if one_d else windows

    # seqrnn.save stores plain data only: column names as a list of str
    def _get_safe_state(self):
        state = {k: v for k, v in vars(self).items() if k.endswith("_") and not k.startswith("_")}
        if "feature_names_in_" in state:
            state["feature_names_in_"] = [str(name) for name in state["feature_names_in_"]]
        return state

    def _set_safe_state(self, state):
        state = dict(state)
        if "feature_names_in_" in state:
            state["feature_names_in_"] = np.asarray(state["feature_names_in_"], dtype=object)
        self.__dict__.update(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.target_tags.required = False
        return tags
