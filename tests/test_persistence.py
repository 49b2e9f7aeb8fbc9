"""Persistence: pickle, joblib and the safe format, in this process and a fresh one.

Every estimator and pipeline in ``ESTIMATOR_CASES`` must come back from each
format with the same parameters, identical ``predict`` / ``predict_proba`` /
``transform`` / ``score`` / ``score_samples`` and the identical ``sample`` for
a ``random_state``; fitted or not. Crafted files must be refused with a clear
error before any code in them could run.
"""

import io
import json
import os
import pathlib
import pickle
import random
import stat
import struct
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from numbers import Integral

import joblib
import keras
import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

import seqrnn  # noqa: F401  (the cases one adds below name seqrnn.<Estimator>)
from seqrnn import (
    CharLM,
    CharSequenceVectorizer,
    RNNSequenceClassifier,
    generate,
    persistence,
)
from seqrnn.persistence import ModelFileError, UnsafeFileError, load, save

DOCS = [
    "To be, or not to be, that is the question.",
    "Whether 'tis nobler in the mind to suffer",
    "The slings and arrows of outrageous fortune,",
    "Or to take arms against a sea of troubles.",
]
TINY = dict(units=6, embedding_dim=4, epochs=2, seq_length=16, batch_size=4, random_state=0)


@dataclass
class Case:
    """An estimator (made unfitted by ``make``) and the data it is fitted on."""

    name: str
    make: object
    X: object
    y: object = None


#: Every estimator, and the pipelines the README and examples build: each is
#: checked through pickle, joblib and the safe format, fitted and unfitted, in
#: this process and a fresh one, and refitted there from its random_state. To
#: cover a new estimator, add ONE line here (its class is already in the safe
#: format's allow-list, seqrnn.persistence._SAFE_CLASSES), e.g.
#:   Case("RNNForecaster", lambda: seqrnn.RNNForecaster(units=4, epochs=1,
#:        seq_length=12, random_state=0), [np.sin(np.arange(40) / 3)]),
#:   Case("RNNSequenceClassifier", lambda: seqrnn.RNNSequenceClassifier(units=4,
#:        epochs=1, random_state=0), np.sin(np.arange(60.0)).reshape(10, 6),
#:        np.arange(10) % 2),
ESTIMATOR_CASES = [
    Case("CharLM", lambda: CharLM(**TINY), DOCS),
    Case("CharSequenceVectorizer", lambda: CharSequenceVectorizer(min_frequency=2), DOCS),
    Case(
        "Pipeline(CharSequenceVectorizer, CharLM)",
        lambda: Pipeline([("vec", CharSequenceVectorizer()), ("lm", CharLM(**TINY))]),
        DOCS,
    ),
    Case(
        "RNNForecaster",
        lambda: seqrnn.RNNForecaster(units=4, epochs=1, seq_length=12, random_state=0),
        [np.sin(np.arange(40) / 3), np.cos(np.arange(25) / 4)],
    ),
    Case("SeriesWindower", lambda: seqrnn.SeriesWindower(window_length=5), np.sin(np.arange(30) / 3)),
    Case(
        "Pipeline(SeriesWindower, RNNForecaster)",
        lambda: Pipeline([
            ("win", seqrnn.SeriesWindower(window_length=6)),
            ("fc", seqrnn.RNNForecaster(units=4, epochs=1, seq_length=6, random_state=0)),
        ]),
        np.sin(np.arange(30) / 3),
    ),
    Case(
        "RNNSequenceClassifier",
        lambda: seqrnn.RNNSequenceClassifier(units=4, epochs=1, random_state=0),
        np.sin(np.arange(60.0)).reshape(10, 6),
        np.array(["a", "b"] * 5),
    ),
    Case(
        "RNNSequenceRegressor (routed parameters)",
        lambda: seqrnn.RNNSequenceRegressor(
            units=4, epochs=1, random_state=0, optimizer__beta_1=0.8
        ),
        [np.sin(np.arange(n) / 3) for n in range(3, 13)],
        np.arange(10.0),
    ),
    Case(
        "Pipeline(CharSequenceVectorizer, RNNSequenceClassifier)",
        lambda: Pipeline([
            ("vec", CharSequenceVectorizer()),
            ("clf", seqrnn.RNNSequenceClassifier(units=4, epochs=1, random_state=0)),
        ]),
        DOCS,
        np.array([0, 1, 0, 1]),
    ),
]
CASES = {case.name: case for case in ESTIMATOR_CASES}


def fit_case(case):
    est = case.make()
    return est.fit(case.X) if case.y is None else est.fit(case.X, case.y)


def outputs(obj, X, y=None):
    """Everything the object computes on ``X``, or its parameters if unfitted."""
    params = {
        key: repr(value)
        for key, value in obj.get_params(deep=True).items()
        if not hasattr(value, "get_params") and key != "steps"
    }
    try:
        check_is_fitted(obj)
    except NotFittedError:
        return {"params": params, "fitted": False}
    result = {"params": params, "fitted": True}
    for method in ("transform", "predict", "predict_proba", "score_samples"):
        if hasattr(obj, method):
            result[method] = np.asarray(getattr(obj, method)(X))
    if hasattr(obj, "score"):
        result["score"] = obj.score(X) if y is None else obj.score(X, y)
    model = getattr(obj, "best_estimator_", obj)
    last = model[-1] if isinstance(model, Pipeline) else model
    if hasattr(last, "sample"):
        result["sample"] = generate(model, 12, random_state=0)
        result["samples"] = generate(model, 5, n_samples=3, temperature=0.7, random_state=1)
    return result


def assert_same(got, expected):
    assert got.keys() == expected.keys()
    for key in expected:
        if isinstance(expected[key], np.ndarray):
            np.testing.assert_array_equal(got[key], expected[key], err_msg=key)
        else:
            assert got[key] == expected[key], key


@pytest.fixture(scope="module")
def all_fitted():
    """Each case's fitted estimator, with the global random state (NumPy's,
    Python's) just before and just after its ``fit``."""
    result = {}
    for case in ESTIMATOR_CASES:
        np.random.seed(7)
        random.seed(7)
        before = (np.random.get_state(), random.getstate())
        est = fit_case(case)
        result[case.name] = est, before, (np.random.get_state(), random.getstate())
    return result


