"""Save and load estimators and pipelines in seqrnn's safe file format.

``pickle`` and ``joblib`` round-trip every seqrnn estimator, but unpickling a
file runs whatever code the file asks for: open only files you made yourself.
:func:`save` and :func:`load` write and read a format that holds data alone,
so a model file from anyone can be opened:

* parameters and fitted attributes are JSON; NumPy arrays are written as
  dtype, shape and flat data, for bool, integer, float and str dtypes, and
  object arrays holding only ``str`` (class labels read from pandas);
* a Keras network is stored as its weights alone (``.npy`` arrays read with
  ``allow_pickle=False``) plus the keyword arguments of the seqrnn builder
  function that made it. Loading calls that builder again (looked up by name
  in an allow-list) and copies the weights in: no Keras model config, layer
  or function is ever deserialised from the file;
* the class of every estimator is looked up by name in an allow-list of
  seqrnn classes, and its parameters are checked with the estimator's own
  constraints before anything else is done with them.

Anything else in a file, and every damaged, truncated or oversized file, is
refused with a :class:`ModelFileError` (a ``ValueError``) that says why;
contents the format never writes (a pickle, an unknown class or builder, a
Keras config) raise its subclass :class:`UnsafeFileError`.

File format (version 2)
-----------------------
A zip archive with exactly two members:

``manifest.json`` (UTF-8, at most ``MAX_MANIFEST_BYTES``)::

    {"format": "seqrnn-model", "format_version": 1 or 2,
     "seqrnn_version": "0.1.0", "keras_version": "3.x", "object": NODE}

An estimator ``NODE`` is ``{"class": "CharLM", "params": {...}, "state":
{...}, "models": {"model_": {"builder": "build_autoregressive_model",
"kwargs": {...}, "weights": ["w0", "w1", ...]}}}``, with an empty ``state``
and ``models`` when it is not fitted. An estimator whose metadata requests
were set (``set_fit_request(sample_weight=True)``, see scikit-learn's
metadata routing) also holds ``"requests": {"fit": {"sample_weight": true}}``
(per method, the parameters set away from the class's defaults, each true,
false, null or an alias string); such a file declares format version 2, any
other file version 1. A pipeline ``NODE`` is ``{"class":
"Pipeline", "params": {"memory": null, "verbose": false, ...}, "steps":
[[name, NODE or "passthrough" or null], ...]}``.

Values are JSON, except these one-key objects: ``{"$tuple": [...]}``,
``{"$dict": {...}}`` (string keys), ``{"$items": [[key, value], ...]}`` (a
dict with other keys), ``{"$float": "nan" | "inf" | "-inf"}``,
and ``{"$array": {"dtype": "<f4", "shape": [2, 3], "data": [...]}}`` (a
NumPy array; ``"$scalar"`` for a NumPy scalar, same body). ``data`` is flat,
in C order; a ``str`` array (dtype ``<U<n>``) stores its code points, ``n``
per element, so NUL and lone surrogates survive; an object array (dtype
``|O``) stores its ``str`` elements as JSON strings.

``weights.npz`` (at most ``MAX_WEIGHTS_BYTES``): a zip of ``w<k>.npy``
arrays, exactly those the manifest names.

A member (of either zip) over 1 MiB may not expand more than
``MAX_COMPRESSION_RATIO`` times when inflated, and a file holds at most
``MAX_ESTIMATORS`` estimators (pipelines included).

How a class joins
-----------------
1. Add one line to ``_SAFE_CLASSES`` below: its name, its module and, for
   each Keras network it holds, the attribute, the builder that makes it
   (one of ``_BUILDERS``) and the attribute with the builder's keyword
   arguments. For example, every ``AutoregressiveEstimator`` stores
   ``model_`` built by ``build_autoregressive_model(**self._build_kwargs)``.
2. Inherit :class:`SafeSaveMixin` for the ``est.save(path)`` shortcut.
3. By default the fitted state is every instance attribute whose name ends
   in ``_`` (besides the networks), plus the private attributes named in the
   entry; each must be plain data (None, bool, int, float, str, list, tuple,
   dict, NumPy arrays and scalars of plain dtypes). A class
   with other state implements ``_get_safe_state(self) -> dict`` and
   ``_set_safe_state(self, state)`` to convert it to and from such data.
4. Add the class to ``ESTIMATOR_CASES`` in ``tests/test_persistence.py``.
5. A class with a network names in ``_state_rules`` what each fitted
   attribute its predictions compute with must be (a number, or an array
   whose length the network fixes): ``load`` refuses anything else, such as
   an array where ``fit`` makes a number, which would broadcast the data.

A class needs ``_parameter_constraints`` (or a ``_check_params()`` method
that raises on every invalid value, as ``fit`` would): ``load`` checks the
parameters with it before anything else is done with them.
"""

import importlib
import inspect
import io
import json
import numbers
import os
import re
import secrets
import stat
import struct
import zipfile
import zlib

import numpy as np

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "ModelFileError",
    "SafeSaveMixin",
    "UnsafeFileError",
    "load",
    "save",
]

FORMAT_NAME = "seqrnn-model"
#: The newest version this seqrnn writes; it reads every version up to this
#: one. A file declares the oldest version that holds what it uses: 2 added
#: metadata requests, so a file without them is still version 1.
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
WEIGHTS = "weights.npz"
#: Size caps, in uncompressed bytes, checked before anything is read.
MAX_MANIFEST_BYTES = 64 * 2**20
MAX_WEIGHTS_BYTES = 4 * 2**30
MAX_TOTAL_BYTES = MAX_MANIFEST_BYTES + MAX_WEIGHTS_BYTES
#: Most a member over 1 MiB may expand when inflated: weights deflate to about
#: 90% of their size and a manifest to about half, while a zip bomb of zeros
#: expands 1000 times (a 4 MB file would fill the 4 GiB cap).
MAX_COMPRESSION_RATIO = 20
_RATIO_FLOOR = 2**20
#: Most weight arrays in one file, and pipelines nested in pipelines.
MAX_WEIGHT_ARRAYS = 10_000
MAX_DEPTH = 8
#: Most estimators (pipelines included) in one file: each network takes
#: about 0.1 s to rebuild, so a file of tiny networks could keep load busy.
MAX_ESTIMATORS = 256

_AUTOREGRESSIVE = {"model_": ("build_autoregressive_model", "_build_kwargs")}
_SEQUENCE = {"model_": ("build_sequence_model", "_build_kwargs")}

