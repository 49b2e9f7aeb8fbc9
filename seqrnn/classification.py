"""Supervised sequence models: one label or one value per whole sequence.

:class:`RNNSequenceClassifier` and :class:`RNNSequenceRegressor` read each row
of ``X`` as one sequence -- univariate (a 2-D array), multivariate (a 3-D
array), tokens (strings, or a 2-D array of tokens, through an embedding whose
vocabulary is learned in ``fit``), or a list of sequences of different
lengths -- run it through recurrent layers, and map the last output to a
label or a value.

Rows of different lengths are padded at the end (the layout cuDNN needs) and
masked, so a padded step never changes the state: a row's prediction does not
depend on the rows beside it. Parameters routed scikeras-style
(``model__units``, ``fit__epochs``, ``optimizer__beta_1``) come from
:mod:`seqrnn._scikeras`.
"""

import inspect
import math
from collections import namedtuple
from numbers import Integral, Real

import keras
import numpy as np
from scipy.sparse import issparse
from scipy.special import softmax
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d

from . import _core
from ._builders import build_sequence_model
from ._scikeras import KerasSequenceWrapper
from ._validation import (
    RNN_PARAMETER_CONSTRAINTS,
    Interval,
    Shifts,
    StrOptions,
    _describe,
    check_not_masked,
    check_row_feature_names,
    check_warm_start_network,
    is_pandas_na,
    pandas_na_to_nan,
    row_feature_names,
    text_column,
    validation_size,
)
from .language_model import _text_symbols
from .persistence import PickledByWeights, SafeSaveMixin

__all__ = ["RNNSequenceClassifier", "RNNSequenceRegressor"]

# Token ids: 0 pads, 1 is the unknown token, token k of ``vocabulary_`` is k + 2.
PAD, UNK = 0, 1
_TOKEN_OFFSET = 2
#: Rows per prediction batch. Batches are always padded to this many rows so
#: that a row's floating-point result cannot depend on how many rows share
#: its batch; ``predict__batch_size`` changes it.
PREDICT_BATCH = 64
#: Elements per block when ``X`` is encoded into network inputs: bounds the
#: float64 / int64 temporaries, whatever the size of ``X``.
_ENCODE_BLOCK = 1 << 18
#: Builder arguments that come from the data, never from a routed parameter.
_DATA_BUILD_ARGS = {"n_inputs", "n_outputs", "input_kind", "seed"}

#: Rows after validation: ``kind`` is "numeric" (``values`` of shape
#: ``(n, T, n_features)``, float64) or "tokens" (``values`` of shape
#: ``(n, T)``); steps at and after ``lengths[i]`` of row i are padding.
#: ``names``: the features' names when the rows are DataFrames, else None
_Sequences = namedtuple("_Sequences", ["kind", "values", "lengths", "names"], defaults=[None])


# --------------------------------------------------------------- input rows
def _element_kind(value):
    """"number", "token" (a str) or None for one element of an object array."""
    if isinstance(value, str):
        return "token"
    if isinstance(value, (Real, np.bool_)):
        return "number"
    return None


def _not_a_number(values):
    """The first element of ``values`` that ``float`` cannot read, else None."""
    for value in values.flat:
        try:
            float(value)
        except (TypeError, ValueError):
            return value
    return None


def _object_numbers(values, kind):
    """An object array of one kind as a plain array: str, int64 or float64.

    Whole numbers stay integers (token ids such as 63-bit hashes are not
    exact as float64); anything else is read as float64.
    """
    if kind != "number":
        return values.astype(str)
    if all(
        isinstance(v, (Integral, np.integer)) and not isinstance(v, (bool, np.bool_))
        for v in values.flat
    ):
        try:
            return values.astype(np.int64)
        except OverflowError:
            pass
    return values.astype(np.float64)


def _object_kind(values, *, caller, where):
    """Whether an object array holds numbers or str tokens; refuse anything else.

    pandas' missing value ``pd.NA`` (a nullable column's) is refused as NaN is.
    """
    flat = values.ravel()
    kind = _element_kind(flat[0]) if flat.size else "number"
    for i, value in enumerate(flat):
        if is_pandas_na(value):
            raise ValueError(
                f"{caller} does not accept NaN or infinity in X, nor pandas' missing "
                f"value: {where(np.unravel_index(i, values.shape))} is pd.NA. Impute or "
                "drop missing values first."
            )
        if _element_kind(value) != kind or kind is None:
            index = np.unravel_index(i, values.shape)
            position = where(index)
            raise TypeError(
                f"{caller} cannot read {position} ({_describe(value)}, a "
                f"{type(value).__name__}) as a sequence element: the argument must be "
                "a string (a token) or a number, the same kind throughout X."
            )
    return kind


def _row_to_array(row, *, caller, index):
    """One row of a list: ``(kind, array, ndim)``, kind "numeric" or "tokens"."""
    if isinstance(row, str):
        return "tokens", _text_symbols(row), 1
    check_not_masked(row, caller=caller, argument=f"row {index} of X")
    try:
        ndim = np.ndim(row)
        # a list is read element by element: NumPy would silently turn the
        # numbers of a list that also holds strings into strings
        array = np.asarray(row, dtype=object if isinstance(row, (list, tuple)) else None)
    except ValueError:  # NumPy: "inhomogeneous shape", e.g. [1.0, [2.0]]
        raise ValueError(
            f"{caller} expects every row of X to be a sequence of shape (n_steps,) or "
            f"(n_steps, n_features); row {index} holds nested sequences of different "
            "lengths."
        ) from None
    if isinstance(row, (bytes, dict, set)) or ndim == 0:
        raise TypeError(
            f"{caller} expects every row of X to be a sequence (a str, or a 1-D or "
            f"2-D array-like); row {index} is a {type(row).__name__}."
        )
    if array.dtype.kind == "O":
        kind = _object_kind(
            array, caller=caller, where=lambda i: f"X[{index}][{', '.join(map(str, i))}]"
        )
        array = _object_numbers(array, kind)
    if array.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {caller} got complex values in row {index} of X."
        )
    if array.dtype.kind == "S":
        array = _ascii_tokens(array, caller=caller)
    if array.dtype.kind in "US":
        if array.ndim != 1:
            raise ValueError(
                f"{caller} expects a row of tokens to be 1-D; row {index} of X has "
                f"shape {array.shape}."
            )
        return "tokens", array, 1
    if array.ndim not in (1, 2):
        raise ValueError(
            f"{caller} expects every row of X to be 1-D (n_steps,) or 2-D (n_steps, "
            f"n_features); row {index} has shape {array.shape}."
        )
    return "numeric", array, array.ndim