@pytest.fixture(params=ESTIMATOR_CASES, ids=lambda case: case.name)
def fitted(request, all_fitted):
    """(case, its fitted estimator)."""
    return request.param, all_fitted[request.param.name][0]


@pytest.fixture(scope="module")
def search():
    pipe = Pipeline([("vec", CharSequenceVectorizer()), ("lm", CharLM(**{**TINY, "epochs": 1}))])
    return GridSearchCV(pipe, {"lm__units": [4, 6]}, cv=2).fit(DOCS)


@pytest.fixture(scope="module")
def lm_file(tmp_path_factory, fitted_lm):
    path = tmp_path_factory.mktemp("safe") / "lm.seqrnn"
    save(fitted_lm, path)
    return path


@pytest.fixture(scope="module")
def fitted_lm():
    return CharLM(**{**TINY, "epochs": 1}).fit(DOCS[:2])


# ------------------------------------------------------------------ pickle
@pytest.mark.parametrize(
    "name", [c.name for c in ESTIMATOR_CASES if "callbacks" in c.make().get_params(deep=False)]
)
def test_callbacks_do_not_carry_a_copy_of_the_network(name, all_fitted):
    # Keras leaves the network on every callback after fit; fit detaches it,
    # so a pickle (or clone) holds the network once, as without callbacks
    case, plain = CASES[name], all_fitted[name][0]
    callback = keras.callbacks.EarlyStopping(monitor="loss")
    est = fit_case(Case(name, lambda: case.make().set_params(callbacks=[callback]), case.X, case.y))
    assert callback.model is None and callback.stopped_epoch == 0  # its state is kept
    assert len(pickle.dumps(est)) < len(pickle.dumps(plain)) + 2000  # the callback alone
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(case.X), est.predict(case.X))



def test_callbacks_are_detached_without_calling_their_set_model():
    # Keras calls set_model with the network only; a callback's own set_model
    # may read it, so detaching after fit must not call set_model(None)
    class CountParams(keras.callbacks.Callback):
        def set_model(self, model):
            super().set_model(model)
            self.n_params = model.count_params()

    callback = CountParams()
    lm = CharLM(**{**TINY, "epochs": 1}, callbacks=[callback]).fit(DOCS[:2])
    assert callback.model is None
    assert callback.n_params == lm.model_.count_params()

def test_pickle_and_joblib_round_trip(fitted, tmp_path):
    case, est = fitted
    expected = outputs(est, case.X, case.y)
    assert_same(outputs(pickle.loads(pickle.dumps(est)), case.X, case.y), expected)
    joblib.dump(est, tmp_path / "est.joblib")
    assert_same(outputs(joblib.load(tmp_path / "est.joblib"), case.X, case.y), expected)


@pytest.mark.parametrize("case", ESTIMATOR_CASES, ids=lambda case: case.name)
def test_unfitted_round_trip(case, tmp_path):
    est = case.make()
    expected = outputs(est, case.X)
    assert expected["fitted"] is False
    assert_same(outputs(pickle.loads(pickle.dumps(est)), case.X), expected)
    save(est, tmp_path / "est.seqrnn")
    restored = load(tmp_path / "est.seqrnn")
    assert type(restored) is type(est)
    assert_same(outputs(restored, case.X), expected)


def test_grid_search_round_trip(search, tmp_path):
    expected = outputs(search, DOCS)
    assert set(expected) >= {"predict", "predict_proba", "score", "sample"}
    joblib.dump(search, tmp_path / "search.joblib")
    restored = joblib.load(tmp_path / "search.joblib")
    assert_same(outputs(restored, DOCS), expected)
    assert restored.best_params_ == search.best_params_
    np.testing.assert_array_equal(
        restored.cv_results_["mean_test_score"], search.cv_results_["mean_test_score"]
    )


# ------------------------------------------------------------- safe format
def test_safe_round_trip(fitted, tmp_path):
    case, est = fitted
    expected = outputs(est, case.X, case.y)
    save(est, tmp_path / "est.seqrnn")
    restored = load(tmp_path / "est.seqrnn")
    assert type(restored) is type(est)
    assert_same(outputs(restored, case.X, case.y), expected)
    if hasattr(est, "save"):  # the shortcut writes the same file
        est.save(tmp_path / "shortcut.seqrnn")
        assert_same(outputs(load(tmp_path / "shortcut.seqrnn"), case.X, case.y), expected)


def test_safe_round_trip_keeps_fitted_attributes_exactly(fitted_lm, tmp_path):
    fitted_lm.save(tmp_path / "lm.seqrnn")
    restored = load(tmp_path / "lm.seqrnn")
    assert restored.history_ == fitted_lm.history_
    assert restored.classes_.dtype == fitted_lm.classes_.dtype
    np.testing.assert_array_equal(restored.classes_, fitted_lm.classes_)
    assert restored.unknown_probability_ == fitted_lm.unknown_probability_
    assert restored._build_kwargs == fitted_lm._build_kwargs
    for a, b in zip(restored.model_.get_weights(), fitted_lm.model_.get_weights()):
        np.testing.assert_array_equal(a, b)
    # a restored model keeps training (warm start) like the original
    restored.set_params(warm_start=True, epochs=1).fit(DOCS[:1])
    assert len(restored.history_["loss"]) == len(fitted_lm.history_["loss"]) + 1


