"""Parameter constraints and the input-checking helpers every estimator shares.

Parameters are validated with scikit-learn's constraint machinery, so every
message reads the same way: "The 'units' parameter of CharLM must be ...
Got -3 instead." Input checks raise one sentence naming the argument, what is
allowed and what was given.
"""

import sys
import warnings
from collections.abc import Iterable
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import (
    HasMethods,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils._param_validation import Interval as _Interval
from sklearn.utils.validation import _get_feature_names

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "RNN_PARAMETER_CONSTRAINTS",
    "Shifts",
    "StrOptions",
    "Units",
    "check_documents",
    "check_n_steps",
    "check_not_masked",
    "check_row_feature_names",
    "check_sampling_params",
    "check_warm_start_network",
    "document_column",
    "is_pandas_na",
    "pandas_na_to_nan",
    "row_feature_names",
    "text_column",
    "validate_params",
    "validation_size",
]


class Interval(_Interval):
    """scikit-learn's ``Interval``, except that an integer interval refuses bools.

    (``True`` is an ``Integral`` to Python: ``target_index=True`` would index a
    column by a boolean mask, ``differencing=True`` would mean a lag of 1.)
    """

    def is_satisfied_by(self, val):
        if self.type is Integral and isinstance(val, (bool, np.bool_)):
            return False
        return super().is_satisfied_by(val)


class Units(Options):
    """A positive int, or a non-empty tuple/list of positive ints (stacked layers).

    (Subclasses ``Options`` only so that scikit-learn's validator accepts it.)
    """

    def __init__(self):
        super().__init__(object, set())

    def is_satisfied_by(self, val):
        if isinstance(val, Integral) and not isinstance(val, bool):
            return val >= 1
        if isinstance(val, (tuple, list)) and len(val) > 0:
            return all(
                isinstance(v, Integral) and not isinstance(v, bool) and v >= 1
                for v in val
            )
        return False

    def __str__(self):
        return "a positive int or a non-empty tuple of positive ints"


class Shifts(Options):
    """A tuple or list of distinct non-zero ints (numbers of time steps).

    (Subclasses ``Options`` only so that scikit-learn's validator accepts it.)
    """

    def __init__(self):
        super().__init__(object, set())

    def is_satisfied_by(self, val):
        return (
            isinstance(val, (tuple, list))
            and all(isinstance(v, Integral) and not isinstance(v, bool) and v != 0 for v in val)
            and len(set(val)) == len(val)
        )

    def __str__(self):
        return "a tuple of distinct non-zero ints"


class Callbacks(Options):
    """A list or tuple of Keras callback instances.

    (Subclasses ``Options`` only so that scikit-learn's validator accepts it.)
    """

    def __init__(self):
        super().__init__(object, set())

    def is_satisfied_by(self, val):
        import keras

        return isinstance(val, (list, tuple)) and all(
            isinstance(v, keras.callbacks.Callback) for v in val
        )

    def __str__(self):
        return "a list of keras.callbacks.Callback instances"


#: Hyper-parameters shared by every recurrent estimator (see DESIGN.md).
RNN_PARAMETER_CONSTRAINTS = {
    "cell": [StrOptions({"lstm", "gru", "rnn"})],
    "units": [Units()],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "clipnorm": [Interval(Real, 0, None, closed="neither"), None],
    "epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), None],
    "callbacks": [Callbacks(), None],
    "warm_start": ["boolean"],
    "random_state": ["random_state", np.random.Generator],
    "verbose": ["verbose"],
}


def validate_params(estimator):
    """Check ``estimator``'s parameters against its ``_parameter_constraints``.

    Raises ``InvalidParameterError`` (a ``ValueError`` and a ``TypeError``)
    naming the parameter, the class, what is allowed and what was given.
    """
    validate_parameter_constraints(
        estimator._parameter_constraints,
        estimator.get_params(deep=False),
        caller_name=type(estimator).__name__,
    )


def _describe(value):
    """A short repr for messages (NumPy scalars as plain Python values)."""
    if isinstance(value, np.generic):
        value = value.item()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_not_masked(X, *, caller, argument="X"):
    """Refuse a NumPy masked array with masked entries.

    NumPy's ``asarray`` drops the mask, so the hidden values underneath would
    silently be read as data; the caller says what missing values mean by
    filling them (with NaN, or a value).
    """
    if np.ma.isMaskedArray(X) and np.ma.getmaskarray(X).any():
        n = int(np.ma.getmaskarray(X).sum())
        raise ValueError(
            f"{caller} does not read the mask of a masked array, so it cannot use "
            f"{argument} with {n} masked value(s); fill them first, e.g. with "
            ".filled(np.nan) to mark them missing."
        )