#: The allow-list: class name -> (module, {network attribute: (builder, kwargs
#: attribute)}, private attributes that are fitted state). Nothing else is
#: ever created by ``load``.
_SAFE_CLASSES = {
    "CharLM": ("seqrnn.language_model", _AUTOREGRESSIVE, ()),
    "CharSequenceVectorizer": ("seqrnn.text", {}, ()),
    "RNNForecaster": ("seqrnn.forecasting", _AUTOREGRESSIVE, ("_transforms",)),
    "RNNSequenceClassifier": ("seqrnn.classification", _SEQUENCE, ()),
    "RNNSequenceRegressor": ("seqrnn.classification", _SEQUENCE, ("_target_ndim",)),
    "SeriesWindower": ("seqrnn.series", {}, ()),
}
#: The builders a file may name: builder name -> module.
_BUILDERS = {
    "build_autoregressive_model": "seqrnn._builders",
    "build_sequence_model": "seqrnn._builders",
}
_TOP_KEYS = {"format", "format_version", "seqrnn_version", "keras_version", "object"}
_ESTIMATOR_KEYS = {"class", "params", "state", "models"}
#: Keys an estimator NODE holds only when it needs them.
_OPTIONAL_ESTIMATOR_KEYS = {"requests"}
_PIPELINE_KEYS = {"class", "params", "steps"}
_MODEL_KEYS = {"builder", "kwargs", "weights"}
_PUBLIC_STATE = re.compile(r"[A-Za-z][A-Za-z0-9_]*_\Z")
_WEIGHT_NAME = re.compile(r"w(0|[1-9][0-9]{0,8})\Z")
_ARRAY_DTYPE = re.compile(r"([<>|=]?(b1|[iu][1248]|f[248])|<U[1-9][0-9]{0,5}|\|O)\Z")
_SPECIAL_FLOATS = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


class ModelFileError(ValueError):
    """A file that :func:`load` cannot read: damaged, truncated, too large,
    from a newer format version, or not a seqrnn model file at all."""


class UnsafeFileError(ModelFileError):
    """A model file holding something the safe format never writes (a pickle,
    an unknown class or builder, a Keras config): refused, nothing run."""


class PickledByWeights:
    """Pickle the Keras network ``model_`` as its builder's kwargs and weights.

    ``__setstate__`` rebuilds the network with the seqrnn builder named by
    the class's ``_builder_name`` (from ``self._build_kwargs``) and sets the
    weights, so unpickling never deserialises a Keras model config, and a
    pickle does not depend on how Keras pickles models. Private caches
    (``_cache``) are not pickled.
    """

    _builder_name = None

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_cache", None)
        model = state.pop("model_", None)
        if model is not None:
            state["_model_weights"] = [np.asarray(w) for w in model.get_weights()]
        return state

    def __setstate__(self, state):
        state = dict(state)
        weights = state.pop("_model_weights", None)
        super().__setstate__(state)
        if weights is not None:
            builder = _import(_BUILDERS[self._builder_name], self._builder_name)
            model = builder(**self._build_kwargs)
            model.set_weights(weights)
            self.model_ = model


class SafeSaveMixin:
    """Give an estimator ``save(path)``: :func:`save` in the safe format."""

    def save(self, path):
        """Write this estimator to ``path`` in seqrnn's safe file format.

        A shortcut for ``seqrnn.save(self, path)``; read it back with
        ``seqrnn.load(path)``.

        Parameters
        ----------
        path : str, os.PathLike or binary file object
            Where to write; an existing file is replaced only once the new
            one is complete.

        Examples
        --------
        >>> import os, tempfile
        >>> from seqrnn import CharSequenceVectorizer
        >>> from seqrnn.persistence import load
        >>> path = os.path.join(tempfile.mkdtemp(), "vectorizer.seqrnn")
        >>> CharSequenceVectorizer().fit(["Ab"]).save(path)
        >>> load(path).transform(["AB"])
        ['ab']
        """
        save(self, path)


# ------------------------------------------------------------------ classes
def _import(module, name):
    return getattr(importlib.import_module(module), name)


def _safe_class(obj):
    """The allow-list name of ``obj``'s class; TypeError when it has none."""
    from sklearn.pipeline import Pipeline

    cls = type(obj)
    if cls is Pipeline:
        return "Pipeline"
    name = cls.__name__
    if name in _SAFE_CLASSES and _import(_SAFE_CLASSES[name][0], name) is cls:
        return name
    allowed = ", ".join(sorted([*_SAFE_CLASSES, "Pipeline"]))
    raise TypeError(
        f"seqrnn.save can write {allowed} (and Pipelines of them); got "
        f"{cls.__module__}.{cls.__qualname__}. Use joblib.dump for other objects."
    )


# ----------------------------------------------------------------- encoding
def _encode_array(value, where):
    array = np.asarray(value)
    if array.dtype.kind == "U":  # little-endian code points, whatever the platform
        array = array.astype(f"<U{max(1, array.dtype.itemsize // 4)}")
    dtype = array.dtype
    # object arrays only of str (labels from pandas keep dtype object)
    strings = dtype.kind == "O" and all(isinstance(v, str) for v in array.flat)
    if (dtype.kind == "O" and not strings) or not _ARRAY_DTYPE.match(dtype.str) or (
        array.size > 2**31
    ):
        raise TypeError(
            f"seqrnn.save stores arrays of bool, int, float or str dtype (or object "
            f"arrays of str) only; {where} is an array of dtype {dtype}."
        )
    if strings:
        flat = [str(v) for v in array.flat]
    elif dtype.kind == "U":
        flat = np.ascontiguousarray(array).reshape(-1).view("<u4").tolist()
    elif dtype.kind == "f":
        flat = [_encode_float(v) for v in array.reshape(-1).tolist()]
    else:
        flat = array.reshape(-1).tolist()
    return {"dtype": dtype.str, "shape": list(array.shape), "data": flat}


def _encode_float(value):
    return value if np.isfinite(value) else {"$float": repr(float(value))}


