"""Hostile input to every public method of the text path.

Wrong types, shapes and dimensions, empty input, NaN / inf, huge values,
Unicode edge cases (combining marks, emoji, NUL, lone surrogates) and
negative / zero / non-integer parameters. Invalid input raises a
``ValueError`` or ``TypeError`` whose message names the argument; valid but
awkward input works. Either way a fitted estimator is left exactly as it was:
same parameters, fitted attributes, weights and predictions.
(``tests/test_language_model.py`` holds the first few such cases for
``CharLM.fit`` and ``CharLM.sample``; these extend them.)
"""

import copy
import io

import keras
import numpy as np
import pytest
import scipy.sparse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline

from seqrnn import CharLM, CharSequenceVectorizer, generate, make_next_char_dataset

DOCS = [
    "to be, or not to be, that is the question.",
    "whether 'tis nobler in the mind to suffer",
    "the slings and arrows of outrageous fortune,",
]
REFERENCE = ["to be or", "the question", ""]
#: Characters that stress text handling: a combining acute accent, an emoji,
#: a zero-width-joiner sequence, NUL, lone surrogates (high, low), right-to-
#: left text, a BOM and the replacement character.
AWKWARD = ["e\u0301", "\U0001f44d", "\U0001f469\u200d\U0001f4bb", "\x00", "\ud800",
           "\udfff", "\u05e9\u05dc\u05d5\u05dd", "\ufeff", "\ufffd"]