def test_safe_round_trip_keeps_metadata_requests(tmp_path):
    with config_context(enable_metadata_routing=True):
        clf = RNNSequenceClassifier(units=3, epochs=1, random_state=0)
        clf.set_fit_request(sample_weight=True).set_score_request(sample_weight="w")
        lm = CharLM(**TINY).set_score_request(sample_weight=False)
    save(clf, tmp_path / "clf.seqrnn")
    save(Pipeline([("vec", CharSequenceVectorizer()), ("lm", lm)]), tmp_path / "pipe.seqrnn")
    with zipfile.ZipFile(tmp_path / "clf.seqrnn") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format_version"] == 2  # readers of version 1 would not know them
    assert manifest["object"]["requests"] == {
        "fit": {"sample_weight": True}, "score": {"sample_weight": "w"}
    }
    restored = load(tmp_path / "clf.seqrnn")  # routing is not enabled here
    assert str(restored.get_metadata_routing()) == str(clf.get_metadata_routing())
    restored_lm = load(tmp_path / "pipe.seqrnn").named_steps["lm"]
    assert str(restored_lm.get_metadata_routing()) == str(lm.get_metadata_routing())
    # they route: unrequested metadata would raise here
    X, y = np.random.default_rng(0).normal(size=(12, 5)), np.arange(12) % 2
    with config_context(enable_metadata_routing=True):
        cross_validate(restored, X, y, cv=2, params={"sample_weight": np.ones(12), "w": np.ones(12)})


def test_safe_round_trip_of_awkward_characters_and_values(tmp_path):
    docs = ["nul\x00 lone\ud800 emoji\U0001f600 e\u0301 \ufffd", "tab\t"]
    vec = CharSequenceVectorizer(normalization=None, min_frequency=0.01).fit(docs)
    vec.extra_ = {"nan": float("nan"), "tuple": (1, 2.5, None), "i8": np.int8(-3),
                  "floats": np.array([[np.inf, -0.0]]), "flags": np.array([True]),
                  # labels read from pandas: an object array of str
                  "labels": np.array(["up", "down\x00", ""], dtype=object),
                  # class_weight={0: 1.0, 1: 2.0}: keys other than str
                  "weights": {0: 1.0, np.int64(1): 2.0, True: None, (1, "a"): "t"}}
    save(vec, tmp_path / "vec.seqrnn")
    restored = load(tmp_path / "vec.seqrnn")
    assert restored.char_counts_ == vec.char_counts_
    np.testing.assert_array_equal(restored.vocabulary_, vec.vocabulary_)
    assert restored.transform(docs) == vec.transform(docs)
    extra = restored.extra_
    assert np.isnan(extra["nan"]) and extra["tuple"] == (1, 2.5, None)
    assert extra["i8"] == -3 and extra["i8"].dtype == np.int8
    np.testing.assert_array_equal(extra["floats"], vec.extra_["floats"])
    assert np.signbit(extra["floats"][0, 1]) and extra["flags"].dtype == bool
    assert extra["labels"].dtype == object and extra["labels"].tolist() == ["up", "down\x00", ""]
    assert extra["weights"] == vec.extra_["weights"]
    assert [type(k) for k in extra["weights"]] == [int, np.int64, tuple]  # True == 1
    vec.extra_ = np.array(["a", 1], dtype=object)  # mixed objects stay refused
    with pytest.raises(TypeError, match="object arrays of str"):
        save(vec, tmp_path / "mixed.seqrnn")


def test_safe_format_writes_only_plain_data(fitted_lm, tmp_path):
    save(Pipeline([("vec", CharSequenceVectorizer()), ("lm", fitted_lm)]), tmp_path / "p.seqrnn")
    with zipfile.ZipFile(tmp_path / "p.seqrnn") as archive:
        assert archive.namelist() == ["manifest.json", "weights.npz"]
        manifest = json.loads(archive.read("manifest.json"))
        with zipfile.ZipFile(io.BytesIO(archive.read("weights.npz"))) as weights:
            names = weights.namelist()
    assert manifest["format"] == "seqrnn-model" and manifest["format_version"] == 1
    node = manifest["object"]
    assert "requests" not in node["steps"][1][1]  # only set requests are written
    assert node["class"] == "Pipeline" and [s[0] for s in node["steps"]] == ["vec", "lm"]
    model = node["steps"][1][1]["models"]["model_"]
    assert model["builder"] == "build_autoregressive_model"
    assert names == [f"{name}.npy" for name in model["weights"]]


class _SymbolSet(BaseEstimator):
    """A class that joins the safe format with its own state hooks: its
    fitted ``symbols_`` is a set, which is not plain data."""

    _parameter_constraints = {"limit": [Interval(Integral, 1, None, closed="left")]}

    def __init__(self, limit=3):
        self.limit = limit

    def fit(self, X, y=None):
        self.symbols_ = set("".join(X)[: self.limit])
        return self

    def _get_safe_state(self):
        return {"symbols_": sorted(self.symbols_)} if hasattr(self, "symbols_") else {}

    def _set_safe_state(self, state):
        if "symbols_" in state:
            self.symbols_ = set(state["symbols_"])


def test_a_class_joins_with_one_line_and_its_own_state_hooks(monkeypatch, tmp_path):
    monkeypatch.setitem(persistence._SAFE_CLASSES, "_SymbolSet", (__name__, {}, ()))
    est = _SymbolSet(limit=4).fit(["abcab"])
    save(est, tmp_path / "set.seqrnn")
    restored = load(tmp_path / "set.seqrnn")
    assert type(restored) is _SymbolSet and restored.limit == 4
    assert restored.symbols_ == {"a", "b", "c"}
    # without the hooks, the set is refused by name when saving
    monkeypatch.delattr(_SymbolSet, "_get_safe_state")
    with pytest.raises(TypeError, match="'symbols_' of _SymbolSet is a builtins.set"):
        save(est, tmp_path / "plain.seqrnn")


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda lm: GridSearchCV(lm, {"units": [4]}), TypeError, "joblib.dump"),
        (lambda lm: Pipeline([("f", FunctionTransformer()), ("lm", lm)]), TypeError,
         "FunctionTransformer"),
        (lambda lm: Pipeline([("lm", lm)], memory="cache"), ValueError, "memory=None"),
        (lambda lm: CharLM(callbacks=[keras.callbacks.Callback()]), TypeError, "'callbacks'"),
        (lambda lm: CharLM(random_state=np.random.default_rng(0)), TypeError, "'random_state'"),
        (lambda lm: type("MyLM", (CharLM,), {})(), TypeError, "MyLM"),
    ],
    ids=["grid-search", "foreign-step", "pipeline-memory", "callbacks", "generator", "subclass"],
)
def test_save_refuses_what_it_cannot_store_and_keeps_the_old_file(
    fitted_lm, lm_file, make, error, match
):
    before = lm_file.read_bytes()
    with pytest.raises(error, match=match):
        save(make(fitted_lm), lm_file)
    assert lm_file.read_bytes() == before
    assert not list(lm_file.parent.glob(".seqrnn-*"))  # no temporary file left


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_saved_file_has_ordinary_permissions(fitted_lm, tmp_path):
    # a model saved to share must be readable like any file the user writes,
    # not owner-only as tempfile.mkstemp makes it; a replaced file keeps its mode
    umask = os.umask(0o022)
    try:
        save(fitted_lm, tmp_path / "new.seqrnn")
        (tmp_path / "plain").write_bytes(b"")
    finally:
        os.umask(umask)
    mode = stat.S_IMODE((tmp_path / "new.seqrnn").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "plain").stat().st_mode) == 0o644
    (tmp_path / "new.seqrnn").chmod(0o640)
    save(fitted_lm, tmp_path / "new.seqrnn")
    assert stat.S_IMODE((tmp_path / "new.seqrnn").stat().st_mode) == 0o640