def _pad_rows(rows, kind, *, caller):
    """Stack rows of different lengths, padding at the end."""
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    for i, length in enumerate(lengths):
        if length == 0:
            raise ValueError(
                f"{caller} got an empty sequence in row {i} of X; every sequence "
                "needs at least one time step."
            )
    if kind == "tokens":
        dtype = np.result_type(*(r.dtype for r in rows))  # str: bytes were decoded
        values = np.zeros((len(rows), lengths.max()), dtype=dtype)
        for i, r in enumerate(rows):
            values[i, : len(r)] = r
        return values, lengths
    widths = {r.shape[1] if r.ndim == 2 else 1 for r in rows}
    if len(widths) > 1:
        raise ValueError(
            f"{caller} expects the same number of features at every time step of "
            f"every row of X; the rows have {sorted(widths)} features."
        )
    # integers stay integers (token ids); they are standardised to floats later
    dtype = np.result_type(*(r.dtype for r in rows))
    dtype = dtype if dtype.kind in "iu" else np.float64
    values = np.zeros((len(rows), lengths.max(), widths.pop()), dtype=dtype)
    for i, r in enumerate(rows):
        values[i, : len(r)] = r.reshape(len(r), -1)
    return values, lengths


def _ragged_sequences(rows, *, caller):
    """Validate a list of rows of any lengths: one kind, one dimension."""
    kinds, arrays, dims = [], [], []
    for i, row in enumerate(rows):
        kind, array, ndim = _row_to_array(row, caller=caller, index=i)
        kinds.append(kind)
        arrays.append(array)
        dims.append(ndim)
    if len(set(kinds)) > 1:
        first = kinds.index("tokens")
        other = kinds.index("numeric")
        raise TypeError(
            f"{caller} expects the rows of X to be all numeric sequences or all "
            f"sequences of tokens; row {other} is numeric and row {first} is tokens."
        )
    if len(set(dims)) > 1:
        raise ValueError(
            f"{caller} expects the rows of X to be all 1-D (n_steps,) or all 2-D "
            f"(n_steps, n_features); row {dims.index(1)} is 1-D and row "
            f"{dims.index(2)} is 2-D."
        )
    values, lengths = _pad_rows(arrays, kinds[0], caller=caller)
    return _Sequences(kinds[0], values, lengths)


def _ascii_tokens(X, *, caller):
    """Bytes tokens as str; only ASCII, since their encoding is not known."""
    try:
        return X.astype(str)
    except UnicodeDecodeError:
        raise ValueError(
            f"{caller} reads bytes tokens in X as ASCII and got non-ASCII bytes; "
            "decode them first, e.g. np.char.decode(X, 'utf-8')."
        ) from None


def _array_sequences(X, *, caller):
    """Validate a regular array: (n, T) or (n, T, f) numbers, (n, T) tokens."""
    if X.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {caller} got complex values in X.")
    if X.dtype.kind == "S":  # bytes: read as ASCII text
        X = _ascii_tokens(X, caller=caller)
    if X.dtype.kind == "O":
        if X.ndim == 1:
            return _ragged_sequences(list(X), caller=caller)
        kind = _object_kind(
            X, caller=caller, where=lambda i: f"X[{', '.join(map(str, i))}]"
        )
        X = _object_numbers(X, kind)
    if X.dtype.kind in "US" and X.ndim == 1:
        return _ragged_sequences([str(doc) for doc in X], caller=caller)
    docs = text_column(X)  # read as tokens, each document would be one token
    if docs is not None:
        return _ragged_sequences(docs, caller=caller)
    if X.ndim not in (2, 3) or (X.ndim == 3 and X.dtype.kind in "US"):
        shapes = "(n_sequences, n_steps)" if X.dtype.kind in "US" else (
            "(n_sequences, n_steps) or (n_sequences, n_steps, n_features)"
        )
        hint = (
            " Reshape your data: X.reshape(1, -1) for one sequence, or "
            "X.reshape(-1, 1) for sequences of one step." if X.ndim == 1 else ""
        )
        raise ValueError(
            f"{caller} expects X as one sequence per row: an array of shape {shapes} "
            f"or a list of sequences; got a {X.ndim}-D array of shape {X.shape}.{hint}"
        )
    if X.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is "
            f"required by {caller}."
        )
    if X.shape[1] == 0 or (X.ndim == 3 and X.shape[2] == 0):
        raise ValueError(
            f"{caller} got 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
            "required: the rows of X are empty sequences."
        )
    lengths = np.full(X.shape[0], X.shape[1], dtype=np.int64)
    if X.dtype.kind in "US":
        return _Sequences("tokens", X, lengths)
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{caller} cannot use {X.dtype} values of X as sequence elements.")
    # integers stay integers (token ids); they are standardised to floats later
    values = X if X.dtype.kind in "iu" else X.astype(np.float64, copy=False)
    return _Sequences("numeric", values if X.ndim == 3 else values[:, :, None], lengths)