HYPOTHESIS = settings(max_examples=30, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


def tiny(**params):
    return CharLM(**{**dict(units=6, embedding_dim=4, epochs=1, seq_length=16,
                            batch_size=4, random_state=0), **params})


@pytest.fixture(scope="module")
def lm():
    return tiny().fit(DOCS)


@pytest.fixture(scope="module")
def vec():
    return CharSequenceVectorizer(min_frequency=2).fit(DOCS)


def lm_state(lm):
    """Everything that makes up a fitted CharLM, and what it predicts."""
    return {
        "params": repr(lm.get_params()),
        "classes_": lm.classes_.copy(),
        "history_": copy.deepcopy(lm.history_),
        "n_epochs_": lm.n_epochs_,
        "unknown_probability_": lm.unknown_probability_,
        "build": dict(lm._build_kwargs),
        "model": id(lm.model_),
        "weights": [w.copy() for w in lm.model_.get_weights()],
        "proba": lm.predict_proba(REFERENCE),
    }


def vec_state(vec):
    return {
        "params": repr(vec.get_params()),
        "vocabulary_": vec.vocabulary_.copy(),
        "char_counts_": dict(vec.char_counts_),
        "transform": vec.transform(REFERENCE + AWKWARD),
    }


def assert_same_state(after, before):
    assert after.keys() == before.keys()
    for key, value in before.items():
        if isinstance(value, np.ndarray):
            assert after[key].dtype == value.dtype
            np.testing.assert_array_equal(after[key], value, err_msg=key)
        elif key == "weights":
            for a, b in zip(after[key], value, strict=True):
                np.testing.assert_array_equal(a, b)
        else:
            assert after[key] == value, key


def with_params(est, params, call):
    """Call ``call(est)`` with ``params`` set, then restore the old ones."""
    old = {key: getattr(est, key) for key in params}
    est.set_params(**params)
    try:
        return call(est)
    finally:
        est.set_params(**old)


# ------------------------------------------------------------------ CharLM
LM_REJECTED = {
    # fit: X of the wrong type, shape or content
    "fit-None": (lambda lm: lm.fit(None), TypeError, "X to be an iterable.*NoneType"),
    "fit-int": (lambda lm: lm.fit(42), TypeError, "X to be an iterable.*int"),
    "fit-bytes-row": (lambda lm: lm.fit([b"to be"]), TypeError, "row 0 is bytes"),
    "fit-dict-row": (lambda lm: lm.fit(["ok", {"a": 1}]), TypeError, "row 1 is dict"),
    "fit-nested-row": (lambda lm: lm.fit([[[1, 2]]]), TypeError, "row 0 is list"),
    "fit-inf": (lambda lm: lm.fit(np.array([[1.0, np.inf]])), ValueError, "infinity.* in X"),
    "fit-nan-ragged": (lambda lm: lm.fit([np.array([1.0, np.nan])]), ValueError,
                       r"NaN .* in X \(row 0\)"),
    "fit-complex": (lambda lm: lm.fit(np.array([[1 + 2j]])), ValueError, "complex values in X"),
    "fit-no-columns": (lambda lm: lm.fit(np.zeros((3, 0))), ValueError,
                       "every row of X is an empty sequence"),
    "fit-1d-numeric": (lambda lm: lm.fit(np.arange(5)), ValueError, "X as a 2-D array.*1-D"),
    "fit-3d-str": (lambda lm: lm.fit(np.full((2, 2, 2), "a")), ValueError, "3-D array"),
    "fit-sparse": (lambda lm: lm.fit(scipy.sparse.csr_matrix(np.eye(3))), TypeError,
                   "sparse matrix as X"),
    # predict, predict_proba, score, score_samples
    "predict-str": (lambda lm: lm.predict("to be"), TypeError, r"X .*\[text\]"),
    "predict_proba-bytes": (lambda lm: lm.predict_proba(b"to be"), TypeError, "single bytes"),
    "predict-bool": (lambda lm: lm.predict(True), TypeError, "X to be an iterable.*bool"),
    "predict-3d": (lambda lm: lm.predict(np.zeros((2, 2, 2))), ValueError, "X as a 2-D.*3-D"),
    "predict-unhashable": (lambda lm: lm.predict([[{"a": 1}]]), TypeError,
                           "hashable symbols.*row 0 of X"),
    "predict_proba-bad-row": (lambda lm: lm.predict_proba([["a", "b"], 5]), TypeError,
                              "row 1 is int"),
    "score_samples-empty": (lambda lm: lm.score_samples([]), ValueError,
                            "at least one row in X"),
    "score-empty-rows": (lambda lm: lm.score(["", ""]), ValueError, "at least one element in X"),
    "score-nan": (lambda lm: lm.score(np.array([[np.nan, 1.0]])), ValueError, "NaN.* in X"),
    "score_samples-complex": (lambda lm: lm.score_samples(np.array([[1j]])), ValueError,
                              "complex values in X"),
    "predict-sparse": (lambda lm: lm.predict(scipy.sparse.csr_matrix((2, 2))), TypeError,
                       "sparse matrix as X"),
    # sample
    "sample-n_steps-negative": (lambda lm: lm.sample(-5), ValueError, "'n_steps'.*-5"),
    "sample-n_steps-str": (lambda lm: lm.sample("10"), ValueError, "'n_steps'.*'10'"),
    "sample-n_steps-None": (lambda lm: lm.sample(None), ValueError, "'n_steps'.*None"),
    "sample-n_steps-bool": (lambda lm: lm.sample(True), ValueError, "'n_steps'.*True"),
    "sample-temperature-inf": (lambda lm: lm.sample(5, temperature=np.inf), ValueError,
                               "'temperature'.*inf"),
    "sample-temperature-str": (lambda lm: lm.sample(5, temperature="hot"), ValueError,
                               "'temperature'.*'hot'"),
    "sample-top_k-float": (lambda lm: lm.sample(5, top_k=2.5), ValueError, "'top_k'.*2.5"),
    "sample-top_k-negative": (lambda lm: lm.sample(5, top_k=-1), ValueError, "'top_k'.*-1"),
    "sample-top_p-nan": (lambda lm: lm.sample(5, top_p=np.nan), ValueError, "'top_p'.*nan"),
    "sample-top_p-str": (lambda lm: lm.sample(5, top_p="0.9"), ValueError, "'top_p'.*'0.9'"),
    "sample-n_samples-float": (lambda lm: lm.sample(5, n_samples=2.5), ValueError,
                               "'n_samples'.*2.5"),
    "sample-n_samples-negative": (lambda lm: lm.sample(5, n_samples=-3), ValueError,
                                  "'n_samples'.*-3"),
    "sample-context-int": (lambda lm: lm.sample(5, context=5), TypeError, "'context'.*int"),
    "sample-context-dict": (lambda lm: lm.sample(5, context={"a": 1}), TypeError,
                            "'context'.*dict"),
    "sample-context-2d": (lambda lm: lm.sample(5, context=np.zeros((2, 2))), TypeError,
                          "'context'.*1-D"),
    "sample-context-unseen": (lambda lm: lm.sample(5, context="\x00\ud800\U0001f44d"),
                              ValueError, "'context'.*never seen"),
    "sample-random_state-str": (lambda lm: lm.sample(5, random_state="seed"), ValueError,
                                "random_state.*'seed'"),
    "sample-random_state-negative": (lambda lm: lm.sample(5, random_state=-1), ValueError,
                                     "random_state must be None, a non-negative int.*-1"),
    "sample-random_state-float": (lambda lm: lm.sample(5, random_state=1.5), ValueError,
                                  "random_state.*1.5"),
    # generate
    "generate-no-sample": (lambda lm: generate(object(), 5), TypeError, "no 'sample' method"),
    "generate-n_steps": (lambda lm: generate(lm, 0), ValueError, "'n_steps'"),
    "generate-unknown-keyword": (lambda lm: generate(lm, 5, temprature=0.5), TypeError,
                                 "temprature"),
    "generate-pipeline-context": (
        lambda lm: generate(Pipeline([("vec", CharSequenceVectorizer().fit(DOCS)), ("lm", lm)]),
                            5, context=123),
        TypeError, "document 0 is int"),
}


@pytest.mark.parametrize("name", list(LM_REJECTED))
def test_charlm_rejects_hostile_input_and_stays_intact(lm, name):
    call, error, match = LM_REJECTED[name]
    before = lm_state(lm)
    with pytest.raises(error, match=match):
        call(lm)
    assert_same_state(lm_state(lm), before)


LM_BAD_PARAMS = [
    ("units", 0), ("units", 2.5), ("units", ()), ("units", "8"), ("units", (4, -1)),
    ("embedding_dim", 0), ("embedding_dim", 1.5), ("epochs", 0), ("epochs", -1),
    ("batch_size", 0), ("seq_length", -1), ("learning_rate", 0.0),
    ("learning_rate", float("nan")), ("learning_rate", float("inf")), ("clipnorm", 0.0),
    ("clipnorm", -1.0), ("dropout", -0.1), ("recurrent_dropout", 1.0),
    ("validation_fraction", 0.0), ("validation_fraction", 1.0), ("n_iter_no_change", 0),
    ("cell", "LSTM"), ("cell", None), ("warm_start", "yes"), ("random_state", -1),
    ("random_state", 1.5), ("random_state", "seed"), ("verbose", -1), ("callbacks", "early"),
]


@pytest.mark.parametrize("param, value", LM_BAD_PARAMS, ids=repr)
def test_charlm_rejects_bad_parameters_before_changing_anything(lm, param, value):
    before = lm_state(lm)
    new_docs = ["entirely new vocabulary: XYZ 123"]  # would change classes_
    with pytest.raises((ValueError, TypeError), match=f"'{param}' parameter of CharLM"):
        with_params(lm, {param: value}, lambda est: est.fit(new_docs))
    assert_same_state(lm_state(lm), before)


class _Explode(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        raise RuntimeError("disk full")


def test_failure_before_training_ends_leaves_fitted_state_intact(lm):
    # new symbols would change classes_; the error comes after they are known
    before = lm_state(lm)
    with pytest.raises(RuntimeError, match="disk full"):
        with_params(lm, {"callbacks": [_Explode()]}, lambda est: est.fit(["XYZ xyz 123"]))
    assert_same_state(lm_state(lm), before)


@pytest.mark.parametrize("text", AWKWARD + ["".join(AWKWARD), "x" * 20_000])
def test_charlm_takes_awkward_text_as_unknown_symbols(lm, text):
    before = lm_state(lm)
    rows = [text, "to be " + text]
    proba = lm.predict_proba(rows)
    assert proba.shape == (2, len(lm.classes_)) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(lm.predict(rows)) <= set(lm.classes_)
    assert np.isfinite(lm.score_samples(rows)).all()
    sample = lm.sample(8, context="to " + text[:50], random_state=0)
    assert len(sample) == 8 and set(sample) <= set(lm.classes_)
    assert_same_state(lm_state(lm), before)


def test_charlm_takes_huge_but_valid_values(lm):
    before = lm_state(lm)
    extremes = np.array([[1e308, -1e308, 5e-324], [np.iinfo(np.int64).max, 0, -1]], float)
    assert np.isfinite(lm.predict_proba(extremes)).all()
    assert len(lm.sample(5, top_k=10**9, random_state=0)) == 5
    assert_same_state(lm_state(lm), before)


def test_huge_seq_length_trains_like_the_longest_row():
    # chunks are never longer than the longest row, so no 10**12-step padding
    longest = max(map(len, DOCS[:2]))
    huge = tiny(seq_length=10**12).fit(DOCS[:2])
    exact = tiny(seq_length=longest).fit(DOCS[:2])
    np.testing.assert_array_equal(huge.predict_proba(REFERENCE), exact.predict_proba(REFERENCE))


def test_every_method_refuses_before_fit():
    unfitted = tiny()
    for call in (lambda: unfitted.predict(DOCS), lambda: unfitted.predict_proba(DOCS),
                 lambda: unfitted.score(DOCS), lambda: unfitted.score_samples(DOCS),
                 lambda: unfitted.sample(5), lambda: generate(unfitted, 5)):
        with pytest.raises(NotFittedError):
            call()
    with pytest.raises(NotFittedError):
        generate(Pipeline([("vec", CharSequenceVectorizer()), ("lm", tiny())]), 5, context="a")


# ------------------------------------------------- CharSequenceVectorizer
#: Any code point, lone surrogates and NUL included.
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)


@HYPOTHESIS
@given(docs=st.lists(any_text, min_size=1, max_size=5))
def test_vectorizer_transforms_any_text_and_stays_intact(vec, docs):
    before = vec_state(vec)
    out = vec.transform(docs)
    assert len(out) == len(docs) and all(type(row) is str for row in out)
    allowed = set(vec.vocabulary_.tolist()) | {vec.rare_char}
    assert all(set(row) <= allowed for row in out)
    assert_same_state(vec_state(vec), before)


@HYPOTHESIS
@given(docs=st.lists(any_text, min_size=1, max_size=5),
       min_frequency=st.one_of(st.integers(1, 4), st.floats(0.001, 0.5)))
def test_vectorizer_fits_any_text(docs, min_frequency):
    vectorizer = CharSequenceVectorizer(min_frequency=min_frequency)
    out = vectorizer.fit_transform(docs)
    assert len(out) == len(docs)
    # (code points: NumPy shows a NUL element of vocabulary_ as '')
    vocabulary = set(map(chr, vectorizer.vocabulary_.view(np.uint32)))
    assert all(set(row) <= vocabulary | {"\ufffd"} for row in out)
    assert out == vectorizer.transform(docs)


not_a_document = st.one_of(
    st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.none(), st.binary(),
    st.lists(st.text(max_size=3), max_size=2), st.just(np.nan), st.just(b"\xff\x00"),
)


@HYPOTHESIS
@given(bad=not_a_document, position=st.integers(0, 2),
       method=st.sampled_from(["fit", "transform", "fit_transform"]))
def test_vectorizer_rejects_non_str_documents_and_stays_intact(vec, bad, position, method):
    docs = ["one", "two"]
    docs.insert(position, bad)
    before = vec_state(vec)
    with pytest.raises(TypeError, match=f"document {position} is"):
        getattr(vec, method)(docs)
    assert_same_state(vec_state(vec), before)


bad_min_frequency = st.one_of(
    st.integers(max_value=0),
    st.floats(allow_nan=True).filter(lambda f: not 0 < f < 1),
    st.just("0.5"), st.none(),
)


@HYPOTHESIS
@given(params=st.one_of(
    st.fixed_dictionaries({"min_frequency": bad_min_frequency}),
    st.fixed_dictionaries({"rare_char": st.one_of(
        any_text.filter(lambda s: len(s) != 1), st.none(), st.just(b"?"))}),
    st.fixed_dictionaries({"encoding": st.one_of(
        st.text("!#$%&*+/:;<=>?@~ ", min_size=1, max_size=8), st.none(),
        st.sampled_from(["", "rot13", "base64", "../../etc/passwd", "utf-8\x00"]))}),
    st.fixed_dictionaries({"input": st.sampled_from(["url", "CONTENT", "", None])}),
    st.fixed_dictionaries({"decode_error": st.sampled_from(["fail", "Strict", None])}),
    st.fixed_dictionaries({"normalization": st.sampled_from(["NFX", "nfc", ""])}),
    st.fixed_dictionaries({"strip_accents": st.sampled_from(["all", True, ""])}),
    st.fixed_dictionaries({"lowercase": st.sampled_from(["yes", None, 2])}),
))
def test_vectorizer_rejects_bad_parameters_and_stays_intact(vec, params):
    before = vec_state(vec)
    (name,) = params
    with pytest.raises((ValueError, TypeError),
                       match=f"'{name}' parameter of CharSequenceVectorizer"):
        with_params(vec, params, lambda est: est.fit(["new text, new chars: XYZ"]))
    assert_same_state(vec_state(vec), before)


VEC_REJECTED = {
    "bare-str": (lambda v: v.transform("To be"), TypeError, r"X .*\[text\]"),
    "bare-bytes": (lambda v: v.fit(b"To be"), TypeError, "single bytes"),
    "None": (lambda v: v.transform(None), TypeError, "X to be an iterable.*NoneType"),
    "int": (lambda v: v.fit_transform(42), TypeError, "X to be an iterable.*int"),
    "empty": (lambda v: v.transform([]), ValueError, "at least one document in X"),
    "2-d-array": (lambda v: v.transform(np.array([["a", "b"]])), TypeError,
                  "document 0 is ndarray"),
    "generator-of-ints": (lambda v: v.transform(i for i in range(3)), TypeError,
                          "document 0 is int"),
    "filename-not-path": (
        lambda v: with_params(v, {"input": "filename"}, lambda e: e.transform([3.5])),
        TypeError, "element 0 is float"),
    "filename-missing": (
        lambda v: with_params(v, {"input": "filename"},
                              lambda e: e.transform(["/no/such/seqrnn/file.txt"])),
        FileNotFoundError, "/no/such/seqrnn/file.txt"),
    "file-without-read": (
        lambda v: with_params(v, {"input": "file"}, lambda e: e.fit([object()])),
        TypeError, "element 0 is object"),
    "file-reads-int": (
        lambda v: with_params(v, {"input": "file"},
                              lambda e: e.fit([type("F", (), {"read": lambda self: 5})()])),
        TypeError, "read as str or bytes; got int"),
    "file-bad-utf8": (
        lambda v: with_params(v, {"input": "file"},
                              lambda e: e.fit([io.BytesIO(b"ok"), io.BytesIO(b"\xff\xfe\xfa")])),
        ValueError, "could not decode document 1.*encoding"),
    "decode-int": (lambda v: v.decode(5), TypeError, "read as str or bytes; got int"),
}


@pytest.mark.parametrize("name", list(VEC_REJECTED))
def test_vectorizer_rejects_hostile_input_and_stays_intact(vec, name):
    call, error, match = VEC_REJECTED[name]
    before = vec_state(vec)
    with pytest.raises(error, match=match):
        call(vec)
    assert_same_state(vec_state(vec), before)


def test_vectorizer_refuses_transform_before_fit():
    with pytest.raises(NotFittedError):
        clone(CharSequenceVectorizer()).transform(["text"])


# -------------------------------------------------- make_next_char_dataset
MAKE_REJECTED = {
    "text-None": (dict(text=None), TypeError, "text to be an iterable.*NoneType"),
    "text-int": (dict(text=5), TypeError, "text to be an iterable.*int"),
    "text-bytes": (dict(text=b"abcdef"), TypeError, "single bytes"),
    "text-empty-list": (dict(text=[]), ValueError, "at least one document in text"),
    "text-bad-document": (dict(text=["abcdef", 3]), TypeError, "document 1 is int"),
    "text-too-short": (dict(text="abc", seq_length=3), ValueError, "seq_length \\+ 1 = 4"),
    "text-nul": (dict(text="ab\x00cdef", seq_length=2), ValueError, "NUL"),
    "seq_length-zero": (dict(text="abcdef", seq_length=0), ValueError, "'seq_length'"),
    "seq_length-negative": (dict(text="abcdef", seq_length=-1), ValueError, "'seq_length'"),
    "seq_length-float": (dict(text="abcdef", seq_length=2.5), ValueError, "'seq_length'"),
    "seq_length-str": (dict(text="abcdef", seq_length="3"), ValueError, "'seq_length'"),
    "seq_length-None": (dict(text="abcdef", seq_length=None), ValueError, "'seq_length'"),
    "stride-zero": (dict(text="abcdef", stride=0), ValueError, "'stride'"),
    "stride-float": (dict(text="abcdef", stride=1.5), ValueError, "'stride'"),
    "stride-inf": (dict(text="abcdef", stride=float("inf")), ValueError, "'stride'"),
}


@pytest.mark.parametrize("name", list(MAKE_REJECTED))
def test_make_next_char_dataset_rejects_hostile_input(name):
    kwargs, error, match = MAKE_REJECTED[name]
    with pytest.raises(error, match=match):
        make_next_char_dataset(**kwargs)


@HYPOTHESIS
@given(text=any_text.filter(lambda t: "\x00" not in t), seq_length=st.integers(1, 6),
       stride=st.integers(1, 4))
def test_make_next_char_dataset_windows_any_text_exactly(text, seq_length, stride):
    if len(text) <= seq_length:
        with pytest.raises(ValueError, match="seq_length \\+ 1"):
            make_next_char_dataset(text, seq_length, stride)
        return
    X, y = make_next_char_dataset(text, seq_length, stride)
    starts = range(0, len(text) - seq_length, stride)
    assert X.shape == (len(starts), seq_length) and y.shape == (len(starts),)
    for row, label, start in zip(X, y, starts):
        assert "".join(row) == text[start:start + seq_length]
        assert label == text[start + seq_length]