def _encode(value, where):
    """``value`` as JSON data (see the module docstring); TypeError otherwise."""
    if value is None or isinstance(value, (bool, str)):
        return str(value) if isinstance(value, str) else value
    if isinstance(value, int) and not isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float):
        return _encode_float(float(value))
    if isinstance(value, np.ndarray):
        return {"$array": _encode_array(value, where)}
    if isinstance(value, np.generic):
        return {"$scalar": _encode_array(value, where)}
    if isinstance(value, list):
        return [_encode(v, f"{where} (item {i})") for i, v in enumerate(value)]
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v, f"{where} (item {i})") for i, v in enumerate(value)]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"$dict": {str(k): _encode(v, f"{where} (key {k!r})") for k, v in value.items()}}
    if isinstance(value, dict):  # other keys (class_weight={0: 1.0, 1: 2.0}): as pairs
        return {"$items": [
            [_encode(k, f"{where} (key {k!r})"), _encode(v, f"{where} (key {k!r})")]
            for k, v in value.items()
        ]}
    raise TypeError(
        f"seqrnn.save stores plain data only (None, bool, int, float, str, list, "
        f"tuple, dict, NumPy arrays); {where} is a "
        f"{type(value).__module__}.{type(value).__qualname__}. Set it to plain "
        "data, or use joblib.dump for a file only you will open."
    )


def _get_state(est, name):
    """Fitted state of ``est`` (networks apart) as a dict of plain values."""
    _, models, private = _SAFE_CLASSES[name]
    if hasattr(type(est), "_get_safe_state"):
        return dict(est._get_safe_state())
    hidden = set(models) | {kwargs for _, kwargs in models.values()}
    return {
        key: value
        for key, value in vars(est).items()
        if key not in hidden
        and (key in private or (_PUBLIC_STATE.match(key) and not key.startswith("_")))
    }


def _encode_node(obj, arrays, depth):
    if depth > MAX_DEPTH:
        raise ValueError(f"seqrnn.save nests pipelines at most {MAX_DEPTH} deep.")
    name = _safe_class(obj)
    params = obj.get_params(deep=False)
    if name == "Pipeline":
        if params.get("memory") is not None:
            raise ValueError(
                "seqrnn.save writes a Pipeline only with memory=None (a cache "
                "directory holds pickles); got memory="
                f"{params['memory']!r}. Call set_params(memory=None) first."
            )
        steps = []
        for step_name, step in params.pop("steps"):
            if step is None or (isinstance(step, str) and step == "passthrough"):
                steps.append([step_name, step])
            else:
                steps.append([step_name, _encode_node(step, arrays, depth + 1)])
        encoded = {k: _encode(v, f"the {k!r} parameter of Pipeline") for k, v in params.items()}
        return {"class": name, "params": encoded, "steps": steps}
    _, models, _ = _SAFE_CLASSES[name]
    node = {
        "class": name,
        "params": {k: _encode(v, f"the {k!r} parameter of {name}") for k, v in params.items()},
        "state": {
            k: _encode(v, f"the fitted attribute {k!r} of {name}")
            for k, v in _get_state(obj, name).items()
        },
        "models": {},
    }
    requests = _get_requests(obj)
    if requests:
        node["requests"] = requests
    for attribute, (builder, kwargs_attribute) in models.items():
        model = getattr(obj, attribute, None)
        if model is None:
            continue
        names = []
        for weight in model.get_weights():
            names.append(f"w{len(arrays)}")
            arrays[names[-1]] = np.asarray(weight)
        kwargs = getattr(obj, kwargs_attribute)
        node["models"][attribute] = {
            "builder": builder,
            "kwargs": {
                k: _encode(v, f"{name}.{kwargs_attribute}[{k!r}]") for k, v in kwargs.items()
            },
            "weights": names,
        }
    return node


def _request_methods(est):
    """The methods whose metadata requests ``est`` sets (``set_fit_request`` -> ``"fit"``)."""
    return sorted(
        name[len("set_"):-len("_request")] for name in dir(type(est))
        if name.startswith("set_") and name.endswith("_request")
    )


def _get_requests(est):
    """Metadata requests set on ``est`` that differ from its class's defaults,
    as ``{method: {parameter: True | False | None | alias}}``."""
    methods = _request_methods(est)
    if not methods:
        return {}
    current, default = est.get_metadata_routing(), type(est)().get_metadata_routing()
    requests = {}
    for method in methods:
        defaults = getattr(default, method).requests
        changed = {
            key: value for key, value in getattr(current, method).requests.items()
            if key not in defaults or defaults[key] != value
        }
        if changed:
            requests[method] = changed
    return requests


def _set_requests(obj, requests, where):
    """Set the metadata requests a file holds, through ``set_<method>_request``."""
    from sklearn import config_context

    if not isinstance(requests, dict) or not requests:
        raise ModelFileError(f"{where}: requests must be a non-empty JSON object.")
    methods = _request_methods(obj)
    for method, values in requests.items():
        if method not in methods:
            raise ModelFileError(
                f"{where}: {type(obj).__name__} has no metadata requests for "
                f"{method[:80]!r}; it has them for {', '.join(methods) or 'no method'}."
            )
        if not isinstance(values, dict) or not all(
            value is None or isinstance(value, (bool, str)) for value in values.values()
        ):
            raise ModelFileError(
                f"{where}: the {method!r} requests must map parameter names to "
                "true, false, null or an alias string."
            )
        try:  # the setters exist only while routing is enabled
            with config_context(enable_metadata_routing=True):
                getattr(obj, f"set_{method}_request")(**values)
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"{where}: bad {method!r} request: {exc}") from None


def _nodes(root):
    """The estimators and pipelines of an encoded ``NODE``, depth first."""
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        yield node
        steps = node.get("steps") if node.get("class") == "Pipeline" else None
        if isinstance(steps, list) and depth <= MAX_DEPTH:
            stack.extend(
                (step[1], depth + 1) for step in steps
                if isinstance(step, list) and len(step) == 2 and isinstance(step[1], dict)
            )


def _count_estimators(root):
    """Estimators and pipelines in an encoded ``NODE``, counted up to
    ``MAX_ESTIMATORS + 1`` (checked before any is decoded)."""
    count = 0
    for count, _ in enumerate(_nodes(root), start=1):
        if count > MAX_ESTIMATORS:
            break
    return count