def _as_sequences(X, *, caller, input_type):
    """Validate ``X``: one sequence per row, any of the accepted layouts."""
    if issparse(X):
        raise TypeError(
            f"{caller} does not accept sparse input X: each row is a sequence. Pass "
            "a dense array (X.toarray()) or a list of sequences."
        )
    check_not_masked(X, caller=caller)
    if isinstance(X, (str, bytes)):
        raise TypeError(
            f"{caller} expects X to hold one sequence per row; got a single "
            f"{type(X).__name__}. Wrap it in a list: [text]."
        )
    if hasattr(X, "to_numpy") and hasattr(X, "columns"):  # a DataFrame
        X = X.to_numpy()
    elif not isinstance(X, np.ndarray) and hasattr(X, "__array__"):
        X = np.asarray(X)
    if isinstance(X, np.ndarray):
        seqs = _array_sequences(X, caller=caller)
    else:
        try:
            rows = list(X)
        except TypeError:
            raise TypeError(
                f"{caller} expects X to be an array or a list of sequences; got "
                f"{type(X).__name__}."
            ) from None
        if not rows:
            raise ValueError(f"{caller} expects at least one sequence in X; got none.")
        for i, row in enumerate(rows):  # before np.asarray(rows) drops their masks
            check_not_masked(row, caller=caller, argument=f"row {i} of X")
        names = row_feature_names(rows, caller=caller)
        if all(isinstance(row, str) for row in rows):
            seqs = _ragged_sequences(rows, caller=caller)
        else:
            try:  # regular numeric data: one conversion, no per-row work
                array = np.asarray(rows)
            except (ValueError, TypeError):
                array = None
            if array is not None and array.dtype.kind in "biufc":
                seqs = _array_sequences(array, caller=caller)
            else:
                seqs = _ragged_sequences(rows, caller=caller)
        seqs = seqs._replace(names=names)
    if input_type == "numeric" and seqs.kind == "tokens":
        raise TypeError(
            f"{caller} was given input_type='numeric', but X holds strings; use "
            "input_type='tokens' (or 'auto') for sequences of tokens."
        )
    if seqs.kind == "numeric" and not np.isfinite(seqs.values).all():
        row = int(np.flatnonzero(~np.isfinite(seqs.values).all(axis=(1, 2)))[0])
        steps = seqs.values[row, : seqs.lengths[row]]
        finite = np.isfinite(steps).all(axis=1)
        first = int(np.argmax(finite))  # the first finite step, if there is one
        if finite.any() and finite[first:].all() and np.isnan(steps[:first]).all():
            # NaN only at the start: the padding of SeriesWindower's first windows
            raise ValueError(
                f"{caller} does not accept NaN or infinity in X; row {row} starts with "
                f"NaN, which {caller} does not read as padding (RNNForecaster reads "
                "SeriesWindower's first windows so): pass sequences of different "
                "lengths as a list of rows, or drop or impute the padded rows."
            )
        raise ValueError(
            f"{caller} does not accept NaN or infinity in X; row {row} contains one. "
            "Impute or drop missing values first."
        )
    if input_type == "tokens" and seqs.kind == "numeric":
        values = seqs.values
        if values.shape[2] != 1 or (
            values.dtype.kind not in "iu"
            and (
                not np.array_equal(values, np.round(values))
                or np.abs(values).max(initial=0) >= 2**53  # beyond exact float integers
            )
        ):
            raise ValueError(
                f"{caller} was given input_type='tokens', so X must hold one token per "
                "time step (str or int ids); got numbers that are not whole (or floats "
                "too large to be exact integers), or several features per step."
            )
        tokens = values[:, :, 0]
        if tokens.dtype.kind != "u" or tokens.max(initial=0) < 2**63:
            tokens = tokens.astype(np.int64)
        seqs = seqs._replace(kind="tokens", values=tokens)
    return seqs


def _step_mask(lengths, n_steps):
    return np.arange(n_steps) < lengths[:, None]


def _augmented_steps(inputs, lengths, shifts, reversed_):
    """Rows of ``inputs`` with their real steps transformed, padding unchanged.

    Row i is reversed in time where ``reversed_[i]``, then shifted
    circularly by ``shifts[i]`` steps within its first ``lengths[i]`` steps
    (``np.roll`` of the real part: the steps that leave one end come back
    at the other).

    Examples
    --------
    >>> x = np.array([[1, 2, 3, 4, 0], [5, 6, 7, 8, 9]])
    >>> _augmented_steps(x, np.array([4, 5]), np.array([1, -2]), np.array([False, True]))
    array([[4, 1, 2, 3, 0],
           [7, 6, 5, 9, 8]])
    """
    n_steps = inputs.shape[1]
    steps = np.arange(n_steps)
    real = lengths[:, None]
    source = (steps - shifts[:, None]) % real
    source = np.where(reversed_[:, None], real - 1 - source, source)
    source = np.where(steps < real, source, steps)
    source = source.reshape(source.shape + (1,) * (inputs.ndim - 2))
    return np.take_along_axis(inputs, source, axis=1)


# ------------------------------------------------------------------ batches
class _RowBatches(keras.utils.PyDataset):
    """Batches of ``((inputs, mask), targets, weights)``.

    Every batch keeps the full padded width of ``inputs``: Keras fixes the
    shapes of a dataset from its first batches, so a batch cut to its own
    longest row could be refused later. With ``rng`` set, the rows are
    reshuffled by that generator every epoch (never by a global one).

    ``variants`` lists ``(shift, reverse)`` pairs: an epoch holds every row
    once in each variant (``(0, False)``, the row as it is, alone by
    default), transformed by :func:`_augmented_steps` when its batch is made,
    so the copies never exist all at once.
    """

    def __init__(self, inputs, lengths, targets, weights, *, batch_size, rng=None,
                 variants=((0, False),)):
        super().__init__(workers=1, use_multiprocessing=False)
        self.inputs, self.lengths = inputs, lengths
        self.targets, self.weights = targets, weights
        self.shifts = np.array([shift for shift, _ in variants], dtype=np.int64)
        self.reversed = np.array([reverse for _, reverse in variants], dtype=bool)
        self.size = len(lengths) * len(variants)
        self.batch_size = min(batch_size, self.size)
        self.rng = rng
        self.order = np.arange(self.size)
        self.on_epoch_end()

    def __len__(self):
        return math.ceil(self.size / self.batch_size)

    def on_epoch_end(self):
        if self.rng is not None:
            self.order = self.rng.permutation(self.size)

    def __getitem__(self, index):
        picks = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        rows, variant = np.divmod(picks, len(self.shifts))
        lengths, inputs = self.lengths[rows], self.inputs[rows]
        if len(self.shifts) > 1:
            inputs = _augmented_steps(
                inputs, lengths, self.shifts[variant], self.reversed[variant]
            )
        mask = _step_mask(lengths, self.inputs.shape[1])
        return (inputs, mask), self.targets[rows], self.weights[rows]