def _is_frame(row):
    return hasattr(row, "columns") and hasattr(row, "to_numpy")


def row_feature_names(rows, *, caller, argument="X"):
    """The column names of rows given as DataFrames, or None.

    When each row of ``X`` is a ``DataFrame`` (one sequence, a time step per
    line, a feature per column), its columns name the features, as a
    ``DataFrame``'s columns do for scikit-learn's estimators. Every row must
    then be a ``DataFrame`` with the same names in the same order: a row
    whose columns come in another order would otherwise be read with its
    features swapped. Rows of arrays, or frames whose columns are not all
    ``str``, have no names (None).
    """
    if not any(_is_frame(row) for row in rows):
        return None
    names = [_get_feature_names(row) if _is_frame(row) else None for row in rows]
    as_lists = [None if n is None else list(n) for n in names]
    for i, row_names in enumerate(as_lists):
        if row_names != as_lists[0]:
            raise ValueError(
                f"{caller} needs every row of {argument} to name its features the same "
                f"way, in the same order; row 0 has {_describe_columns(rows[0], as_lists[0])} "
                f"but row {i} has {_describe_columns(rows[i], row_names)}."
            )
    return names[0]


def _describe_columns(row, names):
    if names is not None:
        return f"columns {names!r}"
    return "no str column names" if _is_frame(row) else "no column names"


def check_row_feature_names(estimator, names, *, argument="X"):
    """Check the feature names of ``argument``'s rows against those of ``fit``.

    Different names, or the same in another order, are refused: the columns
    would be read as other features. Names on one side only warn, as
    scikit-learn's estimators do.
    """
    fitted = getattr(estimator, "feature_names_in_", None)
    caller = type(estimator).__name__
    if fitted is None and names is None:
        return
    if fitted is None:
        warnings.warn(
            f"{argument} has feature names, but {caller} was fitted without feature names",
            UserWarning, stacklevel=3,
        )
    elif names is None:
        warnings.warn(
            f"{argument} does not have valid feature names, but {caller} was fitted "
            "with feature names",
            UserWarning, stacklevel=3,
        )
    elif not np.array_equal(names, fitted):
        order = " (the same names in another order)" if sorted(names) == sorted(fitted) else ""
        raise ValueError(
            f"The feature names of {argument}, {list(names)!r}, should match "
            f"those seen in fit, {list(fitted)!r}{order}; pass the columns in the order "
            "of fit."
        )


def is_pandas_na(value):
    """Whether ``value`` is pandas' missing value ``pd.NA``.

    (Without pandas imported there can be none, and pandas is not imported
    for the check.)
    """
    pandas = sys.modules.get("pandas")
    return pandas is not None and value is getattr(pandas, "NA", None)


def pandas_na_to_nan(values):
    """An object array with every ``pd.NA`` replaced by NaN; others as they are.

    A pandas nullable column (``Float64``, ``Int64``, ``boolean``) holding a
    missing value becomes an object array of numbers and ``pd.NA``, which
    NumPy cannot convert to float; as NaN it is a missing value like any
    other.
    """
    if not (isinstance(values, np.ndarray) and values.dtype == object and values.size):
        return values
    missing = np.frompyfunc(is_pandas_na, 1, 1)(values).astype(bool)
    if not missing.any():
        return values
    values = values.copy()
    values[missing] = np.nan
    return values


def document_column(X, *, caller, argument="X"):
    """The documents of a one-column table, so that iterating gives its rows.

    A 2-D array or a ``DataFrame`` with one column holds one document per row
    (iterating a ``DataFrame`` would give its column names); a table with
    several columns is refused. Anything else is returned as it is.
    """
    if hasattr(X, "columns") and hasattr(X, "to_numpy") and getattr(X, "ndim", 2) == 2:
        if X.shape[1] != 1:
            raise ValueError(
                f"{caller} expects {argument} as one document per row; got a DataFrame "
                f"with {X.shape[1]} columns {list(X.columns)!r}. Pass the column of "
                "documents, e.g. X['text']."
            )
        return X.iloc[:, 0]
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == 1:
        return X.ravel()
    return X


def text_column(X):
    """The documents of a one-column array of strings, as a list; else None.

    A one-column table of text (a DataFrame's text column, a
    ``ColumnTransformer``'s passthrough output) holds one document per row,
    as :func:`document_column` reads it for ``CharSequenceVectorizer``, not
    one token per row. Estimators that also take rows of tokens read it so
    only when some string is longer than one character: otherwise both
    readings agree, except that NumPy gives a NUL token back as ``''``,
    which is not an empty document.
    """
    if not (isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == 1
            and X.dtype.kind in "OU"):
        return None
    column = X[:, 0].tolist()
    if all(isinstance(v, str) for v in column) and max(map(len, column), default=0) > 1:
        return column
    return None