def test_save_into_a_missing_folder_names_the_file(fitted_lm, tmp_path):
    target = tmp_path / "no-such-folder" / "lm.seqrnn"
    with pytest.raises(FileNotFoundError) as info:
        save(fitted_lm, target)
    assert info.value.filename == str(target)
    assert ".tmp" not in str(info.value)


# ----------------------------------------------------------- crafted files
class _RunsCode:
    """Unpickling this touches ``marker``: proof that code ran."""

    def __init__(self, marker):
        self.marker = pathlib.Path(marker)

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


class _Payloads:
    """What the crafted files carry; each would run code (touch ``marker``)."""

    def __init__(self, marker):
        self.marker = marker
        self.pickle = pickle.dumps(_RunsCode(marker))
        touch = f"lambda x: (__import__('pathlib').Path({str(marker)!r}).touch(), x)[1]"
        self.lambda_model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(eval(touch))])
        self.lambda_config = keras.saving.serialize_keras_object(self.lambda_model)
        marker.unlink()  # building the model called the lambda once

    @property
    def keras_file(self):
        path = self.marker.parent / "lambda.keras"
        self.lambda_model.save(path)
        return path.read_bytes()


def _read(path):
    with zipfile.ZipFile(path) as archive:
        return [[info.filename, archive.read(info)] for info in archive.infolist()]


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _craft(base, path, payloads, manifest=None, members=None, weights=None):
    """Rewrite the file ``base`` into ``path``; each callable edits in place
    (with the payloads at hand) the manifest (a dict), the weight arrays or
    the archive members (lists of [name, bytes])."""
    original = dict(_read(base))
    data = json.loads(original["manifest.json"])
    if manifest is not None:
        manifest(data, payloads)
    arrays = _read(io.BytesIO(original["weights.npz"]))
    if weights is not None:
        weights(arrays, payloads)
    listing = [["manifest.json", json.dumps(data).encode()], ["weights.npz", _zip(arrays)]]
    if members is not None:
        members(listing, payloads)
    path.write_bytes(_zip(listing))
    return path