# ---------------------------------------------------------------- estimators
class _RNNSequenceEstimator(PickledByWeights, SafeSaveMixin, KerasSequenceWrapper):
    """What the sequence classifier and regressor share: inputs, network, training.

    Subclasses implement ``_check_targets`` (validate ``y``), ``_weights``
    (sample weights, with class weights for the classifier),
    ``_encode_targets`` (what the network learns to output), ``_loss`` and
    the predict methods.
    """

    _builder_name = "build_sequence_model"
    _parameter_constraints = {
        **RNN_PARAMETER_CONSTRAINTS,
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "bidirectional": ["boolean"],
        "segment_length": [Interval(Integral, 1, None, closed="left")],
        "augment_shifts": [Shifts(), None],
        "augment_reverse": ["boolean"],
        "input_type": [StrOptions({"auto", "numeric", "tokens"})],
    }

    def _routed_keys(self):
        return {
            "model": set(inspect.signature(build_sequence_model).parameters) - _DATA_BUILD_ARGS,
            "optimizer": self._optimizer_keys(),
            "compile": self._compile_keys(),
            "fit": {"epochs", "batch_size", "callbacks", "verbose"},
            "predict": {"batch_size"},
        }

    # --------------------------------------------------------------- inputs
    def _check_X(self, X, *, reset):
        """Validate ``X``; unless ``reset``, check it against the fitted model."""
        name = type(self).__name__
        kinds = {"numeric": "numeric sequences", "tokens": "sequences of tokens"}
        if not reset and self.input_type not in ("auto", self.input_type_):
            # set after fit: X would be read as the other kind
            raise ValueError(
                f"The 'input_type' parameter of {name} was changed after fit, to "
                f"{self.input_type!r}, but the fitted network reads "
                f"{kinds[self.input_type_]}; set it to {self.input_type_!r} or 'auto', "
                "or fit again."
            )
        seqs = _as_sequences(X, caller=name, input_type=self.input_type)
        if reset:
            return seqs
        if seqs.kind != self.input_type_:
            hint = (
                " (with input_type='auto', numbers are read as numeric sequences: "
                "integer token ids need input_type='tokens')"
                if self.input_type == "auto" and seqs.kind == "numeric" else ""
            )
            raise ValueError(
                f"{name} was fitted on {kinds[self.input_type_]}, but X holds "
                f"{kinds[seqs.kind]}{hint}; pass the same kind of sequences as in fit."
            )
        n_features = seqs.values.shape[2] if seqs.kind == "numeric" else 1
        if n_features != self.n_features_in_:
            raise ValueError(
                f"X has {n_features} features per time step, but {name} is expecting "
                f"{self.n_features_in_} features per time step as input."
            )
        check_row_feature_names(self, seqs.names)
        return seqs

    @staticmethod
    def _input_encoding(seqs, *, caller):
        """What ``fit`` learns from ``X``: the vocabulary, or feature scaling."""
        values = seqs.values
        if (seqs.lengths == values.shape[1]).all():
            # no padding: every step is real, in the order a mask would pick
            # them, without the copy that boolean indexing makes
            real = values.reshape(-1, *values.shape[2:])
        else:
            real = values[_step_mask(seqs.lengths, values.shape[1])]
        if seqs.kind == "tokens":
            try:
                vocabulary = np.unique(real)
            except TypeError:
                raise TypeError(
                    f"{caller} needs tokens that can be sorted together (all str, or "
                    "all numbers); the tokens in X mix types that cannot be compared."
                ) from None
            encoding = {"input_type_": "tokens", "n_features_in_": 1, "vocabulary_": vocabulary}
        else:
            # Standardise each feature over every real time step: recurrent
            # layers learn poorly from inputs far from unit scale.
            mean, scale = _core.mean_std(real)
            encoding = {
                "input_type_": "numeric",
                "n_features_in_": real.shape[1],
                "input_mean_": mean,
                "input_scale_": _core.constant_to_unit(mean, scale),
            }
        if seqs.names is not None:
            encoding["feature_names_in_"] = seqs.names
        return encoding

    def _encode_inputs(self, seqs, encoding):
        """Network inputs: token ids (0 pads) or standardised floats (0 pads).

        Written block by block of rows into the int32 / float32 result, so
        that no float64 or int64 array the size of ``X`` is made.
        """
        values = seqs.values
        padded = ~_step_mask(seqs.lengths, values.shape[1])
        out = np.empty(values.shape, np.float32 if encoding["input_type_"] == "numeric" else np.int32)
        step = max(1, _ENCODE_BLOCK // max(1, math.prod(values.shape[1:])))
        with np.errstate(over="ignore", invalid="ignore"):  # refused below
            for start in range(0, len(values), step):
                block = slice(start, start + step)
                out[block] = self._encode_block(values[block], encoding)
        out[padded] = 0.0 if encoding["input_type_"] == "numeric" else PAD
        if encoding["input_type_"] == "numeric" and not np.isfinite(out).all():
            row = int(np.flatnonzero(~np.isfinite(out).all(axis=(1, 2)))[0])
            raise ValueError(
                f"{type(self).__name__} cannot read X: row {row} holds values too large "
                "for the network once standardised with the mean and scale learned in "
                "fit (beyond float32's range, about 3.4e38); rescale X."
            )
        return out

    @staticmethod
    def _encode_block(values, encoding):
        """Standardised float64 values, or int64 token ids, of some rows."""
        if encoding["input_type_"] == "numeric":
            values = values - encoding["input_mean_"]
            values /= encoding["input_scale_"]
            return values
        vocabulary = encoding["vocabulary_"]
        try:
            pos = np.minimum(np.searchsorted(vocabulary, values), len(vocabulary) - 1)
            return np.where(vocabulary[pos] == values, pos + _TOKEN_OFFSET, UNK)
        except TypeError:  # tokens of another type than the vocabulary's
            index = {token: i for i, token in enumerate(vocabulary.tolist())}
            return np.vectorize(lambda t: index.get(t, UNK - _TOKEN_OFFSET) + _TOKEN_OFFSET,
                                otypes=[np.int64])(values)

    def _fitted_encoding(self):
        keys = ("input_type_", "n_features_in_", "vocabulary_", "input_mean_", "input_scale_",
                "feature_names_in_")
        return {k: getattr(self, k) for k in keys if hasattr(self, k)}

    # -------------------------------------------------------------- fitting
    def _warm(self):
        return bool(self.warm_start) and hasattr(self, "model_")

    def _fit(self, X, y, sample_weight):
        """Validate everything, then build (or reuse) the network and train it.

        No attribute changes before every argument has been checked; fitted
        attributes are set when training ends, also when it ends on a fault
        (the weights are then the last finite ones).
        """
        name = type(self).__name__
        self._check_params()
        warm = self._warm()
        seqs = self._check_X(X, reset=not warm)
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None.")
        targets, target_attrs = self._check_targets(y, len(seqs.lengths), warm=warm)
        weights = self._weights(sample_weight, targets, target_attrs, warm=warm)

        # Rows of weight 0 are left out, also from what fit learns from X
        # and y; the validation rows are the last ones.
        rows = np.flatnonzero(weights > 0)
        lengths = seqs.lengths[rows]
        if len(rows) == len(seqs.lengths):  # every row kept: a view, not a copy
            seqs = seqs._replace(values=seqs.values[:, : lengths.max()], lengths=lengths)
        else:
            seqs = seqs._replace(values=seqs.values[rows, : lengths.max()], lengths=lengths)
        targets, target_attrs = self._encode_targets(targets[rows], target_attrs, warm=warm)
        weights = weights[rows]
        encoding = self._fitted_encoding() if warm else self._input_encoding(seqs, caller=name)
        inputs = self._encode_inputs(seqs, encoding)
        seqs = seqs._replace(values=None)  # not held while the network trains
        n_val = validation_size(
            self.validation_fraction, len(rows), caller=name, what="rows of nonzero weight"
        )
        train_rows, val_rows = slice(0, len(rows) - n_val), slice(len(rows) - n_val, None)

        rng = _core.resolve_rng(self.random_state)
        build_kwargs = dict(
            n_inputs=(
                len(encoding["vocabulary_"]) + _TOKEN_OFFSET
                if encoding["input_type_"] == "tokens" else encoding["n_features_in_"]
            ),
            n_outputs=targets.shape[1] if targets.ndim == 2 else len(target_attrs["classes_"]),
            input_kind="symbols" if encoding["input_type_"] == "tokens" else "numeric",
            embedding_dim=self.embedding_dim,
            cell=self.cell,
            units=self.units,
            bidirectional=self.bidirectional,
            segment_length=self.segment_length,
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            seed=_core.draw_seed(rng),
        )
        build_kwargs.update(self._routed("model"))
        # units given as a list (own or routed) are stored as the tuple a file holds
        build_kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in build_kwargs.items()}
        if warm:
            check_warm_start_network(self._build_kwargs, build_kwargs, caller=name)
            model, build_kwargs = self.model_, self._build_kwargs
            history = {k: list(v) for k, v in self.history_.items()}
        else:
            model, history = build_sequence_model(**build_kwargs), {}
        with self._keras_settings_named():
            self._compile(
                model,
                loss=self._loss(),
                optimizer=self._make_optimizer(
                    learning_rate=self.learning_rate, clipnorm=self.clipnorm
                ),
            )
        batch_size = self._setting("batch_size", "fit")
        dataset = _RowBatches(
            inputs[train_rows], seqs.lengths[train_rows], targets[train_rows],
            weights[train_rows], batch_size=batch_size, rng=rng,
            variants=self._augment_variants(),
        )
        validation = None
        if n_val:
            validation = _RowBatches(
                inputs[val_rows], seqs.lengths[val_rows], targets[val_rows],
                weights[val_rows], batch_size=batch_size,
            )
        callbacks = [*(self.callbacks or []), *(self._routed("fit").get("callbacks") or [])]
        n_before = len(history.get("status", []))
        fault = None
        try:
            with self._keras_settings_named():
                _core.train(
                    model, dataset, epochs=self._setting("epochs", "fit"),
                    validation=validation, n_iter_no_change=self.n_iter_no_change,
                    callbacks=callbacks, verbose=self._setting("verbose", "fit"),
                    history=history, caller=name,
                )
        except (KeyboardInterrupt, _core.NonFiniteLossError) as exc:
            fault = exc
        for key in ("vocabulary_", "input_mean_", "input_scale_", "feature_names_in_"):
            vars(self).pop(key, None)  # what a fit on other X left
        vars(self).update(encoding)
        vars(self).update(target_attrs)
        self.model_ = model
        self._build_kwargs = dict(build_kwargs)
        self.history_ = history
        self.n_epochs_ = len(history.get("status", [])) - n_before
        if fault is not None:
            raise fault
        return self

    def _augment_variants(self):
        """``(shift, reverse)`` for the row as it is and each augmented copy."""
        shifts = (0, *(int(k) for k in self.augment_shifts or ()))
        reverses = (False, True) if self.augment_reverse else (False,)
        return tuple((shift, reverse) for reverse in reverses for shift in shifts)

    def _check_sample_weight(self, sample_weight, n_rows):
        """Sample weights as a new float64 array, all zero refused."""
        if sample_weight is None:
            return np.ones(n_rows)
        weights = _check_sample_weight(
            sample_weight, np.empty(n_rows), dtype=np.float64, ensure_non_negative=True,
            copy=True,
        )
        if not weights.any():
            raise ValueError(
                f"{type(self).__name__} got sample weights that are all zero; sample "
                "weights must contain at least one non-zero number."
            )
        return weights

    # ------------------------------------------------------------ inference
    def _predict_outputs(self, X):
        """The head's raw outputs for every row of ``X``, shape (n, n_outputs)."""
        check_is_fitted(self, "model_")
        seqs = self._check_X(X, reset=False)
        inputs = self._encode_inputs(seqs, self._fitted_encoding())
        lengths = seqs.lengths
        batch = self._predict_batch_size(PREDICT_BATCH)
        outputs = np.empty((len(lengths), self.model_.output_shape[-1]), np.float32)
        # Rows of similar length share a batch, so that little is padding.
        order = np.argsort(-lengths, kind="stable")
        for start in range(0, len(order), batch):
            rows = order[start:start + batch]
            n_steps = int(lengths[rows].max())
            x = np.zeros((batch, n_steps, *inputs.shape[2:]), inputs.dtype)
            x[: len(rows)] = inputs[rows, :n_steps]
            mask = np.zeros((batch, n_steps), bool)
            mask[: len(rows)] = _step_mask(lengths[rows], n_steps)
            # The filler rows get one (zero) step: with TensorFlow on a GPU,
            # Keras's cuDNN kernel asserts that no row is fully masked
            # (``_assert_valid_mask``), and the filler outputs are dropped.
            mask[len(rows):, 0] = True
            with _core.quiet_retracing():
                batch_outputs = self.model_.predict_on_batch([x, mask])
            outputs[rows] = np.asarray(batch_outputs)[: len(rows)]
        return outputs