def _npz_bytes(arrays):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for key, array in arrays.items():
            with archive.open(f"{key}.npy", "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def save(obj, path):
    """Write a seqrnn estimator or a Pipeline of them to a safe model file.

    The file holds parameters and fitted attributes as JSON and Keras
    networks as weights alone (see :mod:`seqrnn.persistence`), so
    :func:`load` never runs code from it. Fitted or not, the object comes
    back with the same parameters and identical predictions and samples.

    Parameters
    ----------
    obj : estimator or Pipeline
        A seqrnn estimator, or a ``Pipeline`` (``memory=None``) whose steps
        are seqrnn estimators, ``"passthrough"`` or None. Parameters and
        fitted attributes must be plain data: set ``callbacks=None`` and an
        int or None ``random_state`` first.
    path : str, os.PathLike or binary file object
        Where to write. An existing file is replaced only once the new one
        is complete, so a failed save never destroys a saved model.

    Raises
    ------
    TypeError
        When ``obj``, one of its steps, or a parameter or fitted attribute
        cannot be stored (nothing is written).

    See Also
    --------
    load : read the file back.

    Examples
    --------
    >>> import os, tempfile
    >>> from seqrnn import CharSequenceVectorizer
    >>> from seqrnn.persistence import load, save
    >>> path = os.path.join(tempfile.mkdtemp(), "vectorizer.seqrnn")
    >>> save(CharSequenceVectorizer(min_frequency=2, rare_char="~").fit(["aab"]), path)
    >>> load(path).transform(["abc"])
    ['a~~']
    """
    import keras

    from . import __version__

    arrays = {}
    root = _encode_node(obj, arrays, depth=0)
    manifest = {
        "format": FORMAT_NAME,
        "format_version": 2 if any("requests" in node for node in _nodes(root)) else 1,
        "seqrnn_version": __version__,
        "keras_version": keras.__version__,
        "object": root,
    }
    n_estimators = _count_estimators(manifest["object"])
    if n_estimators > MAX_ESTIMATORS:
        raise ValueError(
            f"seqrnn.save writes at most {MAX_ESTIMATORS} estimators; "
            f"{type(obj).__name__} has more."
        )
    if len(arrays) > MAX_WEIGHT_ARRAYS:
        raise ValueError(
            f"seqrnn.save writes at most {MAX_WEIGHT_ARRAYS} weight arrays; "
            f"{type(obj).__name__} has {len(arrays)}."
        )
    text = json.dumps(manifest, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    members = {MANIFEST: text.encode("ascii"), WEIGHTS: _npz_bytes(arrays)}
    for member, cap in ((MANIFEST, MAX_MANIFEST_BYTES), (WEIGHTS, MAX_WEIGHTS_BYTES)):
        if len(members[member]) > cap:
            raise ValueError(
                f"seqrnn.save cannot write {type(obj).__name__}: its {member} would "
                f"take {len(members[member])} bytes, over the cap of {cap}."
            )
    if hasattr(path, "write"):
        _write_archive(path, members)
        return
    path = os.fspath(path)
    fd, tmp = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            if os.path.exists(path):  # keep the permissions of the file replaced
                os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
            _write_archive(fh, members)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _create_temporary(path):
    """Create a new file beside ``path``; return its descriptor and name.

    Unlike ``tempfile.mkstemp`` (which makes a file only its owner can read),
    the file gets the permissions any new file gets (0o666 less the umask), as
    with ``open`` or ``joblib.dump``. An error names ``path``, not the
    temporary file.
    """
    directory = os.path.dirname(os.path.abspath(path))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(directory, f".seqrnn-{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, path) from None
    raise FileExistsError(f"seqrnn.save could not create a temporary file beside {path!r}.")


def _write_archive(fh, members):
    with zipfile.ZipFile(fh, "w", allowZip64=True) as archive:
        archive.writestr(MANIFEST, members[MANIFEST], compress_type=zipfile.ZIP_DEFLATED)
        # Deflated (quickly), so that a truncated file never exposes the inner
        # archive's end record as if it were the file's own.
        archive.writestr(
            WEIGHTS, members[WEIGHTS], compress_type=zipfile.ZIP_DEFLATED, compresslevel=1
        )


# ------------------------------------------------------------------ reading
def _read_member(archive, info, cap, where):
    """The bytes of one archive member, checked against ``cap`` before reading."""
    if info.flag_bits & 0x1:
        raise UnsafeFileError(f"{where}: member {info.filename!r} is encrypted.")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ModelFileError(
            f"{where}: member {info.filename!r} uses compression method "
            f"{info.compress_type}; seqrnn writes stored or deflated members only."
        )
    if info.file_size > cap:
        raise ModelFileError(
            f"{where}: member {info.filename!r} holds {info.file_size} bytes, over "
            f"the cap of {cap}."
        )
    # the compressed size is the archive's word too: it must fit in the file,
    # or a small file could claim a large one to pass the ratio check
    fp = archive.fp
    position = fp.tell()
    archive_size = fp.seek(0, os.SEEK_END)
    fp.seek(position)
    if info.header_offset + info.compress_size > archive_size:
        raise ModelFileError(
            f"{where}: member {info.filename!r} claims {info.compress_size} compressed "
            f"bytes, more than the file holds: it is damaged or truncated."
        )
    if info.file_size > max(_RATIO_FLOOR, MAX_COMPRESSION_RATIO * info.compress_size):
        raise ModelFileError(
            f"{where}: member {info.filename!r} would expand "
            f"{info.file_size // max(1, info.compress_size)} times, from "
            f"{info.compress_size} to {info.file_size} bytes; seqrnn model files never "
            f"expand more than {MAX_COMPRESSION_RATIO} times (a zip bomb?)."
        )
    with archive.open(info) as fh:
        data = fh.read(cap + 1)
    if len(data) > cap:  # zipfile stops at the declared size, but be sure
        raise ModelFileError(f"{where}: member {info.filename!r} is larger than declared.")
    return data


def _members(archive, expected, where, *, required=True):
    """Map each member name to its ZipInfo; refuse duplicates and strangers."""
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise UnsafeFileError(f"{where} holds two members with the same name.")
    unexpected = sorted(n for n in names if n not in expected)
    if unexpected:
        raise UnsafeFileError(
            f"{where} holds unexpected member(s) {', '.join(map(repr, unexpected[:5]))}; "
            f"a seqrnn model file has only {', '.join(sorted(expected))}."
        )
    missing = sorted(set(expected) - set(names)) if required else []
    if missing:
        raise ModelFileError(
            f"{where} lacks member(s) {', '.join(map(repr, missing))}: the file is "
            "damaged or was not written by seqrnn.save."
        )
    return {info.filename: info for info in infos}


def _read_weights(data, where):
    """The arrays of ``weights.npz``: numeric dtypes only, never pickles."""
    where = f"{where}, {WEIGHTS}"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_WEIGHT_ARRAYS:
            raise ModelFileError(f"{where} holds more than {MAX_WEIGHT_ARRAYS} arrays.")
        names = {info.filename for info in infos}
        for info in infos:
            if not (info.filename.endswith(".npy") and _WEIGHT_NAME.match(info.filename[:-4])):
                raise UnsafeFileError(
                    f"{where} holds unexpected member {info.filename!r}; it holds "
                    "only arrays named w<k>.npy."
                )
        members = _members(archive, names, where)
        arrays, total = {}, 0
        for filename, info in members.items():
            total += info.file_size
            if total > MAX_WEIGHTS_BYTES:
                raise ModelFileError(f"{where} holds more than {MAX_WEIGHTS_BYTES} bytes.")
            raw = _read_member(archive, info, MAX_WEIGHTS_BYTES, where)
            fh = io.BytesIO(raw)
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                raise ModelFileError(f"{where}: array {filename!r} has .npy version {version}.")
            if dtype.hasobject or dtype.kind not in "biuf" or dtype.fields is not None:
                raise UnsafeFileError(
                    f"{where}: array {filename!r} has dtype {dtype}; weights are "
                    "numeric arrays only (object arrays would need pickle)."
                )
            # numpy allocates the shape the header declares before it reads
            # the data: a header must not promise more than the member holds
            declared = dtype.itemsize * int(np.prod(shape, dtype=object))
            if declared != len(raw) - fh.tell():
                raise ModelFileError(
                    f"{where}: array {filename!r} declares shape {str(shape)[:80]} "
                    f"({declared} bytes) but holds {len(raw) - fh.tell()} bytes of data."
                )
            fh.seek(0)
            arrays[filename[:-4]] = np.lib.format.read_array(fh, allow_pickle=False)
    return arrays


def _loads_json(data, where):
    def no_duplicates(pairs):
        result = dict(pairs)
        if len(result) != len(pairs):
            raise UnsafeFileError(f"{where}: {MANIFEST} repeats a key in one object.")
        return result

    def no_constant(name):
        raise ModelFileError(f"{where}: {MANIFEST} holds {name}, which is not JSON.")

    try:
        return json.loads(
            data.decode("utf-8"), object_pairs_hook=no_duplicates, parse_constant=no_constant
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{where}: {MANIFEST} is not valid UTF-8 JSON ({exc}).") from None


def load(path):
    """Read an estimator or Pipeline written by :func:`save`.

    Nothing in the file is run: classes and Keras builders are looked up by
    name in seqrnn's allow-lists, parameters are checked with the
    estimator's own constraints, and networks are rebuilt by seqrnn's
    builders before their weights (plain numeric arrays) are copied in.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
        The file to read.

    Returns
    -------
    obj : estimator or Pipeline
        Equal in parameters and fitted state to the object saved: it
        predicts, scores and samples exactly as it did.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ModelFileError
        (a ``ValueError``) When the file is not a seqrnn model file (or
        not a regular file: a device or pipe is never read), is truncated or
        damaged, exceeds a size cap, holds invalid parameters,
        or was written with a newer format version.
    UnsafeFileError
        (a ``ModelFileError``) When the file holds anything the format never
        writes: a pickle or other unexpected member, an unknown class,
        builder or key, an object array.

    See Also
    --------
    save : write the file.

    Examples
    --------
    >>> import io
    >>> from seqrnn import CharSequenceVectorizer
    >>> from seqrnn.persistence import load, save
    >>> buffer = io.BytesIO()
    >>> save(CharSequenceVectorizer(lowercase=False), buffer)
    >>> load(io.BytesIO(buffer.getvalue()))
    CharSequenceVectorizer(lowercase=False)
    """
    if hasattr(path, "read"):
        _check_regular(path, "the model file")
        return _load_file(path, "the model file")
    name = os.fspath(path)
    where = f"Model file {name!r}"
    try:
        mode = os.stat(name).st_mode
    except OSError:
        mode = None  # open raises the error that says why
    # before opening: opening a FIFO waits for a writer
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise ModelFileError(_not_regular(where))
    with open(name, "rb") as fh:
        _check_regular(fh, where)  # replaced since the check
        return _load_file(fh, where)


def _not_regular(where):
    return (
        f"{where} is not a regular file (a device, pipe or socket); seqrnn.load "
        "reads model files only."
    )


def _check_regular(fh, where):
    """Refuse a device or pipe: zipfile would read /dev/zero until memory ran out."""
    try:
        mode = os.fstat(fh.fileno()).st_mode
    except (AttributeError, OSError, ValueError):  # io.BytesIO and the like
        return
    if not stat.S_ISREG(mode):
        raise ModelFileError(_not_regular(where))


def _load_file(fh, where):
    try:
        try:
            archive = zipfile.ZipFile(fh)
        except zipfile.BadZipFile:
            raise ModelFileError(
                f"{where} is not a seqrnn model file (not a zip archive, or "
                "truncated); it may be a pickle or joblib file, which "
                "seqrnn.load never opens: use joblib.load for files you trust."
            ) from None
        with archive:
            infos = _members(archive, {MANIFEST, WEIGHTS}, where, required=False)
            if MANIFEST not in infos:
                raise ModelFileError(
                    f"{where} lacks {MANIFEST!r}: it is not a seqrnn model file or "
                    "is damaged."
                )
            if sum(info.file_size for info in infos.values()) > MAX_TOTAL_BYTES:
                raise ModelFileError(f"{where} holds more than {MAX_TOTAL_BYTES} bytes.")
            manifest = _loads_json(
                _read_member(archive, infos[MANIFEST], MAX_MANIFEST_BYTES, where), where
            )
            _check_header(manifest, where)
            if isinstance(manifest["object"], dict) and (
                _count_estimators(manifest["object"]) > MAX_ESTIMATORS
            ):
                raise ModelFileError(f"{where} holds more than {MAX_ESTIMATORS} estimators.")
            _members(archive, {MANIFEST, WEIGHTS}, where)
            arrays = _read_weights(
                _read_member(archive, infos[WEIGHTS], MAX_WEIGHTS_BYTES, where), where
            )
        obj = _decode_node(manifest["object"], arrays, where, depth=0)
        if arrays:
            raise UnsafeFileError(
                f"{where} holds weight arrays no network uses: "
                f"{', '.join(sorted(arrays)[:5])}."
            )
        return obj
    except ModelFileError as exc:
        if len(str(exc)) > 600:  # it quotes the file: a name or value of any length
            raise type(exc)(_brief(exc)) from None
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OverflowError, struct.error,
            NotImplementedError) as exc:
        raise ModelFileError(f"{where} is damaged or truncated ({_brief(exc)}).") from None
    except RecursionError:
        raise ModelFileError(f"{where} nests its data too deeply.") from None
    except ValueError as exc:
        raise ModelFileError(f"{where} is damaged ({_brief(exc)}).") from None


def _check_header(manifest, where):
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ModelFileError(
            f"{where} is not a seqrnn model file: its {MANIFEST} does not declare "
            f"format {FORMAT_NAME!r}."
        )
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"{where} declares an invalid format_version {version!r}.")
    if version > FORMAT_VERSION:
        from . import __version__

        raise ModelFileError(
            f"{where} was written with format version {version} (by seqrnn "
            f"{manifest.get('seqrnn_version')!r}); this seqrnn ({__version__}) reads "
            f"format versions up to {FORMAT_VERSION}. Upgrade seqrnn to load it."
        )
    _check_keys(manifest, _TOP_KEYS, f"{where}: {MANIFEST}")


def _check_keys(node, allowed, where, optional=frozenset()):
    if not isinstance(node, dict):
        raise UnsafeFileError(f"{where} must be a JSON object; got {type(node).__name__}.")
    unknown = sorted(set(node) - allowed - optional)
    if unknown:
        raise UnsafeFileError(
            f"{where} holds unexpected key(s) {', '.join(map(repr, unknown[:5]))}; "
            f"allowed are {', '.join(sorted(allowed | optional))}."
        )
    missing = sorted(allowed - set(node))
    if missing:
        raise ModelFileError(f"{where} lacks key(s) {', '.join(map(repr, missing))}.")


# ----------------------------------------------------------------- decoding
def _decode_array(body, where, scalar):
    if not isinstance(body, dict) or set(body) != {"dtype", "shape", "data"}:
        raise UnsafeFileError(f"{where}: an array must hold exactly dtype, shape and data.")
    dtype, shape, data = body["dtype"], body["shape"], body["data"]
    if not isinstance(dtype, str) or not _ARRAY_DTYPE.match(dtype):
        raise UnsafeFileError(
            f"{where}: arrays have a bool, int, float or str dtype (object: of str); got {dtype!r}."
        )
    dtype = np.dtype(dtype)
    if (
        not isinstance(shape, list)
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
        or (scalar and shape)
        or len(shape) > 32
        or not isinstance(data, list)
    ):
        raise ModelFileError(f"{where}: invalid array shape {shape!r} or data.")
    per_item = dtype.itemsize // 4 if dtype.kind == "U" else 1
    if len(data) != int(np.prod(shape, dtype=object)) * per_item:
        raise ModelFileError(f"{where}: array data does not match its shape {shape}.")
    if dtype.kind == "O":
        ok = all(isinstance(v, str) for v in data)
    elif dtype.kind == "b":
        ok = all(isinstance(v, bool) for v in data)
    elif dtype.kind == "f":
        data = [_decode(v, where) if isinstance(v, dict) else v for v in data]
        ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in data)
    else:
        ok = all(isinstance(v, int) and not isinstance(v, bool) for v in data)
    if not ok:
        raise ModelFileError(f"{where}: array data does not match its dtype {dtype}.")
    try:
        if dtype.kind == "O":
            array = np.empty(len(data), dtype=object)
            array[:] = data
            array = array.reshape(shape)
        elif dtype.kind == "U":
            array = np.array(data, dtype="<u4").view(dtype).reshape(shape)
            # a code point must be one a str can hold
            if per_item and len(data) and max(data) > 0x10FFFF:
                raise ValueError("code point out of range")
        else:
            array = np.array(data, dtype=dtype).reshape(shape)
    except (OverflowError, ValueError) as exc:
        raise ModelFileError(f"{where}: invalid array data ({exc}).") from None
    return array[()] if scalar else array


def _decode(node, where):
    """Plain Python / NumPy data from the JSON written by ``_encode``."""
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, where) for v in node]
    if isinstance(node, dict) and len(node) == 1:
        ((tag, body),) = node.items()
        if tag == "$tuple" and isinstance(body, list):
            return tuple(_decode(v, where) for v in body)
        if tag == "$dict" and isinstance(body, dict):
            return {k: _decode(v, where) for k, v in body.items()}
        if tag == "$items" and isinstance(body, list):
            return _decode_items(body, where)
        if tag == "$float" and isinstance(body, str) and body in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[body]
        if tag in ("$array", "$scalar"):
            return _decode_array(body, where, scalar=tag == "$scalar")
        raise UnsafeFileError(f"{where} holds an unknown kind of value {tag!r}.")
    raise UnsafeFileError(f"{where} holds a JSON object that is not a known kind of value.")