def _npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _npy_header(shape, descr="<f4"):
    """A .npy header alone: it promises data the member does not hold."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue()


def _obj(data):
    return data["object"]


def _model(data):
    return data["object"]["models"]["model_"]


def _replace_in_manifest(old, new):
    def edit(members, _):
        members[0][1] = members[0][1].replace(old, new)
        assert new in members[0][1]
    return edit


#: name -> (edits for _craft, error, message pattern)
CRAFTED = {
    # pickles, wherever they could hide
    "pickle-member": (
        dict(members=lambda m, p: m.append(["model.pkl", p.pickle])),
        UnsafeFileError, "unexpected member.*'model.pkl'",
    ),
    "pickle-as-weights": (
        dict(members=lambda m, p: m.__setitem__(1, ["weights.npz", p.pickle])),
        ModelFileError, "damaged|zip",
    ),
    "reduce-object-in-weights": (
        dict(weights=lambda w, p: w.__setitem__(
            0, ["w0.npy", _npy(np.array([_RunsCode(p.marker)], dtype=object))])),
        UnsafeFileError, "dtype object",
    ),
    "object-array-in-json": (
        dict(manifest=lambda d, p: _obj(d)["state"].update(
            classes_={"$array": {"dtype": "|O", "shape": [1], "data": [1]}})),
        ModelFileError, r"does not match its dtype object",
    ),
    "unhashable-dict-key": (
        dict(manifest=lambda d, p: _obj(d)["params"].update(
            units={"$items": [[[1, 2], 3]]})),
        ModelFileError, "a dict key must be",
    ),
    "repeated-dict-key": (
        dict(manifest=lambda d, p: _obj(d)["params"].update(
            units={"$items": [[1, 2], [1, 3]]})),
        UnsafeFileError, "a dict repeats the key 1",
    ),
    "pickle-value-tag": (
        dict(manifest=lambda d, p: _obj(d)["params"].update(
            units={"$pickle": p.pickle.hex()})),
        UnsafeFileError, r"unknown kind of value '\$pickle'",
    ),
    # Keras configs: a Lambda layer's function is bytecode
    "keras-config-key": (
        dict(manifest=lambda d, p: _obj(d).update(model_config=p.lambda_config)),
        UnsafeFileError, "unexpected key.*'model_config'",
    ),
    "keras-config-builder": (
        dict(manifest=lambda d, p: _model(d).update(
            builder="keras.models.model_from_json", kwargs={"config": p.lambda_config})),
        UnsafeFileError, "builder 'keras.models.model_from_json'",
    ),
    "keras-config-kwarg": (
        dict(manifest=lambda d, p: _model(d)["kwargs"].update(layers=p.lambda_config)),
        UnsafeFileError, "takes no argument 'layers'",
    ),
    "keras-config-class": (
        dict(manifest=lambda d, p: d.update(object={
            "class": "Functional", "params": p.lambda_config["config"],
            "state": {}, "models": {}})),
        UnsafeFileError, "class 'Functional'",
    ),
    "keras-file-member": (
        dict(members=lambda m, p: m.append(["model.keras", p.keras_file])),
        UnsafeFileError, "unexpected member.*'model.keras'",
    ),
    # names the allow-lists do not hold
    "unknown-class": (
        dict(manifest=lambda d, p: _obj(d).update({"class": "os.system"})),
        UnsafeFileError, "class 'os.system'",
    ),
    "dunder-attribute": (
        dict(manifest=lambda d, p: _obj(d)["state"].update(__class__="CharLM")),
        UnsafeFileError, "'__class__'",
    ),
    "method-attribute": (
        dict(manifest=lambda d, p: _obj(d)["state"].update(fit=1)),
        UnsafeFileError, "'fit', which is not fitted state",
    ),
    "network-as-state": (
        dict(manifest=lambda d, p: _obj(d)["state"].update(model_={"$dict": {}})),
        UnsafeFileError, "'model_', which is not fitted state",
    ),
    "foreign-network": (
        dict(manifest=lambda d, p: _obj(d)["models"].update(other_=_model(d))),
        UnsafeFileError, "no network 'other_'",
    ),
    "pipeline-memory": (
        dict(manifest=lambda d, p: d.update(object={
            "class": "Pipeline", "params": {"memory": "/tmp/cache"},
            "steps": [["lm", _obj(d)]]})),
        UnsafeFileError, "memory=None",
    ),
    "duplicate-json-key": (
        dict(members=_replace_in_manifest(
            b'"format_version": 1', b'"format_version": 1, "format_version": 1')),
        UnsafeFileError, "repeats a key",
    ),
    "duplicate-member": (
        dict(members=lambda m, p: m.append(list(m[0]))),
        UnsafeFileError, "two members with the same name",
    ),
    "extra-weight-array": (
        dict(weights=lambda w, p: w.append(["w99.npy", _npy(np.zeros(2, np.float32))])),
        UnsafeFileError, "no network uses: w99",
    ),
    "foreign-npz-member": (
        dict(weights=lambda w, p: w.append(["w0.pkl", p.pickle])),
        UnsafeFileError, "'w0.pkl'",
    ),
    # invalid, damaged or newer
    "invalid-param": (
        dict(manifest=lambda d, p: _obj(d)["params"].update(units=-3)),
        ModelFileError, "'units' parameter of CharLM must be",
    ),
    "unknown-param": (
        dict(manifest=lambda d, p: _obj(d)["params"].update(colour="red")),
        ModelFileError, "no parameter.*'colour'",
    ),
    "newer-version": (
        dict(manifest=lambda d, p: d.update(format_version=3, new_in_v3={})),
        ModelFileError, "format version 3 .*reads format versions up to 2",
    ),
    # metadata requests go through set_<method>_request, which checks them
    "request-for-a-method-without-requests": (
        dict(manifest=lambda d, p: _obj(d).update(requests={"fit": {"sample_weight": True}})),
        ModelFileError, "no metadata requests for 'fit'; it has them for score",
    ),
    "request-of-an-unknown-parameter": (
        dict(manifest=lambda d, p: _obj(d).update(requests={"score": {"colour": True}})),
        ModelFileError, "bad 'score' request.*colour",
    ),
    "request-of-a-number": (
        dict(manifest=lambda d, p: _obj(d).update(requests={"score": {"sample_weight": 1.5}})),
        ModelFileError, "true, false, null or an alias string",
    ),
    "request-alias-not-an-identifier": (
        dict(manifest=lambda d, p: _obj(d).update(
            requests={"score": {"sample_weight": "a b"}})),
        ModelFileError, "bad 'score' request.*identifier",
    ),
    "requests-empty": (
        dict(manifest=lambda d, p: _obj(d).update(requests=[])),
        ModelFileError, "requests must be a non-empty JSON object",
    ),
    "other-format": (
        dict(manifest=lambda d, p: d.update(format="keras")),
        ModelFileError, "not a seqrnn model file",
    ),
    "missing-weights": (
        dict(members=lambda m, p: m.pop(1)),
        ModelFileError, "lacks member.*'weights.npz'",
    ),
    "missing-manifest": (
        dict(members=lambda m, p: m.pop(0)),
        ModelFileError, "lacks 'manifest.json'",
    ),
    "missing-weight-array": (
        dict(weights=lambda w, p: w.pop()),
        ModelFileError, "lacks or that another network uses",
    ),
    "repeated-weight-name": (
        dict(manifest=lambda d, p: _model(d)["weights"].__setitem__(1, "w0")),
        ModelFileError, "names one weight array twice",
    ),
    "wrong-weight-shape": (
        dict(weights=lambda w, p: w.__setitem__(
            0, ["w0.npy", _npy(np.zeros((2, 2), np.float32))])),
        ModelFileError, "do not fit the network",
    ),
    "npy-header-promises-4-tib": (  # numpy would allocate it before reading
        dict(weights=lambda w, p: w.__setitem__(0, ["w0.npy", _npy_header((2**40,))])),
        ModelFileError, r"declares shape \(1099511627776,\) \(4398046511104 bytes\) but holds 0",
    ),
    "npy-trailing-data": (
        dict(weights=lambda w, p: w.__setitem__(0, ["w0.npy", w[0][1] + bytes(64)])),
        ModelFileError, "but holds",
    ),
    "huge-network": (  # refused before its 10**9-row embedding is allocated
        dict(manifest=lambda d, p: _model(d)["kwargs"].update(n_inputs=10**9, embedding_dim=4096)),
        ModelFileError, "do not fit the network",
    ),
    "unknown-cell": (
        dict(manifest=lambda d, p: _model(d)["kwargs"].update(cell="transformer")),
        ModelFileError, "refused the saved arguments",
    ),
    "not-json": (
        dict(members=lambda m, p: m.__setitem__(0, ["manifest.json", b"{not json"])),
        ModelFileError, "not valid UTF-8 JSON",
    ),
    "nan-constant": (
        dict(members=_replace_in_manifest(b'"format_version": 1', b'"format_version": NaN')),
        ModelFileError, "NaN",
    ),
    "deep-nesting": (
        dict(members=_replace_in_manifest(
            b'"callbacks": null', b'"callbacks": ' + b"[" * 100_000 + b"]" * 100_000)),
        ModelFileError, "too deeply",
    ),
    "array-data-mismatch": (
        dict(manifest=lambda d, p: _obj(d)["state"].update(
            classes_={"$array": {"dtype": "<U1", "shape": [5], "data": [97]}})),
        ModelFileError, "does not match its shape",
    ),
}


@pytest.fixture
def payloads(tmp_path):
    return _Payloads(tmp_path / "code-ran")


def test_payloads_really_run_code(payloads):
    # so that the tests below, which find no marker, prove something
    pickle.loads(payloads.pickle)
    assert payloads.marker.exists()
    payloads.marker.unlink()
    model = keras.saving.deserialize_keras_object(payloads.lambda_config, safe_mode=False)
    model(np.zeros((1, 3), np.float32))
    assert payloads.marker.exists()


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")  # duplicate-member
@pytest.mark.parametrize("name", list(CRAFTED))
def test_crafted_file_is_refused_and_runs_nothing(name, lm_file, tmp_path, payloads):
    edits, error, match = CRAFTED[name]
    path = _craft(lm_file, tmp_path / f"{name}.seqrnn", payloads, **edits)
    with pytest.raises(error, match=match):
        load(path)
    assert not payloads.marker.exists()


def test_files_that_are_not_model_files(tmp_path, payloads):
    joblib.dump(_RunsCode(payloads.marker), tmp_path / "evil.joblib")
    (tmp_path / "empty.seqrnn").write_bytes(b"")
    (tmp_path / "text.seqrnn").write_text("hello")
    for name in ("evil.joblib", "empty.seqrnn", "text.seqrnn"):
        with pytest.raises(ModelFileError, match="not a seqrnn model file"):
            load(tmp_path / name)
    assert not payloads.marker.exists()
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.seqrnn")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_devices_are_refused_unread(monkeypatch):
    # zipfile would read /dev/zero to its end: until memory runs out
    def read_nothing(*args, **kwargs):
        raise AssertionError("load read a device")

    monkeypatch.setattr(zipfile, "ZipFile", read_nothing)
    with pytest.raises(ModelFileError, match="'/dev/zero' is not a regular file"):
        load("/dev/zero")
    with open("/dev/zero", "rb") as fh, pytest.raises(ModelFileError, match="not a regular file"):
        load(fh)


def test_truncated_files(lm_file):
    data = lm_file.read_bytes()
    for size in (1, 4, 30, 100, len(data) // 2, len(data) - 22, len(data) - 1):
        with pytest.raises(ModelFileError, match="not a seqrnn model file|damaged|truncated"):
            load(io.BytesIO(data[:size]))


def test_corrupted_files_fail_clearly_or_load_intact(lm_file, fitted_lm):
    data = lm_file.read_bytes()
    expected = fitted_lm.predict_proba(DOCS[:1])
    outcomes = set()
    for position in np.linspace(0, len(data) - 1, 25).astype(int):
        damaged = bytearray(data)
        damaged[position] ^= 0xFF
        try:
            restored = load(io.BytesIO(bytes(damaged)))
        except ModelFileError:
            outcomes.add("refused")
        else:  # a byte the format does not read (a timestamp, say)
            np.testing.assert_array_equal(restored.predict_proba(DOCS[:1]), expected)
            outcomes.add("intact")
    assert "refused" in outcomes


def test_size_caps(lm_file, monkeypatch):
    monkeypatch.setattr(persistence, "MAX_MANIFEST_BYTES", 100)
    with pytest.raises(ModelFileError, match="'manifest.json' holds .* over the cap of 100"):
        load(lm_file)
    monkeypatch.undo()
    monkeypatch.setattr(persistence, "MAX_WEIGHTS_BYTES", 1000)
    with pytest.raises(ModelFileError, match="over the cap of 1000|more than 1000"):
        load(lm_file)
    monkeypatch.undo()
    monkeypatch.setattr(persistence, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(ModelFileError, match="more than 1000 bytes"):
        load(lm_file)


@pytest.mark.parametrize("name", ["model__", "fit__epochs_", "predict__x_"])
def test_routed_parameters_that_get_params_would_hide_are_refused(name, tmp_path, payloads):
    base = tmp_path / "regressor.seqrnn"
    save(seqrnn.RNNSequenceRegressor(model__units=4), base)
    path = _craft(base, tmp_path / "hidden.seqrnn", payloads,
                  manifest=lambda d, p: _obj(d)["params"].update({name: 1}))
    with pytest.raises(ModelFileError, match=f"no parameter.*'{name}'"):
        load(path)


@pytest.mark.parametrize("edit", [
    lambda d, p: _obj(d)["params"].update(units="x" * 2**20),
    lambda d, p: _obj(d)["params"].update({f"p{i}": 0 for i in range(10_000)}),
    lambda d, p: _obj(d)["params"].update(callbacks=[[]] * 100_000),
    lambda d, p: _model(d)["kwargs"].update(cell="x" * 2**20),
    lambda d, p: d.update(format_version=3, seqrnn_version="x" * 2**20),
    lambda d, p: d.update({"x" * 2**20: 1}),
    lambda d, p: _obj(d)["params"].update(units={"$" + "x" * 2**20: 1}),
    lambda d, p: _obj(d)["state"].update(
        classes_={"$array": {"dtype": "x" * 2**20, "shape": [], "data": []}}),
])
def test_a_refusal_quotes_the_file_briefly(edit, lm_file, tmp_path, payloads):
    path = _craft(lm_file, tmp_path / "long.seqrnn", payloads, manifest=edit)
    with pytest.raises(ModelFileError) as info:
        load(path)
    assert len(str(info.value)) < 1000


def _array(shape, value=0.0, dtype="<f8"):
    """A manifest ``$array`` of ``shape`` filled with ``value``."""
    size = int(np.prod(shape))
    return {"$array": {"dtype": dtype, "shape": list(shape), "data": [value] * size}}


@pytest.fixture(scope="module")
def state_files(tmp_path_factory, lm_file):
    """Saved files of a fitted estimator of each class with a network, in the
    shapes that stretch the fitted state: covariates and differencing, token
    inputs, a 2-D y."""
    folder = tmp_path_factory.mktemp("state")
    small = dict(units=4, epochs=1, random_state=0)
    series = np.c_[np.sin(np.arange(30) / 3), np.cos(np.arange(30) / 4)]
    fitted = {
        "forecaster": seqrnn.RNNForecaster(**small, seq_length=8, differencing=1).fit([series]),
        "classifier": RNNSequenceClassifier(**small).fit(
            np.sin(np.arange(60.0)).reshape(10, 6), np.array(["a", "b"] * 5)),
        "tokens": RNNSequenceClassifier(**small, input_type="tokens").fit(
            np.arange(60).reshape(10, 6) % 7, np.arange(10) % 3),
        "regressor": seqrnn.RNNSequenceRegressor(**small).fit(
            np.sin(np.arange(60.0)).reshape(10, 6), np.arange(20.0).reshape(10, 2)),
    }
    files = {"lm": lm_file}
    for name, est in fitted.items():
        save(est, folder / f"{name}.seqrnn")
        files[name] = folder / f"{name}.seqrnn"
    return files


#: name -> (base file, fitted attributes set in the manifest, message pattern).
#: Each value is one ``fit`` never makes: a number as an array that broadcasts
#: every row of the data into thousands of copies (a file of a few KB asking
#: predict for gigabytes), or a size the saved network does not have (a
#: predict of the wrong shape, or token ids the embedding lacks).
CRAFTED_STATE = {
    "lm-probability-as-array": (
        "lm", {"unknown_probability_": _array((1000, 1, 1, 1), 0.01)},
        (r"'unknown_probability_' must be a number, not an array; found an array of "
         r"shape \(1000, 1, 1, 1\)"),
    ),
    "lm-more-classes-than-outputs": (
        "lm", {"classes_": _array((40,), 97, "<U1")},
        (r"'classes_' must be a 1-D array of length \d+, as the saved network has; "
         r"found an array of shape \(40,\)"),
    ),
    "forecaster-mean-and-scale-broadcast": (  # predict: (3000, 3000, n_steps) floats
        "forecaster",
        {"target_mean_": _array((3000, 1, 1)), "target_scale_": _array((3000, 1), 1.0)},
        r"'target_mean_' must be a number, not an array",
    ),
    "forecaster-level-as-array": (
        "forecaster", {"level_scale_": _array((100, 1), 1.0)},
        r"'level_scale_' must be a number or None",
    ),
    "forecaster-calibration-as-array": (
        "forecaster", {"scale_calibration_": _array((100, 1), 1.0)},
        r"'scale_calibration_' must be a number",
    ),
    "forecaster-huge-n-features": (  # sample: an input of 10**12 floats per step
        "forecaster", {"n_features_in_": 10**12},
        r"'n_features_in_' must be 2, as the saved network has; found int 1000000000000",
    ),
    "forecaster-covariate-mean-2d": (
        "forecaster", {"covariate_mean_": _array((100, 1))},
        r"'covariate_mean_' must be a 1-D numeric array of length 1",
    ),
    "classifier-input-mean-broadcast": (
        "classifier", {"input_mean_": _array((1000, 1, 1, 1))},
        r"'input_mean_' must be a 1-D numeric array of length 1.*shape \(1000, 1, 1, 1\)",
    ),
    "classifier-input-scale-of-str": (
        "classifier", {"input_scale_": _array((1,), 97, "<U1")},
        r"'input_scale_' must be a 1-D numeric array of length 1.*dtype <U1",
    ),
    "classifier-classes-2d": (  # predict would return (n_rows, 3) labels
        "classifier", {"classes_": _array((2, 3), 97, "<U1")},
        r"'classes_' must be a 1-D array of length 2.*shape \(2, 3\)",
    ),
    "classifier-unknown-input-type": (
        "classifier", {"input_type_": "images"},
        r"'input_type_' must be one of 'numeric', 'tokens'; found str 'images'",
    ),
    "tokens-vocabulary-beyond-embedding": (
        "tokens", {"vocabulary_": _array((50,), 0, "<i8")},
        r"'vocabulary_' must be a 1-D array of length 7.*shape \(50,\)",
    ),
    "regressor-scale-broadcast": (  # predict would return (300, n_rows, 2)
        "regressor", {"target_scale_": _array((300, 1, 1), 1.0)},
        r"'target_scale_' must be a 1-D numeric array of length 2",
    ),
    "regressor-outputs": (
        "regressor", {"n_outputs_": 10**12}, r"'n_outputs_' must be 2",
    ),
    "regressor-1d-target-of-two-outputs": (  # predict would drop the second output
        "regressor", {"_target_ndim": 1}, r"'_target_ndim' must be one of 2; found int 1",
    ),
}


@pytest.mark.parametrize("name", list(CRAFTED_STATE))
def test_fitted_state_that_does_not_fit_the_network_is_refused(
    name, state_files, tmp_path, payloads
):
    base, state, match = CRAFTED_STATE[name]
    assert load(state_files[base]) is not None  # as saved, it loads
    path = _craft(state_files[base], tmp_path / f"{name}.seqrnn", payloads,
                  manifest=lambda d, p: _obj(d)["state"].update(state))
    with pytest.raises(ModelFileError, match=match):
        load(path)


def test_fitted_state_checks_keep_what_fit_makes(state_files):
    forecaster = load(state_files["forecaster"])
    assert forecaster.n_features_in_ == 2 and forecaster.level_mean_ is not None
    assert forecaster.predict([np.ones((5, 2))]).shape == (1,)
    assert load(state_files["regressor"]).predict(np.ones((3, 6))).shape == (3, 2)
    tokens = load(state_files["tokens"])
    assert tokens.predict(np.arange(12).reshape(2, 6) % 7).shape == (2,)


def test_estimators_per_file_are_capped(monkeypatch):
    # each network takes ~0.1 s to rebuild: thousands would keep load busy
    pipe = Pipeline([(f"v{i}", CharSequenceVectorizer()) for i in range(3)])
    buffer = io.BytesIO()
    save(pipe, buffer)
    monkeypatch.setattr(persistence, "MAX_ESTIMATORS", 4)
    assert len(load(io.BytesIO(buffer.getvalue())).steps) == 3
    monkeypatch.setattr(persistence, "MAX_ESTIMATORS", 3)
    with pytest.raises(ModelFileError, match="holds more than 3 estimators"):
        load(io.BytesIO(buffer.getvalue()))
    with pytest.raises(ValueError, match="writes at most 3 estimators; Pipeline has more"):
        save(pipe, io.BytesIO())


def test_zip_bombs_are_refused_before_inflating(lm_file):
    members = dict(_read(lm_file))
    data = json.loads(members["manifest.json"])
    rows = 2**18  # an embedding of 4 MiB of zeros deflates to 4 KiB
    _model(data)["kwargs"]["n_inputs"] = rows
    arrays = _read(io.BytesIO(members["weights.npz"]))
    arrays[0][1] = _npy(np.zeros((rows, TINY["embedding_dim"]), np.float32))
    json_bomb = b'"callbacks":[' + b"[]," * 2**20 + b'[]]'  # 3 MiB of lists
    bombs = {
        "weights.npz": [["manifest.json", json.dumps(data).encode()], ["weights.npz", _zip(arrays)]],
        "manifest.json": [
            ["manifest.json", members["manifest.json"].replace(b'"callbacks":null', json_bomb)],
            ["weights.npz", members["weights.npz"]],
        ],
    }
    for member, listing in bombs.items():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in listing:
                archive.writestr(name, content)
        with pytest.raises(ModelFileError, match=rf"'{member}' would expand \d+ times"):
            load(io.BytesIO(buffer.getvalue()))
        # a central directory that claims ten times the compressed size
        raw = bytearray(buffer.getvalue())
        entry = next(  # the member's central directory header
            i for i in range(len(raw) - 4, -1, -1)
            if raw[i:i + 4] == b"PK\x01\x02" and raw[i + 46:].startswith(member.encode())
        )
        size = struct.unpack_from("<L", raw, entry + 24)[0]  # uncompressed
        struct.pack_into("<L", raw, entry + 20, size // 10)
        with pytest.raises(ModelFileError, match=rf"'{member}' claims \d+ compressed bytes"):
            load(io.BytesIO(bytes(raw)))


# --------------------------------------------------- fresh process, randomness
@pytest.mark.parametrize("case", ESTIMATOR_CASES, ids=lambda case: case.name)
def test_fit_leaves_global_random_state_alone(case, all_fitted):
    _, (np_before, py_before), (np_after, py_after) = all_fitted[case.name]
    assert np_before[0] == np_after[0] and np.array_equal(np_before[1], np_after[1])
    assert np_before[2:] == np_after[2:]
    assert py_before == py_after


_FRESH_PROCESS = textwrap.dedent(
    """
    import pickle, sys
    import joblib
    sys.path.insert(0, {tests!r})
    import test_persistence as t
    from seqrnn.persistence import load

    with open({job!r}, "rb") as fh:  # written by the test itself
        job = pickle.load(fh)
    readers = {{"pickle": lambda p: pickle.load(open(p, "rb")), "joblib": joblib.load,
               "safe": load}}
    results = {{}}
    for key, (reader, path, name) in job["files"].items():
        X, y = (t.DOCS, None) if name == "search" else (t.CASES[name].X, t.CASES[name].y)
        results[key] = t.outputs(readers[reader](path), X, y)
    for name in t.CASES:  # fitted again: the same random_state, another process
        case = t.CASES[name]
        results[("refit", name)] = t.outputs(t.fit_case(case), case.X, case.y)
    with open({out!r}, "wb") as fh:
        pickle.dump(results, fh)
    """
)


def test_round_trips_and_fits_are_identical_in_a_fresh_process(all_fitted, search, tmp_path):
    """Every case, fitted and not, through pickle, joblib and the safe format,
    a fitted GridSearchCV through pickle and joblib, and every case fitted
    anew from the same random_state: all identical in a fresh process (one
    process for all, so that TensorFlow starts once)."""
    objects = {name: (est, CASES[name].make()) for name, (est, _, _) in all_fitted.items()}
    objects["search"] = (search, None)
    files, expected = {}, {}
    for name, (fitted_obj, unfitted_obj) in objects.items():
        X, y = (DOCS, None) if name == "search" else (CASES[name].X, CASES[name].y)
        for state, obj in (("fitted", fitted_obj), ("unfitted", unfitted_obj)):
            for reader in ("pickle", "joblib", "safe"):
                if obj is None or (reader == "safe" and name == "search"):
                    continue
                path = tmp_path / f"{len(files)}.{reader}"
                if reader == "safe":
                    save(obj, path)
                elif reader == "joblib":
                    joblib.dump(obj, path)
                else:
                    path.write_bytes(pickle.dumps(obj))
                files[(name, state, reader)] = (reader, str(path), name)
                expected[(name, state, reader)] = outputs(obj, X, y)
    for name, (est, _, _) in all_fitted.items():
        expected[("refit", name)] = outputs(est, CASES[name].X, CASES[name].y)
    (tmp_path / "job.pkl").write_bytes(pickle.dumps({"files": files}))
    script = _FRESH_PROCESS.format(
        tests=str(pathlib.Path(__file__).parent), job=str(tmp_path / "job.pkl"),
        out=str(tmp_path / "out.pkl"),
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    results = pickle.loads((tmp_path / "out.pkl").read_bytes())
    assert results.keys() == expected.keys()
    for key in expected:
        assert_same(results[key], expected[key])