_SHARED_PARAMETERS_DOC = """
    units : int or tuple of int, default=32
        Units of the recurrent layer; a tuple stacks several layers.
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell; ``"rnn"`` is the plain (Elman) RNN.
    bidirectional : bool, default=True
        Read every sequence both forwards and backwards (each recurrent layer
        is doubled, and the head sees both final outputs).
    segment_length : int, default=1
        Time steps read together as one step of the recurrent layer: each
        sequence is cut into segments of this many consecutive steps (the
        last one padded), and the network runs over the segments, as in
        SegRNN; each segment is projected linearly to ``embedding_dim``
        values. For long sequences (hundreds of steps) try a length that
        makes about ten segments: far fewer recurrent steps make training
        faster and the shape of the whole sequence easier to learn.
    augment_shifts : tuple of int or None, default=None
        Data augmentation: the network also learns each training sequence
        shifted circularly by each of these numbers of steps (the steps that
        leave one end come back at the other, within the sequence's own
        length), with its label. For sequences whose starting point is
        arbitrary or slightly misaligned, such as the outline of a closed
        shape read from one point of it. Every copy is a training row: an
        epoch holds ``(1 + len(augment_shifts)) * (2 if augment_reverse else
        1)`` times as many rows, made a batch at a time. Validation rows and
        predictions are never augmented.
    augment_reverse : bool, default=False
        Data augmentation: the network also learns each training sequence
        (and each shifted copy) reversed in time, with its label. For
        sequences that mean the same read backwards, such as the outline of
        a shape traced the other way round.
    embedding_dim : int, default=32
        Size of the learned token embedding (token input), and of the
        learned linear projection of each segment (``segment_length > 1``).
    dropout : float, default=0.2
        Rate of the Dropout layer after each recurrent layer.
    recurrent_dropout : float, default=0.0
        Dropout on the recurrent state (disables the cuDNN kernel on GPUs).
    learning_rate : float, default=0.003
        Adam's learning rate.
    clipnorm : float or None, default=None
        Clip each gradient to this norm (a remedy for exploding gradients).
    epochs : int, default=100
        Passes over the training rows.
    batch_size : int, default=32
        Rows per training batch.
    validation_fraction : float or None, default=None
        Fraction of the training rows, taken from the end of the data, held
        out to compute ``val_loss`` (and to stop early on, with
        ``n_iter_no_change``).
    n_iter_no_change : int or None, default=None
        Stop when the validation loss (the training loss without validation)
        has not improved for this many epochs, and restore the best weights.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Extra Keras callbacks for training. They keep their state after ``fit``
        but not the network (``callback.model`` is None again), so that
        pickles and clones of the estimator hold one copy of it.
    warm_start : bool, default=False
        Continue training the fitted network when ``fit`` is called again,
        keeping what it learned from the first ``X`` and ``y`` (vocabulary,
        scaling, classes); the optimizer starts afresh. Parameters that
        shape the network (``units``, ``cell``, ``dropout``, ...) cannot
        change between warm-started fits: that is refused.
    input_type : {"auto", "numeric", "tokens"}, default="auto"
        How to read the elements of ``X``: "auto" reads strings as tokens and
        numbers as values; "tokens" also reads whole numbers as token ids
        (one per time step).
    random_state : int, numpy Generator or None, default=None
        Seeds every initializer, dropout mask and shuffle. Global random
        state is never touched.
    verbose : int, default=0
        1 shows the Keras progress bar.
    **routed_params : dict
        scikeras-style routed parameters: ``model__<name>`` for an argument
        of :func:`seqrnn._builders.build_sequence_model` (``model__units``
        overrides ``units``), ``optimizer__<name>`` for Adam
        (``optimizer__beta_1``), ``compile__<name>`` for
        ``keras.Model.compile`` (``compile__metrics``), ``fit__epochs``,
        ``fit__batch_size``, ``fit__callbacks`` (added to ``callbacks``),
        ``fit__verbose`` and ``predict__batch_size``.
"""