def _decode_items(body, where):
    """A dict stored as ``[key, value]`` pairs; every key must be hashable."""
    result = {}
    for pair in body:
        if not isinstance(pair, list) or len(pair) != 2:
            raise ModelFileError(f"{where}: a dict item must be a [key, value] pair.")
        key = _decode(pair[0], where)
        try:
            hash(key)
        except TypeError:
            raise ModelFileError(
                f"{where}: a dict key must be a number, str, bool, None or tuple; "
                f"got a {type(key).__name__}."
            ) from None
        if key in result:  # as a JSON object may not repeat a key
            raise UnsafeFileError(f"{where}: a dict repeats the key {key!r:.80}.")
        result[key] = _decode(pair[1], where)
    return result


def _param_names(cls):
    try:
        return set(cls().get_params(deep=False))
    except TypeError:  # a required argument, as Pipeline's steps
        return set(cls._get_param_names())


def _decode_params(cls, node, where):
    if not isinstance(node, dict):
        raise UnsafeFileError(f"{where}: params must be a JSON object.")
    valid = _param_names(cls)
    # scikeras-style routed parameters (``model__units``) are keyword
    # arguments of the constructor, checked like the others by _check_params.
    routed = getattr(cls, "_routing_prefixes", frozenset())
    unknown = sorted(k for k in set(node) - valid if k.partition("__")[0] not in routed or "__" not in k)
    if unknown:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise ModelFileError(
            f"{where}: {cls.__name__} has no parameter(s) "
            f"{', '.join(repr(k[:80]) for k in unknown[:5])}{more}; it has "
            f"{', '.join(sorted(valid))}."
        )
    return {k: _decode(v, f"{where}, parameter {k!r}") for k, v in node.items()}


