"""RNNForecaster: a next-value model of numeric series on a recurrent network.

``CharLM``'s twin on numbers. Each row of ``X`` is one series (a whole
series, one series of a panel, or a window); the network predicts a Gaussian
distribution for every value from the values before it, the first one from
a learned start state, with the same recurrent core as ``CharLM``: truncated
back-propagation through time on chunks of ``seq_length`` for training,
state carried across the whole row for ``predict`` and ``score``, and one
compiled loop over all steps and all paths for ``sample``.

What the network sees is the target series after an optional log transform
and an optional differencing, standardised with statistics learned in
``fit``; every result is returned in the units of the original series, and
likelihoods include the Jacobian of those transforms, so that models fitted
with different transforms compare by ``score``.
"""

import math
from numbers import Integral

import keras
import numpy as np
from keras import ops
from scipy.sparse import issparse

from . import _core
from ._base import AutoregressiveEstimator
from ._validation import (
    Interval,
    StrOptions,
    _describe,
    check_n_steps,
    check_not_masked,
    check_row_feature_names,
    check_sampling_params,
    check_warm_start_network,
    pandas_na_to_nan,
    row_feature_names,
)

__all__ = ["RNNForecaster"]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
#: median absolute value of a standard normal variable (its 75% quantile)
_MAD_OF_STANDARD_NORMAL = 0.6744897501960817


@keras.saving.register_keras_serializable(package="seqrnn")
class _GaussianNLL(keras.losses.Loss):
    """Negative log-likelihood of a Gaussian head (mean, raw scale), in nats.

    Reduced as the mean over the elements of weight 1, so that padding after
    a short last chunk counts for nothing.

    Registered with Keras, so that Keras can copy a compiled network that
    something else still holds (``fit`` detaches it from the callbacks, but
    a user may keep it elsewhere): ``clone``, ``pickle`` and ``joblib``
    workers copy such a network through Keras's own serialisation.
    """

    def __init__(self):
        super().__init__(name="gaussian_nll", reduction="mean_with_sample_weight")

    def get_config(self):
        return {}  # nothing to configure: __init__ takes no arguments

    def call(self, y_true, y_pred):
        scale = _core.gaussian_scale(y_pred[..., 1])
        z = (y_true - y_pred[..., 0]) / scale
        return 0.5 * ops.square(z) + ops.log(scale) + _HALF_LOG_2PI


def robust_scale(z):
    """Standard deviation of the Gaussian bulk of ``z``: its median absolute value / 0.6745.

    Unlike the root mean square, a few shocks (a crash, a strike) do not
    widen it. Gives 1 for ``z`` whose median absolute value is 0.

    Examples
    --------
    >>> z = np.random.default_rng(0).normal(scale=2.0, size=10_000)
    >>> z[:500] = 1e6  # five percent of wild values
    >>> round(robust_scale(z), 1)
    2.1
    """
    spread = float(np.median(np.abs(z))) / _MAD_OF_STANDARD_NORMAL
    return spread if spread > 0 else 1.0


def _numpy_gaussian_scale(raw):
    """:func:`seqrnn._core.gaussian_scale` of an array of raw outputs, in NumPy.

    Element by element: a backend's vectorised ``softplus`` may round an
    element differently depending on where it falls in the array, and a
    row's scale must not depend on the rows computed with it.
    """
    raw = np.asarray(raw, np.float32).astype(np.float64)
    return np.logaddexp(0.0, raw) + _core.MIN_GAUSSIAN_SCALE


def _gaussian_logpdf(x, mean, scale):
    z = (x - mean) / scale
    return -0.5 * z * z - np.log(scale) - _HALF_LOG_2PI