_SHARED_ATTRIBUTES_DOC = """
    model_ : keras.Model
        The trained network; it takes ``[inputs, mask]`` and returns the raw
        head outputs.
    history_ : dict of list
        Per-epoch ``loss``, ``val_loss`` (with validation), ``epoch_time`` and
        ``status`` ("completed", "nan_loss", "interrupted").
    n_epochs_ : int
        Epochs run by the last ``fit``.
    n_features_in_ : int
        Features per time step (1 for a 2-D array and for tokens).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        The features' names, when the rows of ``X`` were DataFrames with str
        column names (one sequence each, a time step per line); rows given
        later must name them the same, in the same order.
    input_type_ : {"numeric", "tokens"}
        How ``X`` was read in ``fit``.
    vocabulary_ : ndarray of shape (n_tokens,)
        The tokens seen in ``fit``, sorted (token input only). Others map to
        an unknown token.
    input_mean_, input_scale_ : ndarray of shape (n_features_in_,)
        Mean and standard deviation of each feature over the time steps of
        ``X`` in ``fit``, used to standardise it (numeric input only).
"""

_INPUTS_DOC = """
    Each row of ``X`` is one sequence: a 2-D array ``(n_sequences, n_steps)``
    holds univariate sequences, a 3-D array ``(n_sequences, n_steps,
    n_features)`` multivariate ones; strings, or a 2-D array of string tokens,
    go through an embedding whose vocabulary is learned in ``fit`` (a token
    never seen in training maps to an unknown token); a list of sequences
    may mix lengths. Rows are padded at the end and masked: padding never
    changes a prediction. A different number of columns at predict time is a
    different length, which the model accepts; a different number of
    features per time step is an error.
"""