def check_documents(X, *, caller, argument="X", allow_empty_documents=True):
    """Return ``X`` as a list of ``str``: an iterable of documents.

    A bare ``str`` is refused (it is one document, not a list of them), as is
    anything that is not an iterable of strings.
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(
            f"{caller} expects {argument} to be an iterable of documents; got a "
            f"single {type(X).__name__} instead. Wrap it in a list: [text]."
        )
    if not isinstance(X, Iterable):
        raise TypeError(
            f"{caller} expects {argument} to be an iterable of str documents; "
            f"got {type(X).__name__} instead."
        )
    docs = list(document_column(X, caller=caller, argument=argument))
    for i, doc in enumerate(docs):
        if isinstance(doc, np.str_):
            docs[i] = str(doc)
        elif not isinstance(doc, str):
            raise TypeError(
                f"{caller} expects every document in {argument} to be a str; "
                f"document {i} is {type(doc).__name__} ({_describe(doc)})."
            )
    if not docs:
        raise ValueError(f"{caller} expects at least one document in {argument}; got none.")
    if not allow_empty_documents and not any(docs):
        raise ValueError(
            f"{caller} expects at least one non-empty document in {argument}; "
            f"all {len(docs)} documents are empty."
        )
    return docs


def check_warm_start_network(fitted_kwargs, new_kwargs, *, caller):
    """Refuse a warm start whose parameters would build another network.

    ``fitted_kwargs`` built the fitted network, ``new_kwargs`` are what the
    current parameters would build (the seed aside): a warm start keeps the
    network, so a changed size, cell or layer cannot apply.
    """
    for key, new in new_kwargs.items():
        old = fitted_kwargs.get(key)
        if key != "seed" and new != old:
            raise ValueError(
                f"{caller} with warm_start=True continues training the fitted network, "
                f"which was built with {key}={old!r}, so {key}={new!r} cannot apply; "
                "set warm_start=False to build a new network."
            )


def validation_size(fraction, n, *, caller, what):
    """How many of ``n`` training units ``validation_fraction`` holds out (0 for None).

    At least one is held out and at least one is kept; fewer than two units
    cannot be split, which is refused rather than silently not validated.
    """
    if fraction is None:
        return 0
    if n < 2:
        raise ValueError(
            f"{caller} with validation_fraction={fraction!r} needs at least 2 {what} "
            f"(one to train on, one to validate on); X gives {n}."
        )
    return min(n - 1, max(1, int(round(fraction * n))))


def check_n_steps(n_steps, *, caller, argument="n_steps"):
    """Check that ``n_steps`` (or another count) is a positive int; return it as ``int``."""
    if not isinstance(n_steps, Integral) or isinstance(n_steps, bool) or n_steps < 1:
        raise ValueError(
            f"The '{argument}' argument of {caller} must be an int >= 1. "
            f"Got {_describe(n_steps)} instead."
        )
    return int(n_steps)


def check_sampling_params(*, caller, temperature, n_samples=None, top_k=None, top_p=None):
    """Validate the common arguments of ``sample``; raise before anything runs."""
    if (
        not isinstance(temperature, Real)
        or isinstance(temperature, bool)
        or not np.isfinite(temperature)
        or temperature < 0
    ):
        raise ValueError(
            f"The 'temperature' argument of {caller} must be a finite float >= 0. "
            f"Got {_describe(temperature)} instead."
        )
    if n_samples is not None and (
        not isinstance(n_samples, Integral) or isinstance(n_samples, bool) or n_samples < 1
    ):
        raise ValueError(
            f"The 'n_samples' argument of {caller} must be None or an int >= 1. "
            f"Got {_describe(n_samples)} instead."
        )
    if top_k is not None and (
        not isinstance(top_k, Integral) or isinstance(top_k, bool) or top_k < 1
    ):
        raise ValueError(
            f"The 'top_k' argument of {caller} must be None or an int >= 1. "
            f"Got {_describe(top_k)} instead."
        )
    if top_p is not None and (
        not isinstance(top_p, Real)
        or isinstance(top_p, bool)
        or not (0 < top_p <= 1)
    ):
        raise ValueError(
            f"The 'top_p' argument of {caller} must be None or a float in (0, 1]. "
            f"Got {_describe(top_p)} instead."
        )