class RNNForecaster(AutoregressiveEstimator):
    """Recurrent next-value forecaster with a Gaussian predictive distribution.

    LSTM (or GRU / simple RNN) layers, each followed by Dropout, then a head
    that gives the mean and the standard deviation of the next value. It is
    trained on the Gaussian log-likelihood of every value of every row: the
    first value from a learned start state (a zero input with a "start"
    indicator), each later one from all values before it. Long rows are cut
    into chunks of ``seq_length`` so that batches are full; ``predict``,
    ``score`` and ``sample`` carry the recurrent state across the whole row.

    Rows and padding
        A row is one numeric series: ``X`` is a 2-D array ``(n_rows,
        n_steps)`` of univariate series, a 3-D array ``(n_rows, n_steps,
        n_features)`` whose column ``target_index`` is forecast and whose
        other columns are covariates, or a list of series of any lengths.
        NaN at the *start* of a row is padding: the series begins later (this
        is how :class:`SeriesWindower` pads its first windows). Padding never
        changes a prediction: a row predicts the same alone as beside others.
        NaN after the first value is a missing value: an error, unless
        ``missing="interpolate"``.

    Transforms
        The network models ``z_t = log(y_t) - log(y_{t-d})`` (each part
        optional: ``log_transform``, ``differencing=d``), standardised by the
        mean and standard deviation of ``z`` in the training data.
        With differencing, the first ``d`` values of a row have no
        difference; their likelihood is that of a Gaussian fitted to the
        (log) levels of the training data, so that ``score`` still counts
        every value.

    Covariates
        Covariates are read with the target value of the same time step, to
        forecast the next step (covariates at time ``t`` inform the value at
        ``t + 1``), so :meth:`predict` needs nothing beyond the row. Beyond
        one step their future is unknown: :meth:`sample` then asks for it
        through ``future_covariates`` and never invents it.

    Parameters
    ----------
    units : int or tuple of int, default=32
        Units of the recurrent layer; a tuple stacks several layers.
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell; ``"rnn"`` is the plain (Elman) RNN.
    dropout : float, default=0.4
        Rate of the Dropout layer after each recurrent layer (a strong
        default: one series is little data).
    recurrent_dropout : float, default=0.0
        Dropout on the recurrent state (disables the cuDNN kernel on GPUs).
    seq_length : int, default=100
        Length of the training chunks (truncated back-propagation through
        time). Has no effect on ``predict``, ``score`` or ``sample``.
    learning_rate : float, default=0.003
        Adam's learning rate.
    clipnorm : float or None, default=1.0
        Clip each gradient to this norm (a remedy for exploding gradients).
    epochs : int, default=200
        Passes over the training chunks. Series are small: one long series
        makes only a few chunks, so an epoch is often a single gradient step.
    batch_size : int, default=64
        Chunks per batch.
    validation_fraction : float or None, default=None
        Fraction of the chunks, taken from the end of the data, held out to
        compute ``val_loss`` (and to early-stop on, with ``n_iter_no_change``).
    n_iter_no_change : int or None, default=None
        Stop when the validation loss (the training loss without validation)
        has not improved for this many epochs, and restore the best weights.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Extra Keras callbacks for ``fit``. They keep their state after ``fit``
        but not the network (``callback.model`` is None again), so that
        pickles and clones of the estimator hold one copy of it.
    warm_start : bool, default=False
        Continue training the fitted network (and keep its standardisation)
        when ``fit`` is called again. Parameters that shape the network
        (``units``, ``cell``, ``dropout``, ...) cannot change between
        warm-started fits: that is refused.
    random_state : int, numpy Generator or None, default=None
        Seeds every initializer, dropout mask and shuffle. Global random
        state is never touched.
    verbose : int, default=0
        1 shows the Keras progress bar.
    target_index : int, default=0
        The feature forecast when rows have several features per time step;
        the others are covariates.
    log_transform : bool, default=False
        Model the log of the target (for multiplicative series: growth,
        seasonality proportional to the level); the target must be positive.
    differencing : int or None, default=None
        Model the difference between each value and the value ``d`` steps
        earlier: 1 for first differences (trending series), a season length
        for seasonal differences.
    missing : {"error", "interpolate"}, default="error"
        What to do with a NaN after the first value of a row: raise, or fill
        it by linear interpolation in time (a trailing NaN repeats the last
        value). Filled values are context only: never trained on, and
        ``score`` counts observed values only.

    Attributes
    ----------
    model_ : keras.Model
        The trained network: mean and raw scale of the next standardised
        value at every position.
    history_ : dict of list
        Per-epoch ``loss`` (mean Gaussian negative log-likelihood per
        training value, standardised units), ``val_loss``, ``epoch_time`` and
        ``status`` ("completed", "nan_loss", "interrupted").
    n_epochs_ : int
        Epochs run by the last ``fit``.
    n_features_in_ : int
        Features per time step (1 for univariate series).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        The features' names, when the rows of ``X`` were DataFrames with str
        column names (one series each, a time step per line); rows given
        later must name them the same, in the same order.
    target_mean_, target_scale_ : float
        Mean and standard deviation of the modelled series ``z`` (after log
        transform and differencing) in the training data.
    level_mean_, level_scale_ : float or None
        Mean and standard deviation of the (log) levels in the training data:
        the distribution of the first ``differencing`` values of a row. None
        without differencing.
    scale_calibration_ : float
        Factor on the predicted standard deviation, used by ``score``,
        ``sample`` and the intervals: the spread of the standardised one-step
        residuals on the training data, measured after training with dropout
        off (their median absolute value / 0.6745, which rare shocks do not
        inflate). The head learns its scale under dropout, whose noise in the
        predicted mean widens it; at inference the mean is sharper, and
        without this factor the intervals would be too wide.
    covariate_mean_, covariate_scale_ : ndarray of shape (n_features_in_ - 1,)
        Standardisation of the covariates (a constant covariate has scale 1).

    See Also
    --------
    SeriesWindower : the window ending at each time step, one row per step.
    CharLM : the same API for characters and symbols.

    Examples
    --------
    >>> import numpy as np
    >>> from seqrnn import RNNForecaster
    >>> t = np.arange(120)
    >>> y = 10 + np.sin(2 * np.pi * t / 12)
    >>> fc = RNNForecaster(units=8, epochs=5, seq_length=24, random_state=0)
    >>> fc = fc.fit([y])
    >>> fc.predict([y[:60], y[:100]]).shape
    (2,)
    >>> fc.sample(6, context=y, n_samples=3, random_state=0).shape
    (3, 6)
    >>> lower, upper = fc.predict_interval(6, y, coverage=0.8, random_state=0)
    >>> bool((lower <= upper).all())
    True
    """

    _parameter_constraints = {
        **AutoregressiveEstimator._parameter_constraints,
        "target_index": [Interval(Integral, 0, None, closed="left")],
        "log_transform": ["boolean"],
        "differencing": [Interval(Integral, 1, None, closed="left"), None],
        "missing": [StrOptions({"error", "interpolate"})],
    }

    def __init__(
        self,
        units=32,
        *,
        cell="lstm",
        dropout=0.4,
        recurrent_dropout=0.0,
        seq_length=100,
        learning_rate=0.003,
        clipnorm=1.0,
        epochs=200,
        batch_size=64,
        validation_fraction=None,
        n_iter_no_change=None,
        callbacks=None,
        warm_start=False,
        random_state=None,
        verbose=0,
        target_index=0,
        log_transform=False,
        differencing=None,
        missing="error",
    ):
        self.units = units
        self.cell = cell
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.seq_length = seq_length
        self.learning_rate = learning_rate
        self.clipnorm = clipnorm
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.target_index = target_index
        self.log_transform = log_transform
        self.differencing = differencing
        self.missing = missing

    # ------------------------------------------------------------ checking
    def _as_float(self, values, argument):
        """``values`` as float64, with one clear error for non-numbers."""
        name = type(self).__name__
        check_not_masked(values, caller=name, argument=argument)
        if not isinstance(values, np.ndarray):
            try:
                values = np.asarray(values)
            except ValueError:  # NumPy: "inhomogeneous shape"
                raise ValueError(
                    f"{name} expects {argument} to be a numeric series of shape "
                    "(n_steps,) or (n_steps, n_features); got nested sequences of "
                    "different lengths."
                ) from None
        if values.dtype.kind == "c":
            raise ValueError(
                f"Complex data not supported: {name} expects real numbers in "
                f"{argument}; got complex values."
            )
        text = None
        if values.dtype.kind == "O":  # NumPy would read "1.5" as 1.5, silently
            text = next((v for v in values.flat if isinstance(v, (str, bytes))), None)
        if values.dtype.kind in "US" or text is not None:
            such_as = "" if text is None else f" such as {_describe(text)}"
            raise ValueError(
                f"{name} expects numeric values in {argument}; got strings "
                f"({values.dtype}{such_as})."
            )
        # pandas' missing value (a nullable column's): missing, as NaN is
        values = pandas_na_to_nan(values)
        if values.dtype.kind in "mM":  # NumPy would cast them to nanoseconds
            raise ValueError(
                f"{name} expects numeric values in {argument}; got dates or times "
                f"({values.dtype}): pass the values of the series, not its time index."
            )
        try:
            return values.astype(np.float64)
        except TypeError as exc:
            raise TypeError(
                f"{name} expects numeric values in {argument}; converting them to "
                f"float failed: {exc}."
            ) from None
        except ValueError as exc:
            raise ValueError(
                f"{name} expects numeric values in {argument}; converting them to "
                f"float failed: {exc}."
            ) from None

    def _check_rows(self, X, argument="X"):
        """Rows as a list of float64 arrays of shape ``(n_steps_i, n_features)``,
        and the features' names when the rows are DataFrames (else None)."""
        name = type(self).__name__
        if isinstance(X, (str, bytes)):
            raise TypeError(
                f"{name} expects {argument} to be an array or a list of numeric "
                f"series; got a {type(X).__name__}."
            )
        if issparse(X):
            raise TypeError(
                f"{name} does not accept a sparse matrix as {argument}; pass a "
                "dense array or a list of series."
            )
        if hasattr(X, "to_numpy") and getattr(X, "ndim", None) in (1, 2):
            # a DataFrame, or a Series: of numbers, one bare series (refused
            # below as a 1-D array); of arrays, a list of series
            X = X.to_numpy()
        if isinstance(X, np.ndarray) and not (X.dtype == object and X.ndim == 1):
            if X.ndim not in (2, 3):
                hint = (
                    f" Reshape your data: for a single series pass [series] or "
                    f"{argument}.reshape(1, -1)."
                    if X.ndim == 1
                    else ""
                )
                raise ValueError(
                    f"{name} expects {argument} as a 2-D array (n_rows, n_steps), a 3-D "
                    f"array (n_rows, n_steps, n_features) or a list of series; got a "
                    f"{X.ndim}-D array of shape {X.shape}.{hint}"
                )
            if X.shape[0] == 0:
                raise ValueError(
                    f"{name} expects at least one row in {argument}; got shape {X.shape}."
                )
            if X.shape[1] == 0 or (X.ndim == 3 and X.shape[2] == 0):
                raise ValueError(
                    f"{name} got 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                    f"required: every row of {argument} is an empty series."
                )
            values = self._as_float(X, argument)
            if values.ndim == 2:
                values = values[:, :, np.newaxis]
            return list(values), None
        try:
            items = list(X)
        except TypeError:
            raise TypeError(
                f"{name} expects {argument} to be an array or a list of numeric "
                f"series; got {type(X).__name__}."
            ) from None
        if not items:
            raise ValueError(f"{name} expects at least one row in {argument}; got none.")
        names = row_feature_names(items, caller=name, argument=argument)
        rows = []
        for i, item in enumerate(items):
            if isinstance(item, (str, bytes, dict, set)):
                raise TypeError(
                    f"{name} expects every row of {argument} to be a numeric series; "
                    f"row {i} is a {type(item).__name__}."
                )
            if hasattr(item, "to_numpy"):  # a pandas Series / DataFrame
                item = item.to_numpy()
            row = self._as_float(item, f"{argument} (row {i})")
            if row.ndim == 1:
                row = row[:, np.newaxis]
            elif row.ndim != 2:
                raise ValueError(
                    f"{name} expects every row of {argument} to be a series of shape "
                    f"(n_steps,) or (n_steps, n_features); row {i} has shape "
                    f"{row.shape}. To pass one series, wrap it in a list: [series]."
                )
            rows.append(row)
        widths = {row.shape[1] for row in rows}
        if len(widths) > 1:
            raise ValueError(
                f"{name} expects the same number of features at every time step of "
                f"{argument}; its rows have {sorted(widths)}."
            )
        return rows, names

    def _clean_row(self, row, i, argument):
        """Drop the leading padding; refuse or fill missing values and infinity.

        Returns the row and its mask of missing values (before filling).
        """
        name = type(self).__name__
        one_series = argument == "context"  # its positions need no row number
        if np.isinf(row).any():
            raise ValueError(
                f"{name} does not accept infinity in {argument}; "
                f"{'it' if one_series else f'row {i}'} contains inf."
            )
        missing = np.isnan(row)
        padding = np.cumprod(missing.all(axis=1)).astype(bool)
        if padding.any():  # else no copy: the row is never written to
            row, missing = row[~padding], missing[~padding]
        if missing.any():
            if self.missing == "error":
                t = int(np.flatnonzero(missing.any(axis=1))[0] + padding.sum())
                raise ValueError(
                    f"{name} got NaN in {argument} at "
                    f"{'' if one_series else f'row {i}, '}time step {t}: NaN is "
                    "allowed only as padding, at the start of a row and in every "
                    "feature (the series starts later). Fill the gaps or set "
                    "missing='interpolate'."
                )
            row = row.copy()
            steps = np.arange(len(row))
            for j in range(row.shape[1]):
                known = ~missing[:, j]
                if not known.any():
                    raise ValueError(
                        f"{name} cannot interpolate feature {j} of {argument} row {i}: "
                        "it has no value at all."
                    )
                gaps = missing[:, j]
                row[gaps, j] = np.interp(steps[gaps], steps[known], row[known, j])
        return row, missing

    def _prepare(self, X, argument="X", *, n_features=None):
        """Levels ``g`` (log if asked), covariates, which levels and which
        covariate values were observed (not filled by ``missing="interpolate"``),
        of every row, checked; and the features' names (None without).

        With ``n_features`` (the fitted model's), the rows are checked against
        the fitted model: their width and their features' names.
        """
        name = type(self).__name__
        rows, names = self._check_rows(X, argument)
        width = rows[0].shape[1]
        if n_features is not None and width != n_features:
            raise ValueError(
                f"{argument} has {width} feature(s) per time step, but {name} was "
                f"fitted with {n_features}."
            )
        if n_features is not None:
            check_row_feature_names(self, names, argument=argument)
        if self.target_index >= width:
            raise ValueError(
                f"The 'target_index' parameter of {name} must be smaller than the "
                f"number of features per time step of {argument} ({width}). Got "
                f"{self.target_index} instead."
            )
        levels, covariates, observed, covariates_observed = [], [], [], []
        cov_columns = [j for j in range(width) if j != self.target_index]
        for i, row in enumerate(rows):
            row, missing = self._clean_row(row, i, argument)
            observed.append(~missing[:, self.target_index])
            covariates_observed.append(~missing[:, cov_columns])
            y = row[:, self.target_index]
            if self.log_transform:
                if (y <= 0).any():
                    raise ValueError(
                        f"{name} with log_transform=True needs positive target values; "
                        f"row {i} of {argument} contains {float(y[y <= 0][0])!r}."
                    )
                y = np.log(y)
            levels.append(y)
            covariates.append(row[:, cov_columns])
        return levels, covariates, observed, covariates_observed, names

    def _check_fitted(self):
        """Fitted, and with the transforms the network was fitted with.

        ``target_index``, ``log_transform`` and ``differencing`` define the
        series the fitted network models: changed after ``fit`` (without
        refitting), they would silently give forecasts on another scale.
        """
        super()._check_fitted()
        for key, fitted in getattr(self, "_transforms", {}).items():
            if getattr(self, key) != fitted:
                raise ValueError(
                    f"The '{key}' parameter of {type(self).__name__} was changed after "
                    f"fit, to {_describe(getattr(self, key))}, but the fitted network "
                    f"models the series with {key}={_describe(fitted)}; set it back or "
                    "fit again."
                )

    @property
    def _lag(self):
        return 0 if self.differencing is None else int(self.differencing)

    def _modelled(self, g, observed):
        """The series the network models, differences of ``g`` at the lag, and
        which of its values rest on observed levels only."""
        d = self._lag
        if not d:
            return g, observed
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused later
            return g[d:] - g[:-d], observed[d:] & observed[:-d]

    def _network_inputs(self, z, covariates, fitted=None, *, where="X"):
        """Input rows ``(len(z) + 1, n_inputs)``: start, then each past step.

        Standardised with the fitted attributes, or with those in ``fitted``
        (``fit`` passes them before it assigns them). Values beyond float32
        once standardised are refused; ``where`` names the row in the error.
        """
        fitted = vars(self) if not fitted else fitted
        d = self._lag
        with np.errstate(over="ignore", invalid="ignore"):  # refused below
            u = (z - fitted["target_mean_"]) / fitted["target_scale_"]
            v = (covariates[d:] - fitted["covariate_mean_"]) / fitted["covariate_scale_"]
            n, n_cov = len(u), v.shape[1]
            inputs = np.zeros((n + 1, n_cov + 2), np.float32)
            inputs[0, -1] = 1.0  # the start indicator
            inputs[1:, 0] = u
            inputs[1:, 1:1 + n_cov] = v
        if not np.isfinite(inputs).all():
            raise ValueError(
                f"{type(self).__name__} cannot read {where}: it holds values too large "
                "for the network once standardised with the statistics learned in fit "
                "(beyond float32's range, about 3.4e38); rescale the series."
            )
        return inputs, u

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        """Learn the standardisation of ``X`` and train the network on every value.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_steps) or (n_rows, n_steps, n_features), \
                or list of series
            One series per row; a list may hold series of different lengths,
            each of shape ``(n_steps_i,)`` or ``(n_steps_i, n_features)``.
        y : None
            Ignored: the targets are ``X`` shifted by one.

        Returns
        -------
        self : RNNForecaster
        """
        name = type(self).__name__
        rng, seed = self._resolve_fit()
        warm = self._warm()
        # what the fitted standardisation means: a warm start cannot change it
        transforms = dict(
            target_index=self.target_index, log_transform=self.log_transform,
            differencing=self.differencing,
        )
        if warm:
            check_warm_start_network(
                getattr(self, "_transforms", transforms), transforms, caller=name
            )
        levels, covariates, observed, covariates_observed, names = self._prepare(
            X, n_features=self.n_features_in_ if warm else None
        )
        if len(levels) > 1 and max(map(len, levels)) == 1:
            # most often one series held in a column (df[["y"]]): rows are series
            raise ValueError(
                f"{name} got {len(levels)} series of a single time step each "
                f"({1 + covariates[0].shape[1]} feature(s) per step), but it learns how "
                "a series moves from one step to the next: at least one series needs "
                "two time steps. For one series whose time steps are the rows of a "
                "table or column (df[['y']]), pass the table as one row: [df[['y']]]."
            )
        # values filled by missing="interpolate" are inputs only: never
        # targets, nor part of the standardisation
        modelled = [self._modelled(g, o) for g, o in zip(levels, observed)]
        z_all = np.concatenate([z[seen] for z, seen in modelled])
        if not np.isfinite(z_all).all():  # differences of values near 1.8e308
            raise ValueError(
                f"{name} cannot model X with differencing={self.differencing}: the "
                "differences of its values overflow float64 (values near 1.8e308); "
                "rescale the series."
            )
        if len(z_all) < 2:
            after = f" after differencing at lag {self._lag}" if self._lag else ""
            raise ValueError(
                f"{name} needs at least two values in X to learn from{after}; got "
                f"{len(z_all)}."
            )
        fitted = {}  # assigned with the network, only once training has run
        if not warm:
            # in a method, so that its temporaries (the concatenated values)
            # are not held while the network trains
            fitted = self._standardisation(
                levels, covariates, observed, covariates_observed, z_all, transforms
            )
            if names is not None:
                fitted["feature_names_in_"] = names
        del z_all
        streams = [
            self._network_inputs(z, c, fitted, where=f"row {i} of X")
            for i, ((z, _), c) in enumerate(zip(modelled, covariates))
        ]
        seen = [s for _, s in modelled]
        # not held while the network trains
        del levels, covariates, observed, covariates_observed, modelled
        weights = np.concatenate(seen)
        inputs = np.concatenate([x[:-1] for x, _ in streams])
        targets = np.concatenate([u for _, u in streams]).astype(np.float32)
        row_offsets = np.concatenate([[0], np.cumsum([len(u) for _, u in streams])])
        input_rows = [x for x, _ in streams]  # the float64 targets u are dropped
        del streams
        build_kwargs = dict(
            n_inputs=inputs.shape[1],
            n_outputs=2,
            input_kind="numeric",
            cell=self.cell,
            units=tuple(self.units) if isinstance(self.units, (list, tuple)) else self.units,
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            seed=seed,
        )
        if not warm:
            fitted["scale_calibration_"] = 1.0
        try:
            self._fit_streams(
                inputs, targets, row_offsets,
                build_kwargs=build_kwargs, loss=_GaussianNLL(),
                input_pad=0.0, rng=rng, reuse_model=warm, fitted=fitted,
                absent=("feature_names_in_",) if not warm and names is None else (),
                weights=None if weights.all() else weights,
            )
        except (KeyboardInterrupt, _core.NonFiniteLossError):
            # training stopped on a fault, with the last good weights kept:
            # calibrate those, as after a complete fit
            self.scale_calibration_ = self._fitted_scale_ratio(input_rows, seen)
            raise
        self.scale_calibration_ = self._fitted_scale_ratio(input_rows, seen)
        return self

    def _standardisation(self, levels, covariates, observed, covariates_observed, z_all,
                         transforms):
        """The fitted attributes that standardise the network's inputs.

        Values filled by ``missing="interpolate"`` are left out of every
        statistic, the covariates' included.
        """
        name = type(self).__name__
        what = "log " if self.log_transform else ""
        what += f"differenced (lag {self._lag}) " if self._lag else ""
        # in units of the largest value, so that neither tiny nor huge
        # values under- or overflow
        peak = float(np.abs(z_all).max())
        unit = z_all / peak if peak > 0 else z_all
        mean, scale = peak * float(unit.mean()), peak * float(unit.std())
        # relative to the level: a constant series has round-off spread
        if not scale > 1e-12 * abs(mean):
            raise ValueError(
                f"{name} cannot learn from a constant series: the {what}target "
                f"values in X have a standard deviation of {scale:.3g} around "
                f"{mean:.6g}, so there is no variation to model."
            )
        cov_all, cov_seen = np.concatenate(covariates), np.concatenate(covariates_observed)
        g_all = np.concatenate([g[o] for g, o in zip(levels, observed)])
        # every covariate has an observed value (a row without any is refused)
        stats = [_core.mean_std(cov_all[cov_seen[:, j], j]) for j in range(cov_all.shape[1])]
        cov_mean = np.array([mean for mean, _ in stats], np.float64)
        cov_scale = np.array([scale for _, scale in stats], np.float64)
        level_mean, level_scale = _core.mean_std(g_all) if self._lag else (None, None)
        return dict(
            target_mean_=mean,
            target_scale_=scale,
            covariate_mean_=cov_mean,
            # a constant covariate carries no information; scale 1 avoids 0 / 0
            covariate_scale_=_core.constant_to_unit(cov_mean, cov_scale),
            level_mean_=None if level_mean is None else float(level_mean),
            level_scale_=None if level_scale is None else float(level_scale),
            n_features_in_=covariates[0].shape[1] + 1,
            _transforms=transforms,
        )

    def _fitted_scale_ratio(self, input_rows, seen):
        """The spread of the standardised one-step residuals of ``input_rows``.

        The head learns its scale under dropout, whose noise in the predicted
        mean it absorbs; without dropout (at inference) the mean is sharper
        and that scale too wide. Dividing the residuals of the training rows
        by the uncalibrated scale measures by how much.
        """
        outputs, _ = self._outputs(input_rows, calibrated=False)
        z = np.concatenate([
            ((x[1:, 0] - out[:-1, 0]) / out[:-1, 1])[s]
            for x, out, s in zip(input_rows, outputs, seen)
        ])
        return robust_scale(z) if len(z) else 1.0

    # ------------------------------------------------------------ inference
    def _outputs(self, input_rows, calibrated=True):
        """Head outputs (mean, scale) at every position of every input row, and
        the final recurrent states of every row.

        The scale is multiplied by ``scale_calibration_`` unless ``calibrated``
        is False.
        """
        outputs = [np.empty((len(r), 2)) for r in input_rows]
        runner = self._run_rows(input_rows, input_pad=0.0)
        while True:
            try:
                row_ids, t0, out, _ = next(runner)
            except StopIteration as stop:
                final_states = stop.value
                break
            for k, r in enumerate(row_ids):
                stop_at = min(len(input_rows[r]), t0 + out.shape[1])
                if stop_at > t0:
                    outputs[r][t0:stop_at] = out[k, : stop_at - t0]
        factor = self.scale_calibration_ if calibrated else 1.0
        for out in outputs:
            out[:, 1] = _numpy_gaussian_scale(out[:, 1]) * factor
        return outputs, final_states

    def _forward(self, X, argument="X"):
        """Per-row total log-likelihood, value count and next-value forecast."""
        self._check_fitted()
        levels, covariates, observed, _, _ = self._prepare(
            X, argument, n_features=self.n_features_in_
        )
        d = self._lag
        modelled = [self._modelled(g, o) for g, o in zip(levels, observed)]
        streams = [
            self._network_inputs(z, c, where=f"row {i} of {argument}")
            for i, ((z, _), c) in enumerate(zip(modelled, covariates))
        ]
        outputs, _ = self._outputs([x for x, _ in streams])
        n = len(levels)
        loglik, counts, forecast = np.zeros(n), np.zeros(n, np.int64), np.zeros(n)
        for r, (g, o, (_, seen), (_, u), out) in enumerate(
            zip(levels, observed, modelled, streams, outputs)
        ):
            mean, scale = out[:, 0], out[:, 1]
            # Only observed values count (filled ones are context): the first
            # d levels, then each modelled value whose levels are all observed.
            # log p(y) = log p(u) - log(target_scale_) for each modelled value
            loglik[r] = _gaussian_logpdf(u, mean[:-1], scale[:-1])[seen].sum()
            loglik[r] -= seen.sum() * math.log(self.target_scale_)
            if d:
                first = _gaussian_logpdf(g[:d], self.level_mean_, self.level_scale_)
                loglik[r] += first[o[:d]].sum()
            counted = np.concatenate([o[:d], seen])
            if self.log_transform:
                loglik[r] -= g[counted].sum()  # d log(y) / dy = 1 / y
            counts[r] = counted.sum()
            z_next = mean[-1] * self.target_scale_ + self.target_mean_
            if not d:
                forecast[r] = z_next
            elif len(g) >= d:
                forecast[r] = g[len(g) - d] + z_next
            else:
                forecast[r] = self.level_mean_
        if self.log_transform:
            forecast = np.exp(forecast)
        return loglik, counts, forecast

    def predict(self, X):
        """The forecast of the next value after each row (the whole row is context).

        The mean of the predictive distribution, transformed back to the
        units of the series (with ``log_transform``, the exponential of the
        mean log: the median).

        Parameters
        ----------
        X : array-like of shape (n_rows, n_steps) or (n_rows, n_steps, n_features), \
                or list of series

        Returns
        -------
        y : ndarray of shape (n_rows,)
        """
        return self._forward(X)[2]

    def score_samples(self, X):
        """Total log-likelihood (nats) of each row, every value included.

        In the units of the series: the Jacobian of the internal scaling and
        log transform is included.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_steps) or (n_rows, n_steps, n_features), \
                or list of series

        Returns
        -------
        loglik : ndarray of shape (n_rows,)
        """
        return self._forward(X)[0]

    def score(self, X, y=None, sample_weight=None):
        """Mean log-likelihood per value, in nats, in the units of the series.

        Every value of every row counts (padding does not); the state is
        carried across the whole row, so the value does not depend on
        ``seq_length``. Because the Jacobian of the internal transforms is
        included, models with different ``log_transform`` or
        ``differencing`` compare by their score on the same data.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_steps) or (n_rows, n_steps, n_features), \
                or list of series
        y : None
            Ignored.
        sample_weight : array-like of shape (n_rows,), default=None
            Weight of each row: a row of weight ``w`` counts as ``w`` copies
            of it, so the score is ``sum(w * loglik) / sum(w * n_values)``.

        Returns
        -------
        score : float
        """
        loglik, counts, _ = self._forward(X)
        return self._mean_loglik(loglik, counts, sample_weight, "value")

    # ------------------------------------------------------------- sampling
    def _future_inputs(self, future_covariates, n_steps, n_paths, caller):
        """The non-target columns of the inputs that follow each sampled step."""
        n_cov = self.n_features_in_ - 1
        next_inputs = np.zeros((n_paths, n_steps, n_cov + 2), np.float32)
        if n_cov == 0:
            if future_covariates is not None:
                raise ValueError(
                    f"The 'future_covariates' argument of {caller} must be None for a "
                    "model fitted without covariates. Got an array instead."
                )
            return next_inputs
        if future_covariates is None:
            if n_steps > 1:
                raise ValueError(
                    f"The 'future_covariates' argument of {caller} is required for a "
                    f"model with {n_cov} covariate(s) and n_steps > 1: their values at "
                    f"the {n_steps} forecast times, shape ({n_steps}, {n_cov}). Got None."
                )
            return next_inputs
        future = self._as_float(future_covariates, "future_covariates")
        if future.ndim == 1 and n_cov == 1:
            future = future[:, np.newaxis]
        if future.shape != (n_steps, n_cov) or not np.isfinite(future).all():
            got = (
                f"shape {future.shape}" if future.shape != (n_steps, n_cov)
                else f"{int((~np.isfinite(future)).sum())} NaN or infinite value(s)"
            )
            raise ValueError(
                f"The 'future_covariates' argument of {caller} must be a finite array "
                f"of shape ({n_steps}, {n_cov}): the covariates at each forecast time. "
                f"Got {got}."
            )
        next_inputs[:, :, 1:1 + n_cov] = (future - self.covariate_mean_) / self.covariate_scale_
        return next_inputs

    def _sample_paths(self, n_steps, context, *, n_paths, temperature, random_state,
                      future_covariates, caller):
        """``(n_paths, n_steps)`` sample paths in the units of the series."""
        self._check_fitted()
        n_steps = check_n_steps(n_steps, caller=caller)
        check_sampling_params(caller=caller, temperature=temperature)
        d = self._lag
        if context is None:
            g, covariates = np.zeros(0), np.zeros((0, self.n_features_in_ - 1))
            observed = np.zeros(0, bool)
        else:
            try:
                ndim = np.ndim(context)
            except ValueError:  # nested sequences of different lengths
                ndim = None
            if ndim not in (1, 2) or isinstance(context, (str, bytes)):
                raise ValueError(
                    f"The 'context' argument of {caller} must be None or one series of "
                    f"shape (n_steps,) or (n_steps, n_features). Got "
                    f"{_describe(context)} instead."
                )
            shape = np.shape(context) if ndim == 2 else None
            if shape is not None and shape[0] == 1 and shape[1] != self.n_features_in_:
                # [series], as fit and predict take it: one row of values,
                # which would read as one time step of shape[1] features
                raise ValueError(
                    f"The 'context' argument of {caller} must be one series of "
                    f"shape (n_steps,) or (n_steps, n_features), not a list of "
                    f"series; got shape {shape}, which reads as one time step of "
                    f"{shape[1]} features (the model has {self.n_features_in_}). "
                    "Pass the series itself: context=series, not [series]."
                )
            (g,), (covariates,), (observed,), _, _ = self._prepare(
                [context], "context", n_features=self.n_features_in_
            )
        if len(g) < d:
            raise ValueError(
                f"The 'context' argument of {caller} must hold at least {d} values for "
                f"a model with differencing={d} (each forecast adds a difference to "
                f"the value {d} steps earlier). Got {len(g)}."
            )
        next_inputs = self._future_inputs(future_covariates, n_steps, n_paths, caller)
        inputs, _ = self._network_inputs(
            self._modelled(g, observed)[0], covariates, where="context"
        )
        if len(inputs) > 1:
            _, states = self._outputs([inputs[:-1]])
            states = [[np.repeat(s, n_paths, axis=0) for s in layer] for layer in states]
        else:
            states = _core.zero_states(self.model_, n_paths)
        sampler = self._cached(
            "gaussian_sampler",
            lambda: _core.make_gaussian_sampler(self.model_, target_column=0),
        )
        noise = _core.resolve_rng(random_state).standard_normal(
            (n_paths, n_steps), dtype=np.float32
        )
        # beyond float32's largest value, every draw with noise is infinite
        # (refused below); min() avoids NumPy's overflow warning on the cast
        scale_factor = min(temperature * self.scale_calibration_, float(np.finfo(np.float32).max))
        u = sampler(
            np.repeat(inputs[-1:], n_paths, axis=0), next_inputs, noise,
            np.float32(scale_factor), *[s for layer in states for s in layer],
        )
        if not np.isfinite(u).all():
            # an infinite draw, fed back as the next input, makes the rest of
            # its path NaN
            raise ValueError(
                f"The 'temperature' argument of {caller} is too large for this model: "
                f"with temperature={_describe(temperature)} a draw exceeds float32's "
                "range (about 3.4e38) in the network's standardised units, so its path "
                "cannot continue; lower the temperature."
            )
        z = np.asarray(u, np.float64)
        z = z * self.target_scale_ + self.target_mean_
        if d:
            path = np.empty((n_paths, d + n_steps))
            path[:, :d] = g[len(g) - d:]
            for t in range(n_steps):
                path[:, d + t] = path[:, t] + z[:, t]
            z = path[:, d:]
        return np.exp(z) if self.log_transform else z

    def sample(self, n_steps, context=None, *, n_samples=None, temperature=1.0,
               random_state=None, future_covariates=None):
        """Draw sample paths that continue ``context``.

        Each value is drawn from the predictive distribution and fed back as
        the next input; the recurrent state is carried from step to step
        inside one compiled loop, all paths in one batch.

        Parameters
        ----------
        n_steps : int
            Number of values to draw (the context is not included).
        context : array-like of shape (n_steps_context,) or \
                (n_steps_context, n_features), default=None
            The series to continue (all of it is context); None starts a new
            series. With ``differencing=d`` at least ``d`` values are needed.
        n_samples : int or None, default=None
            None returns one path of shape ``(n_steps,)``; an int returns
            ``(n_samples, n_steps)``.
        temperature : float, default=1.0
            Multiplies the predicted standard deviation; 0 gives the plug-in
            mean path (each step's predicted mean fed back).
        random_state : int, numpy Generator or None, default=None
            The same value gives the same paths.
        future_covariates : array-like of shape (n_steps, n_features - 1), default=None
            For a model with covariates and ``n_steps > 1``: the covariates at
            each forecast time, which the model does not forecast. (The
            covariates of a time step inform the next one, so the last row
            is not used; it is asked for so that rows match forecast times.)

        Returns
        -------
        paths : ndarray of shape (n_steps,) or (n_samples, n_steps)
            In the units of the series.
        """
        caller = f"{type(self).__name__}.sample"
        check_sampling_params(caller=caller, temperature=temperature, n_samples=n_samples)
        paths = self._sample_paths(
            n_steps, context, n_paths=1 if n_samples is None else int(n_samples),
            temperature=temperature, random_state=random_state,
            future_covariates=future_covariates, caller=caller,
        )
        return paths[0] if n_samples is None else paths

    def predict_quantiles(self, n_steps, context=None, quantiles=(0.1, 0.5, 0.9), *,
                          n_samples=1000, random_state=None, future_covariates=None):
        """Quantiles of the next ``n_steps`` values, from ``n_samples`` sample paths.

        Parameters
        ----------
        n_steps : int
            Forecast horizon.
        context : array-like, default=None
            The series to continue; see :meth:`sample`.
        quantiles : float or sequence of float, default=(0.1, 0.5, 0.9)
            Probabilities in [0, 1].
        n_samples : int, default=1000
            Sample paths drawn; more gives smoother quantiles.
        random_state : int, numpy Generator or None, default=None
            The same value gives the same quantiles.
        future_covariates : array-like, default=None
            See :meth:`sample`.

        Returns
        -------
        quantiles : ndarray of shape (n_quantiles, n_steps)
            Or ``(n_steps,)`` for a single float.
        """
        caller = f"{type(self).__name__}.predict_quantiles"
        try:
            q = np.asarray(quantiles, dtype=np.float64) if np.ndim(quantiles) <= 1 else None
            if np.asarray(quantiles).dtype.kind not in "iuf":  # "0.5", True, ...
                q = None
        except (TypeError, ValueError):
            q = None
        if q is None or q.size == 0 or not ((q >= 0) & (q <= 1)).all():
            raise ValueError(
                f"The 'quantiles' argument of {caller} must be a float or a non-empty "
                f"sequence of floats in [0, 1]. Got {_describe(quantiles)} instead."
            )
        return self._path_quantiles(
            n_steps, context, q, n_samples=n_samples, random_state=random_state,
            future_covariates=future_covariates, caller=caller,
        )

    def _path_quantiles(self, n_steps, context, q, *, n_samples, random_state,
                        future_covariates, caller):
        """Quantiles ``q`` of ``n_samples`` sample paths, at each step."""
        n_samples = check_n_steps(n_samples, caller=caller, argument="n_samples")
        paths = self._sample_paths(
            n_steps, context, n_paths=n_samples, temperature=1.0,
            random_state=random_state, future_covariates=future_covariates, caller=caller,
        )
        return np.quantile(paths, q, axis=0)

    def predict_interval(self, n_steps, context=None, coverage=0.8, *, n_samples=1000,
                         random_state=None, future_covariates=None):
        """Central prediction interval of the next ``n_steps`` values.

        The ``(1 - coverage) / 2`` and ``(1 + coverage) / 2`` quantiles of
        ``n_samples`` sample paths, so it accounts for the uncertainty that
        builds up along the paths.

        Parameters
        ----------
        n_steps : int
            Forecast horizon.
        context : array-like, default=None
            The series to continue; see :meth:`sample`.
        coverage : float, default=0.8
            Probability, in (0, 1), that each future value falls inside.
        n_samples : int, default=1000
            Sample paths drawn.
        random_state : int, numpy Generator or None, default=None
            The same value gives the same interval.
        future_covariates : array-like, default=None
            See :meth:`sample`.

        Returns
        -------
        lower, upper : ndarray of shape (n_steps,)
        """
        if (
            isinstance(coverage, bool)
            or not isinstance(coverage, (int, float, np.floating))
            or not 0 < coverage < 1
        ):
            raise ValueError(
                f"The 'coverage' argument of {type(self).__name__}.predict_interval must "
                f"be a float in (0, 1). Got {_describe(coverage)} instead."
            )
        alpha = (1.0 - coverage) / 2.0
        lower, upper = self._path_quantiles(
            n_steps, context, np.array([alpha, 1.0 - alpha]), n_samples=n_samples,
            random_state=random_state, future_covariates=future_covariates,
            caller=f"{type(self).__name__}.predict_interval",
        )
        return lower, upper

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # NaN is always accepted as padding at the start of a row; as a
        # missing value only when asked for
        tags.input_tags.allow_nan = self.missing == "interpolate"
        tags.input_tags.three_d_array = True
        tags.target_tags.required = False
        return tags