class RNNSequenceClassifier(ClassifierMixin, _RNNSequenceEstimator):
    __doc__ = f"""Recurrent (LSTM / GRU / RNN) classifier of whole sequences.

    (Embedding ->) recurrent layers, each followed by Dropout -> softmax over
    the classes, trained with cross-entropy on the last output of each
    sequence.
    {_INPUTS_DOC}
    Parameters
    ----------
    {_SHARED_PARAMETERS_DOC.strip()}
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss (they multiply ``sample_weight``);
        "balanced" weighs them inversely to their frequency in ``y``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``fit``, sorted.
    {_SHARED_ATTRIBUTES_DOC.strip()}

    See Also
    --------
    RNNSequenceRegressor : the same network for numeric targets.
    seqrnn.text.make_next_char_dataset : windows of text and the next character.

    Examples
    --------
    >>> import numpy as np
    >>> from seqrnn.classification import RNNSequenceClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 12)).cumsum(axis=1)
    >>> y = np.where(X[:, -1] > 0, "up", "down")
    >>> clf = RNNSequenceClassifier(units=8, epochs=5, random_state=0).fit(X, y)
    >>> clf.classes_
    array(['down', 'up'], dtype='<U4')
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    >>> clf.predict([[0.5, 1.0, 2.0], [0.0, -1.0]]).shape  # any lengths
    (2,)
    """

    _parameter_constraints = {
        **_RNNSequenceEstimator._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        units=32,
        *,
        cell="lstm",
        bidirectional=True,
        segment_length=1,
        augment_shifts=None,
        augment_reverse=False,
        embedding_dim=32,
        dropout=0.2,
        recurrent_dropout=0.0,
        learning_rate=0.003,
        clipnorm=None,
        epochs=100,
        batch_size=32,
        validation_fraction=None,
        n_iter_no_change=None,
        class_weight=None,
        callbacks=None,
        warm_start=False,
        input_type="auto",
        random_state=None,
        verbose=0,
        **routed_params,
    ):
        self.units = units
        self.cell = cell
        self.bidirectional = bidirectional
        self.segment_length = segment_length
        self.augment_shifts = augment_shifts
        self.augment_reverse = augment_reverse
        self.embedding_dim = embedding_dim
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.learning_rate = learning_rate
        self.clipnorm = clipnorm
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.input_type = input_type
        self.random_state = random_state
        self.verbose = verbose
        self._set_routed_params(routed_params)

    def _check_targets(self, y, n_rows, *, warm):
        name = type(self).__name__
        y = column_or_1d(y, warn=True)
        if len(y) != n_rows:
            raise ValueError(
                f"{name} got {n_rows} sequences in X but {len(y)} labels in y; pass "
                "one label per sequence."
            )
        if y.dtype.kind in "fc" and not np.isfinite(y).all():
            # Before scikit-learn's check, which would cast NaN to int with a warning.
            raise ValueError(
                f"Input y contains NaN or infinity; {name} needs a finite label for "
                "every sequence."
            )
        if y.dtype.kind == "O":  # before scikit-learn's less specific messages
            self._check_object_labels(y)
        check_classification_targets(y)
        classes = np.unique(y)
        if warm:
            unseen = classes[~np.isin(classes, self.classes_)]
            if len(unseen):
                raise ValueError(
                    f"{name} with warm_start=True can only continue training on the "
                    f"classes of the first fit, {self.classes_.tolist()}; y has "
                    f"{unseen.tolist()} too. Set warm_start=False to learn new classes."
                )
            classes = self.classes_
        elif len(classes) < 2:
            raise ValueError(
                f"{name} needs samples of at least 2 classes in y to learn from; got "
                f"1 class ({_describe(classes[0])})."
            )
        return np.searchsorted(classes, y).astype(np.int32), {"classes_": classes}

    def _check_object_labels(self, y):
        """Labels of an object array: all str, or all numbers and bools."""
        name = type(self).__name__
        for i, label in enumerate(y):
            if not isinstance(label, (str, Real, np.bool_)):
                raise TypeError(
                    f"{name} needs every label in y to be a str, a number or a bool; "
                    f"y[{i}] is {_describe(label)}, a {type(label).__name__}."
                )
            if isinstance(label, str) != isinstance(y[0], str):
                raise TypeError(
                    f"{name} needs labels that can be sorted together (all str, or "
                    f"all numbers and bools); the labels in y mix types: y[0] is "
                    f"{_describe(y[0])} and y[{i}] is {_describe(label)}."
                )

    def _check_class_weight(self):
        """Refuse class weights that are not finite numbers >= 0.

        scikit-learn does not check them: a NaN or negative weight would
        silently leave its class out of training, an infinite one would make
        the loss NaN, and a str would fail inside NumPy.
        """
        if not isinstance(self.class_weight, dict):
            return
        for label, weight in self.class_weight.items():
            if (
                isinstance(weight, (bool, np.bool_))
                or not isinstance(weight, Real)
                or not (np.isfinite(weight) and weight >= 0)
            ):
                raise ValueError(
                    f"The 'class_weight' parameter of {type(self).__name__} must map "
                    f"each class to a finite number >= 0. Got {_describe(weight)} for "
                    f"class {_describe(label)} instead."
                )

    def _weights(self, sample_weight, targets, target_attrs, *, warm):
        self._check_class_weight()
        weights = self._check_sample_weight(sample_weight, len(targets))
        classes = target_attrs["classes_"]
        if self.class_weight is not None:
            weights *= compute_sample_weight(self.class_weight, classes[targets])
        weighted = np.unique(targets[weights > 0])
        if len(weighted) == 0:
            raise ValueError(
                f"{type(self).__name__} got class weights that make every sample "
                "weight zero; at least one sample needs a non-zero weight."
            )
        if not warm and len(weighted) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes with a "
                f"positive weight; after sample_weight and class_weight, only class "
                f"{_describe(classes[weighted[0]])} has any."
            )
        return weights

    @staticmethod
    def _encode_targets(targets, target_attrs, *, warm):
        return targets, target_attrs

    @staticmethod
    def _loss():
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def fit(self, X, y, sample_weight=None):
        """Learn the classes of ``y`` and train the network on ``X``.

        Parameters
        ----------
        X : array-like or list of sequences
            One sequence per row (see the class docstring).
        y : array-like of shape (n_sequences,)
            Labels of any type that sorts: str, int, bool...
        sample_weight : array-like of shape (n_sequences,), default=None
            Weight of each sequence in the loss; rows of weight 0 are left out.

        Returns
        -------
        self : RNNSequenceClassifier
        """
        return self._fit(X, y, sample_weight)

    def predict_proba(self, X):
        """Probability of each class of ``classes_`` for each sequence.

        Parameters
        ----------
        X : array-like or list of sequences

        Returns
        -------
        proba : ndarray of shape (n_sequences, n_classes)
        """
        return softmax(self._predict_outputs(X).astype(np.float64), axis=1)

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like or list of sequences

        Returns
        -------
        log_proba : ndarray of shape (n_sequences, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class of each sequence.

        Parameters
        ----------
        X : array-like or list of sequences

        Returns
        -------
        y : ndarray of shape (n_sequences,)
            Elements of ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class RNNSequenceRegressor(RegressorMixin, _RNNSequenceEstimator):
    __doc__ = f"""Recurrent (LSTM / GRU / RNN) regressor of whole sequences.

    (Embedding ->) recurrent layers, each followed by Dropout -> one linear
    output per target, trained with the mean squared error on the last
    output of each sequence. Targets are standardised internally (and
    predictions put back in the units of ``y``), so their scale does not
    matter.
    {_INPUTS_DOC}
    Parameters
    ----------
    {_SHARED_PARAMETERS_DOC.strip()}

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    target_mean_, target_scale_ : ndarray of shape (n_outputs_,)
        Mean and standard deviation of each target in ``fit``.
    {_SHARED_ATTRIBUTES_DOC.strip()}

    See Also
    --------
    RNNSequenceClassifier : the same network for labels.

    Examples
    --------
    >>> import numpy as np
    >>> from seqrnn.classification import RNNSequenceRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 10, 2))
    >>> y = 100 + X[:, :, 0].sum(axis=1)
    >>> reg = RNNSequenceRegressor(units=8, epochs=5, random_state=0).fit(X, y)
    >>> reg.n_features_in_, reg.predict(X[:3]).shape
    (2, (3,))
    """

    def __init__(
        self,
        units=32,
        *,
        cell="lstm",
        bidirectional=True,
        segment_length=1,
        augment_shifts=None,
        augment_reverse=False,
        embedding_dim=32,
        dropout=0.2,
        recurrent_dropout=0.0,
        learning_rate=0.003,
        clipnorm=None,
        epochs=100,
        batch_size=32,
        validation_fraction=None,
        n_iter_no_change=None,
        callbacks=None,
        warm_start=False,
        input_type="auto",
        random_state=None,
        verbose=0,
        **routed_params,
    ):
        self.units = units
        self.cell = cell
        self.bidirectional = bidirectional
        self.segment_length = segment_length
        self.augment_shifts = augment_shifts
        self.augment_reverse = augment_reverse
        self.embedding_dim = embedding_dim
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.learning_rate = learning_rate
        self.clipnorm = clipnorm
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.input_type = input_type
        self.random_state = random_state
        self.verbose = verbose
        self._set_routed_params(routed_params)

    def _check_targets(self, y, n_rows, *, warm):
        name = type(self).__name__
        try:
            y = np.asarray(y)
        except ValueError:  # NumPy: "inhomogeneous shape"
            raise ValueError(
                f"{name} expects y of shape ({n_rows},) or ({n_rows}, n_outputs), one "
                "target (or row of targets) per sequence of X; got nested sequences of "
                "different lengths."
            ) from None
        if y.dtype.kind == "c":
            raise ValueError(
                f"Complex data not supported: {name} expects real numeric targets in y."
            )
        if y.dtype.kind in "mM":  # NumPy would cast them to (micro/nano)seconds or days
            raise ValueError(
                f"{name} expects numeric targets in y; got dates or times ({y.dtype}). "
                "Convert them to numbers in the unit you mean first."
            )
        text = None
        if y.dtype.kind in "US" and y.size:
            text = y.ravel()[0]
        elif y.dtype.kind == "O":
            text = next((v for v in y.ravel() if isinstance(v, (str, bytes))), None)
        if text is not None:  # NumPy would silently read "1.5" as a number
            raise ValueError(
                f"{name} expects numeric targets in y; got {y.dtype} values such as "
                f"{_describe(text)}. Encode them as numbers, or use "
                "RNNSequenceClassifier for labels."
            )
        if y.dtype.kind not in "biuf":
            y = pandas_na_to_nan(y)  # pd.NA is a missing target, refused below as NaN
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError):
                example = _not_a_number(y)
                raise ValueError(
                    f"{name} expects numeric targets in y; got {y.dtype} values such "
                    f"as {_describe(example)}. Encode them as numbers, or use "
                    "RNNSequenceClassifier for labels."
                ) from None
        if y.ndim not in (1, 2) or len(y) != n_rows or y.size == 0:
            raise ValueError(
                f"{name} expects y of shape ({n_rows},) or ({n_rows}, n_outputs), one "
                f"target (or row of targets) per sequence of X; got shape {y.shape}."
            )
        y = y.astype(np.float64)
        if not np.isfinite(y).all():
            raise ValueError(
                f"Input y contains NaN or infinity; {name} needs finite targets."
            )
        y2d = y.reshape(n_rows, -1)
        if warm and y2d.shape[1] != self.n_outputs_:
            raise ValueError(
                f"{name} with warm_start=True was fitted on {self.n_outputs_} "
                f"target(s); y has {y2d.shape[1]}."
            )
        return y2d, {"n_outputs_": y2d.shape[1], "_target_ndim": y.ndim}

    def _encode_targets(self, targets, target_attrs, *, warm):
        """Standardised targets; the mean and scale are learned unless ``warm``."""
        if warm:
            mean, scale = self.target_mean_, self.target_scale_
        else:
            mean, scale = _core.mean_std(targets)
            scale = _core.constant_to_unit(mean, scale)
        attrs = {**target_attrs, "target_mean_": mean, "target_scale_": scale}
        with np.errstate(over="ignore", invalid="ignore"):
            encoded = ((targets - mean) / scale).astype(np.float32)
        if not np.isfinite(encoded).all():
            raise ValueError(
                f"{type(self).__name__} cannot learn y: some targets are too far from "
                "the mean and scale it was first fitted with to be represented once "
                "standardised (beyond float32's range, about 3.4e38); rescale y."
            )
        return encoded, attrs

    def _weights(self, sample_weight, targets, target_attrs, *, warm):
        return self._check_sample_weight(sample_weight, len(targets))

    @staticmethod
    def _loss():
        return keras.losses.MeanSquaredError()

    def fit(self, X, y, sample_weight=None):
        """Train the network to predict ``y`` from ``X``.

        Parameters
        ----------
        X : array-like or list of sequences
            One sequence per row (see the class docstring).
        y : array-like of shape (n_sequences,) or (n_sequences, n_outputs)
            Numeric targets.
        sample_weight : array-like of shape (n_sequences,), default=None
            Weight of each sequence in the loss; rows of weight 0 are left out.

        Returns
        -------
        self : RNNSequenceRegressor
        """
        return self._fit(X, y, sample_weight)

    def predict(self, X):
        """The predicted target(s) of each sequence, in the units of ``y``.

        Parameters
        ----------
        X : array-like or list of sequences

        Returns
        -------
        y : ndarray of shape (n_sequences,) or (n_sequences, n_outputs)
            The shape of ``y`` in ``fit``.
        """
        outputs = self._predict_outputs(X).astype(np.float64)
        y = outputs * self.target_scale_ + self.target_mean_
        return y[:, 0] if self._target_ndim == 1 else y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