def _brief(exc):
    """The text of ``exc``, shortened: it may quote a value megabytes long."""
    message = str(exc)
    return f"{message[:500]} … {message[-80:]}" if len(message) > 600 else message


def _check_params(obj, where):
    """Run the estimator's own parameter checks; ModelFileError on failure."""
    check = getattr(obj, "_check_params", None)
    try:
        if check is not None:
            check()
        else:
            from ._validation import validate_params

            validate_params(obj)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{where} holds an invalid parameter: {exc}") from None


def _decode_node(node, arrays, where, depth):
    if depth > MAX_DEPTH:
        raise ModelFileError(f"{where} nests pipelines more than {MAX_DEPTH} deep.")
    if not isinstance(node, dict) or not isinstance(node.get("class"), str):
        raise ModelFileError(f"{where}: every object must name its class.")
    name = node["class"]
    if name == "Pipeline":
        return _decode_pipeline(node, arrays, where, depth)
    if name not in _SAFE_CLASSES:
        allowed = ", ".join(sorted([*_SAFE_CLASSES, "Pipeline"]))
        raise UnsafeFileError(
            f"{where} names class {name[:80]!r}, which seqrnn.load does not "
            f"create; it creates only {allowed}."
        )
    where = f"{where}, {name}"
    _check_keys(node, _ESTIMATOR_KEYS, where, _OPTIONAL_ESTIMATOR_KEYS)
    module, models, private = _SAFE_CLASSES[name]
    cls = _import(module, name)
    params = _decode_params(cls, node["params"], where)
    obj = cls(**params)
    # a routed name that get_params would not report (``model__``, ``fit__x_``)
    # would be an attribute that no check ever sees
    hidden = sorted(set(params) - set(obj.get_params(deep=False)))
    if hidden:
        raise ModelFileError(
            f"{where}: {name} has no parameter(s) "
            f"{', '.join(repr(k[:80]) for k in hidden[:5])}; a routed parameter is "
            "<prefix>__<argument>, without a trailing '_'."
        )
    _check_params(obj, where)

    state = node["state"]
    if not isinstance(state, dict):
        raise UnsafeFileError(f"{where}: state must be a JSON object.")
    params = _param_names(cls)
    hidden = set(models) | {kwargs for _, kwargs in models.values()}
    for key in state:
        public = _PUBLIC_STATE.match(key) and not key.startswith("_")
        if not (public or key in private) or key in hidden or key in params or hasattr(cls, key):
            raise UnsafeFileError(
                f"{where} sets attribute {key[:80]!r}, which is not fitted state of {name}."
            )
    state = {k: _decode(v, f"{where}, attribute {k!r}") for k, v in state.items()}
    if hasattr(cls, "_set_safe_state"):
        obj._set_safe_state(state)
    else:
        obj.__dict__.update(state)
    if "requests" in node:
        _set_requests(obj, node["requests"], where)

    if not isinstance(node["models"], dict):
        raise UnsafeFileError(f"{where}: models must be a JSON object.")
    networks = {}
    for attribute, entry in node["models"].items():
        if attribute not in models:
            raise UnsafeFileError(f"{where}: {name} holds no network {attribute[:80]!r}.")
        builder, kwargs_attribute = models[attribute]
        model, kwargs = _rebuild(entry, builder, arrays, f"{where}.{attribute}")
        setattr(obj, attribute, model)
        setattr(obj, kwargs_attribute, kwargs)
        networks[attribute] = kwargs
    if networks:
        _check_fitted_state(obj, name, networks, where)
    return obj


def _state_rules(name, state, networks):
    """What the fitted attributes of a ``name`` must be, for those its
    predictions compute with, given the builder arguments of its networks
    (``{"model_": kwargs}``): attribute -> (kind, size), a kind of
    ``_STATE_KINDS`` and, for an array, its length, for an int, its value,
    for a choice, the values allowed."""
    if "model_" not in networks:
        return {}
    n_inputs, n_outputs = networks["model_"]["n_inputs"], networks["model_"]["n_outputs"]
    if name == "CharLM":
        return {
            "classes_": ("labels", n_outputs),
            "n_features_in_": ("int", 1),
            "unknown_probability_": ("number", None),
        }
    if name == "RNNForecaster":  # inputs: target, covariates, start indicator
        return {
            "n_features_in_": ("int", n_inputs - 1),
            "target_mean_": ("number", None),
            "target_scale_": ("number", None),
            "covariate_mean_": ("numbers", n_inputs - 2),
            "covariate_scale_": ("numbers", n_inputs - 2),
            "level_mean_": ("number or None", None),
            "level_scale_": ("number or None", None),
            "scale_calibration_": ("number", None),
        }
    if name not in ("RNNSequenceClassifier", "RNNSequenceRegressor"):
        return {}
    rules = {"input_type_": ("choice", ("numeric", "tokens"))}
    if state.get("input_type_") == "tokens":  # token k is input id k + 2
        rules.update({"n_features_in_": ("int", 1), "vocabulary_": ("labels", n_inputs - 2)})
    else:
        rules.update({
            "n_features_in_": ("int", n_inputs),
            "input_mean_": ("numbers", n_inputs),
            "input_scale_": ("numbers", n_inputs),
        })
    if name == "RNNSequenceClassifier":
        rules["classes_"] = ("labels", n_outputs)
    else:  # a 1-D y (_target_ndim 1) has one output
        rules.update({
            "n_outputs_": ("int", n_outputs),
            "_target_ndim": ("choice", (1, 2) if n_outputs == 1 else (2,)),
            "target_mean_": ("numbers", n_outputs),
            "target_scale_": ("numbers", n_outputs),
        })
    return rules


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


#: The kinds of ``_state_rules``: kind -> (test of a value and a size, what it
#: must be). A number is a Python or NumPy scalar, never an array: a mean of
#: shape (N, 1, 1) would broadcast every row of the data into N copies.
_STATE_KINDS = {
    "number": (lambda v, n: _is_number(v), "a number, not an array"),
    "number or None": (lambda v, n: v is None or _is_number(v), "a number or None"),
    "int": (
        lambda v, n: isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))
        and v == n,
        "{n}, as the saved network has",
    ),
    "numbers": (
        lambda v, n: isinstance(v, np.ndarray) and v.shape == (n,) and v.dtype.kind in "iuf",
        "a 1-D numeric array of length {n}, as the saved network has",
    ),
    "labels": (
        lambda v, n: isinstance(v, np.ndarray) and v.shape == (n,),
        "a 1-D array of length {n}, as the saved network has",
    ),
    "choice": (
        lambda v, n: any(type(v) is type(a) and v == a for a in n),
        "one of {n}",
    ),
}


def _check_fitted_state(obj, name, networks, where):
    """Refuse fitted attributes that are not what ``fit`` makes for the saved
    networks (an array for a number, a size the network does not have), before
    anything computes with them."""
    state = vars(obj)
    for key, (kind, size) in _state_rules(name, state, networks).items():
        test, what = _STATE_KINDS[kind]
        if key in state and not test(state[key], size):
            allowed = ", ".join(map(repr, size)) if kind == "choice" else size
            raise ModelFileError(
                f"{where}: fitted attribute {key!r} must be {what.format(n=allowed)}; "
                f"found {_found(state[key])}."
            )


def _found(value):
    """A short description of a decoded value, for an error message."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r:.80}"


def _decode_pipeline(node, arrays, where, depth):
    from sklearn.pipeline import Pipeline

    where = f"{where}, Pipeline"
    _check_keys(node, _PIPELINE_KEYS, where)
    params = _decode_params(Pipeline, node["params"], where)
    if "steps" in params or params.get("memory") is not None:
        raise UnsafeFileError(
            f"{where}: a saved Pipeline has memory=None and its steps apart; got "
            f"params {sorted(params)} with memory={params.get('memory')!r:.80}."
        )
    steps = node["steps"]
    if not isinstance(steps, list) or not steps:
        raise ModelFileError(f"{where}: steps must be a non-empty list.")
    decoded = []
    for i, step in enumerate(steps):
        if not (isinstance(step, list) and len(step) == 2 and isinstance(step[0], str)):
            raise ModelFileError(f"{where}: step {i} must be a [name, estimator] pair.")
        step_name, est = step
        if est is not None and est != "passthrough":
            est = _decode_node(est, arrays, f"{where}, step {step_name[:40]!r}", depth + 1)
        decoded.append((step_name, est))
    names = [n for n, _ in decoded]
    if len(set(names)) != len(names) or any(not n or "__" in n for n in names):
        raise ModelFileError(f"{where}: step names must be unique, non-empty, without '__'.")
    pipeline = Pipeline(decoded, **params)
    _check_params(pipeline, where)
    return pipeline


def _check_builder_kwargs(builder, kwargs, n_weights, where):
    for key, value in kwargs.items():
        values = value if isinstance(value, tuple) else (value,)
        if len(values) > max(1, n_weights):  # every layer has a weight
            raise ModelFileError(
                f"{where}: builder argument {key!r} has {len(values)} entries for "
                f"{n_weights} weight arrays."
            )
        for v in values:
            plain = v is None or isinstance(v, (bool, str)) or (
                isinstance(v, (int, float)) and abs(v) < 2**31  # False for nan, inf
            )
            if not plain:
                raise ModelFileError(
                    f"{where}: builder argument {key!r} must be a plain number, "
                    f"str or tuple of them; got {value!r:.80}."
                )


def _planned_weights(builder, kwargs):
    """Shapes and dtypes of the weights ``builder(**kwargs)`` would create,
    without allocating them (variables are created lazily in a stateless
    scope, then forgotten); None where the backend cannot tell."""
    import keras

    try:
        from keras.src.backend.common import global_state
    except ImportError:
        return None
    key = "uninitialized_variables"
    pending = list(global_state.get_global_attribute(key, []) or [])
    try:
        with keras.StatelessScope(initialize_variables=False):
            model = builder(**kwargs)
            return [(tuple(w.shape), np.dtype(w.dtype)) for w in model.weights]
    finally:
        global_state.set_global_attribute(key, pending)


def _rebuild(entry, expected_builder, arrays, where):
    """Rebuild a network with a seqrnn builder and copy its weights in."""
    _check_keys(entry, _MODEL_KEYS, where)
    builder_name = entry["builder"]
    if builder_name not in _BUILDERS or builder_name != expected_builder:
        raise UnsafeFileError(
            f"{where} names builder {str(builder_name)[:80]!r}; this network is "
            f"rebuilt only by seqrnn's {expected_builder}."
        )
    builder = _import(_BUILDERS[builder_name], builder_name)
    if not isinstance(entry["kwargs"], dict):
        raise UnsafeFileError(f"{where}: kwargs must be a JSON object.")
    allowed = {
        p.name for p in inspect.signature(builder).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    for key in entry["kwargs"]:
        if key not in allowed:
            raise UnsafeFileError(f"{where}: {builder_name} takes no argument {key[:80]!r}.")
    names = entry["weights"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ModelFileError(f"{where}: weights must be a list of array names.")
    kwargs = {k: _decode(v, f"{where}, kwargs") for k, v in entry["kwargs"].items()}
    _check_builder_kwargs(builder, kwargs, len(names), where)
    if len(set(names)) != len(names):
        raise ModelFileError(f"{where} names one weight array twice.")
    missing = [n for n in names if n not in arrays]
    if missing:
        raise ModelFileError(
            f"{where} names weight arrays that {WEIGHTS} lacks or that another "
            f"network uses: {', '.join(map(repr, missing[:5]))}."
        )
    weights = [arrays.pop(n) for n in names]
    try:
        planned = _planned_weights(builder, kwargs)
    except Exception as exc:  # the builder refused its arguments
        raise ModelFileError(
            f"{where}: {builder_name} refused the saved arguments ({exc})."
        ) from None
    got = [(w.shape, w.dtype) for w in weights]
    if planned is not None and planned != got:
        first = next(
            (i for i, (a, b) in enumerate(zip(got, planned)) if a != b),
            min(len(got), len(planned)),
        )
        raise ModelFileError(
            f"{where}: the saved weights do not fit the network that the saved "
            f"builder arguments describe ({len(got)} arrays saved, {len(planned)} "
            f"in the network; array {first} differs)."
        )
    try:
        model = builder(**kwargs)
        model.set_weights(weights)
    except Exception as exc:  # only reached without a plan: shapes disagree
        raise ModelFileError(f"{where}: cannot rebuild the network ({exc}).") from None
    return model, kwargs
