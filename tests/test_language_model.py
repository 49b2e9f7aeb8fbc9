"""CharLM through its public API, with tiny models shared by module fixtures."""

import pickle
import random
import subprocess
import sys
import textwrap
import warnings

import keras
import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_predict
from sklearn.pipeline import Pipeline

from seqrnn import CharLM, CharSequenceVectorizer, NonFiniteLossError, generate
from seqrnn import _core

DOCS = [
    "to be, or not to be, that is the question.",
    "whether 'tis nobler in the mind to suffer",
    "the slings and arrows of outrageous fortune,",
    "or to take arms against a sea of troubles",
    "and by opposing end them. to die, to sleep;",
    "no more; and by a sleep to say we end",
]


def tiny(**params):
    defaults = dict(units=8, embedding_dim=4, epochs=2, seq_length=16, batch_size=8, random_state=0)
    return CharLM(**{**defaults, **params})


@pytest.fixture(scope="module")
def lm():
    return tiny(epochs=3, learning_rate=0.01).fit(DOCS)


def test_fit_learns_vocabulary_and_history(lm):
    assert "".join(lm.classes_) == "".join(sorted(set("".join(DOCS))))
    assert lm.n_epochs_ == 3 and lm.n_features_in_ == 1
    assert lm.history_["status"] == ["completed"] * 3
    assert len(lm.history_["loss"]) == 3
    assert lm.history_["loss"][-1] < lm.history_["loss"][0]


def test_predict_one_symbol_per_row(lm):
    pred = lm.predict(["to be or not to b", "", "xyz never seen"])
    assert pred.shape == (3,)
    assert all(p in lm.classes_ for p in pred)
    proba = lm.predict_proba(["to be", "the"])
    assert proba.shape == (2, len(lm.classes_))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (lm.classes_[proba.argmax(axis=1)] == lm.predict(["to be", "the"])).all()


def test_score_is_mean_loglik_per_element(lm):
    per_row = lm.score_samples(DOCS)
    assert per_row.shape == (len(DOCS),) and (per_row < 0).all()
    assert lm.score(DOCS) == pytest.approx(per_row.sum() / sum(map(len, DOCS)))


def test_score_with_sample_weight_counts_rows_as_copies(lm):
    weighted = lm.score(DOCS[:3], sample_weight=[2, 0, 1])
    assert weighted == pytest.approx(lm.score([DOCS[0], DOCS[0], DOCS[2]]))
    with pytest.raises(ValueError, match="positive sample weight"):
        lm.score(["", "ab"], sample_weight=[1, 0])
    with pytest.raises(ValueError, match="Negative values"):
        lm.score(DOCS[:2], sample_weight=[1, -1])


def test_score_matches_chained_next_symbol_probabilities(lm):
    # longer than two inference chunks: the last position of a long row counts too
    doc = " ".join(DOCS)[: 2 * _core.INFERENCE_CHUNK + 10]
    prefixes = [doc[:t] for t in range(len(doc))]
    proba = lm.predict_proba(prefixes)
    index = {c: i for i, c in enumerate(lm.classes_)}
    chained = sum(np.log(proba[t, index[c]]) for t, c in enumerate(doc))
    # known symbols share 1 - unknown_probability_
    chained += len(doc) * np.log1p(-lm.unknown_probability_)
    assert lm.score_samples([doc])[0] == pytest.approx(chained, rel=1e-6)
    unseen = lm.score_samples(["to@"])[0] - lm.score_samples(["to"])[0]
    assert unseen == pytest.approx(np.log(lm.unknown_probability_))


def test_inference_does_not_depend_on_chunking(lm, monkeypatch):
    long_doc = " ".join(DOCS)
    reference = lm.score_samples([long_doc, DOCS[0]])
    monkeypatch.setattr(_core, "INFERENCE_CHUNK", 7)
    np.testing.assert_allclose(lm.score_samples([long_doc, DOCS[0]]), reference, rtol=1e-5)
    # seq_length only shapes training chunks
    assert clone(lm).set_params(seq_length=3).get_params()["seq_length"] == 3
    lm2 = pickle.loads(pickle.dumps(lm)).set_params(seq_length=5)
    np.testing.assert_allclose(lm2.score_samples([long_doc, DOCS[0]]), reference, rtol=1e-5)


def test_padding_never_changes_a_prediction(lm):
    alone = lm.predict_proba(["to b"])
    beside = lm.predict_proba(["to b", " ".join(DOCS) * 3, "x"])
    np.testing.assert_array_equal(alone[0], beside[0])


def test_no_fully_masked_row_reaches_the_network(lm, monkeypatch):
    # Inference runs rows in chunks of time steps, carrying their states. With
    # TensorFlow on a GPU, Keras's cuDNN kernel asserts that every row of the
    # mask has a first True step: rows that have ended (and the filler rows
    # of a batch) get one step whose state is thrown away.
    masks = []
    run = keras.Model.predict_on_batch

    def recording(model, inputs):
        masks.append(np.array(inputs[1]))
        return run(model, inputs)

    docs = ["to b", " ".join(DOCS) * 2, "x" * 70]  # 1, 8 and 2 chunks of 64 steps
    expected = [lm.score_samples([doc])[0] for doc in docs]
    proba = lm.predict_proba(docs[:1])
    monkeypatch.setattr(keras.Model, "predict_on_batch", recording)
    np.testing.assert_array_equal(lm.score_samples(docs), expected)
    np.testing.assert_array_equal(lm.predict_proba(docs)[0], proba[0])
    n_chunks = -(-(len(docs[1]) + 1) // 64)  # the longest row and its start symbol
    assert n_chunks == 8 and len(masks) == 2 * n_chunks
    assert all(mask[:, 0].all() for mask in masks)
    # right-padded, as cuDNN needs: no True after a False
    assert all((np.diff(mask.astype(int), axis=1) <= 0).all() for mask in masks)


def test_unseen_symbols_map_to_unknown(lm):
    assert np.isfinite(lm.score(["qqq zzz 123"]))
    assert lm.predict(["@@@"])[0] in lm.classes_
    assert "@" not in lm.sample(50, context="@to", random_state=0)


def test_context_of_unknown_symbols_refused_in_one_short_sentence(lm):
    with pytest.raises(ValueError, match="only symbols never seen") as info:
        lm.sample(5, context="@" * 5000)
    message = str(info.value)
    assert len(message) < 300 and "5000 symbols" in message
    with pytest.raises(ValueError, match=r"\('@@@', 3 symbols\)"):
        lm.sample(5, context="@@@")


def test_sample_text(lm):
    text = lm.sample(40, context="to be", random_state=1)
    assert isinstance(text, str) and len(text) == 40
    assert set(text) <= set(lm.classes_)
    assert lm.sample(40, context="to be", random_state=1) == text
    many = lm.sample(20, n_samples=5, random_state=2)
    assert isinstance(many, list) and len(many) == 5 and all(len(s) == 20 for s in many)
    assert len(set(many)) > 1
    assert len(lm.sample(1)) == 1


@pytest.mark.parametrize("context", ["to be", " ".join(DOCS)[: 2 * _core.INFERENCE_CHUNK + 5]])
def test_greedy_sampling_follows_predict(lm, context):
    greedy = lm.sample(6, context=context, temperature=0)
    expected = ""
    for _ in range(6):
        expected += lm.predict([context + expected])[0]
    assert greedy == expected
    assert lm.sample(6, context=context, top_k=1, random_state=3) == greedy
    assert lm.sample(6, context=context, top_p=1e-6, random_state=4) == greedy


def test_nul_is_a_character_like_another():
    # NumPy reads a '<U1' NUL back as '': sampled text must keep it all the same
    lm = tiny(epochs=1).fit(["\x00\x00\x00a", "a\x00b"])
    assert len(lm.sample(10, random_state=0)) == 10
    assert len(lm.sample(10, context="\x00", temperature=0)) == 10
    assert "\x00" in "".join(lm.sample(20, n_samples=8, random_state=0))


def test_top_k_restricts_choices(lm):
    context = "to be"
    top2 = set(lm.classes_[np.argsort(lm.predict_proba([context])[0])[-2:]])
    firsts = {s[0] for s in lm.sample(1, context=context, n_samples=64, top_k=2, random_state=0)}
    assert firsts <= top2


def test_huge_temperature_tends_to_uniform_and_tiny_to_greedy(lm):
    """Before, a temperature beyond float32's range (3.4e38) overflowed in a
    cast (a RuntimeWarning), and top_k and top_p were ignored: the tempered
    logits were all 0, so every symbol tied with the k-th."""
    context, n = "to be", 3000
    ranked = lm.classes_[np.argsort(-lm.predict_proba([context])[0], kind="stable")]
    n_classes = len(ranked)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # an overflow in a cast
        for temperature in (1e308, 1e-300):
            firsts = {}
            for kw in ({}, {"top_k": 3}, {"top_p": (n_classes // 3 + 0.5) / n_classes}):
                samples = lm.sample(1, context=context, n_samples=n, temperature=temperature,
                                    random_state=0, **kw)
                firsts[len(kw) and next(iter(kw))] = np.array([s[0] for s in samples])
            if temperature < 1:  # the greedy limit, whatever the restriction
                greedy = lm.sample(1, context=context, temperature=0)
                assert all((f == greedy).all() for f in firsts.values())
                assert lm.sample(20, context=context, temperature=temperature,
                                 random_state=0) == lm.sample(20, context=context, temperature=0)
                continue
            # uniform over every symbol, the top 3, and the top n // 3 + 1
            for key, kept in ((0, ranked), ("top_k", ranked[:3]),
                              ("top_p", ranked[: n_classes // 3 + 1])):
                values, counts = np.unique(firsts[key], return_counts=True)
                assert set(values) == set(kept), key
                expected = n / len(kept)
                assert np.abs(counts - expected).max() < 5 * np.sqrt(expected), key


def test_same_random_state_same_model():
    a = tiny().fit(DOCS[:3]).predict_proba(DOCS[:3])
    b = tiny().fit(DOCS[:3]).predict_proba(DOCS[:3])
    np.testing.assert_array_equal(a, b)
    c = tiny(random_state=1).fit(DOCS[:3]).predict_proba(DOCS[:3])
    assert not np.array_equal(a, c)


def test_fit_leaves_global_random_state_alone():
    np.random.seed(123)
    random.seed(123)
    before_np, before_py = np.random.get_state(), random.getstate()
    backend_state = _backend_random_state()
    tiny(random_state=None, dropout=0.5).fit(DOCS[:2])
    after_np = np.random.get_state()
    assert before_np[0] == after_np[0] and np.array_equal(before_np[1], after_np[1])
    assert random.getstate() == before_py
    assert np.array_equal(_backend_random_state(), backend_state)


def _backend_random_state():
    """The global generator state of the Keras backend, where it has one."""
    if keras.backend.backend() == "torch":
        import torch

        return torch.random.get_rng_state().numpy()
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.random.get_global_generator().state.numpy()
    return np.zeros(0)


def test_sampling_follows_weights_set_after_fit(lm):
    # a compiled sampler is cached; it must read the weights the model has now
    model = pickle.loads(pickle.dumps(lm))
    model.sample(12, context="to be", temperature=0)
    other = tiny(epochs=3, learning_rate=0.01, random_state=1).fit(DOCS)
    model.model_.set_weights(other.model_.get_weights())
    assert model.sample(12, context="to be", temperature=0) == other.sample(
        12, context="to be", temperature=0
    )


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_other_cells_and_stacked_layers(cell):
    lm = tiny(cell=cell, units=(6, 5), epochs=1).fit(DOCS[:2])
    assert [layer.units for layer in _core.rnn_layers(lm.model_)] == [6, 5]
    assert len(lm.sample(10, context="to", random_state=0)) == 10
    assert np.isfinite(lm.score(DOCS[:2]))


def test_a_column_of_text_is_one_document_per_row(lm):
    # a one-column DataFrame of text holds documents, as CharSequenceVectorizer
    # reads it, not one symbol (a whole document) per row
    pd = pytest.importorskip("pandas")
    table = pd.DataFrame({"text": DOCS})
    for X in (table, np.array(DOCS)[:, None]):
        np.testing.assert_array_equal(lm.predict_proba(X), lm.predict_proba(DOCS))
        assert lm.score(X) == lm.score(DOCS)
    model = tiny(epochs=1).fit(table)
    np.testing.assert_array_equal(model.classes_, tiny(epochs=1).fit(DOCS).classes_)


def test_rows_of_symbols():
    X = np.array([[0, 1, 2, 0, 1, 2], [1, 2, 0, 1, 2, 0]])
    lm = tiny(epochs=1).fit(X)
    assert lm.classes_.tolist() == [0, 1, 2]
    assert lm.predict(X).shape == (2,)
    ragged = [np.array([0, 1]), np.array([2, 0, 1, 2, 0])]
    assert lm.predict(ragged).shape == (2,)
    path = lm.sample(7, context=[0, 1], random_state=0)
    assert isinstance(path, np.ndarray) and path.shape == (7,)


def test_validation_and_early_stopping():
    lm = tiny(epochs=6, validation_fraction=0.3, n_iter_no_change=1, learning_rate=0.05).fit(DOCS)
    assert len(lm.history_["val_loss"]) == lm.n_epochs_ <= 6
    # one chunk cannot be split: refused, never silently left unvalidated
    match = "validation_fraction=0.3 needs at least 2 training chunks.*gives 1"
    with pytest.raises(ValueError, match=match):
        tiny(validation_fraction=0.3).fit(["to be"])


def test_warm_start_continues_training():
    lm = tiny(epochs=1, warm_start=True).fit(DOCS)
    weights = lm.model_.get_weights()
    lm.fit(DOCS)
    assert len(lm.history_["loss"]) == 2
    assert any(not np.array_equal(a, b) for a, b in zip(weights, lm.model_.get_weights()))
    # the network cannot change size under a warm start: refused, nothing changes
    before = lm.predict_proba(DOCS[:2])
    with pytest.raises(ValueError, match=r"built with units=8, so units=16 cannot apply"):
        lm.set_params(units=16).fit(DOCS)
    assert len(lm.history_["loss"]) == 2
    np.testing.assert_array_equal(lm.predict_proba(DOCS[:2]), before)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(lm)).predict_proba(DOCS[:2]), before)
    with pytest.raises(ValueError, match="X holds none of them"):
        lm.set_params(units=8).fit(["@@@###"])
    assert len(lm.history_["loss"]) == 2


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
    lm = tiny(epochs=2, batch_size=2, callbacks=[_Poison(at_batch=2)])
    with pytest.raises(NonFiniteLossError, match="learning_rate.*clipnorm"):
        lm.fit(DOCS)
    assert lm.history_["status"][-1] == "nan_loss"
    assert all(np.isfinite(w).all() for w in lm.model_.get_weights())
    assert np.isfinite(lm.score(DOCS))
    assert len(lm.sample(10, random_state=0)) == 10


def test_keyboard_interrupt_keeps_weights_and_reraises():
    lm = tiny(epochs=2, batch_size=2, callbacks=[_Poison(at_batch=1, interrupt=True)])
    with pytest.raises(KeyboardInterrupt):
        lm.fit(DOCS)
    assert lm.history_["status"] == ["interrupted"]
    assert lm.predict(["to b"]).shape == (1,)


class _StopAfterEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt


def test_interrupt_after_an_epoch_counts_only_the_epochs_of_this_fit():
    lm = tiny(epochs=1, batch_size=2).fit(DOCS)
    lm.set_params(warm_start=True, epochs=3, callbacks=[_StopAfterEpoch()])
    with pytest.raises(KeyboardInterrupt):
        lm.fit(DOCS)
    # two whole epochs ran in this fit, recorded once each: no partial epoch
    assert lm.history_["status"] == ["completed"] * 3 and lm.n_epochs_ == 2
    assert np.isfinite(lm.history_["loss"]).all()


@pytest.mark.parametrize(
    "X, error, match",
    [
        ("to be or not", TypeError, r"\[text\]"),
        (["", ""], ValueError, "non-empty"),
        ([], ValueError, "at least one row"),
        (["ok", 3], TypeError, "row 1"),
        (np.zeros((2, 3, 4)), ValueError, "3-D"),
        (np.array([[1.0, np.nan]]), ValueError, "NaN"),
    ],
)
def test_bad_fit_input_leaves_fitted_estimator_intact(lm, X, error, match):
    before = lm.predict_proba(DOCS[:2])
    classes, history = lm.classes_.copy(), dict(lm.history_)
    with pytest.raises(error, match=match):
        lm.fit(X)
    np.testing.assert_array_equal(lm.predict_proba(DOCS[:2]), before)
    assert np.array_equal(lm.classes_, classes) and lm.history_ == history


@pytest.mark.parametrize(
    "params, match",
    [
        ({"seq_length": 0}, "seq_length"),
        ({"seq_length": 2.5}, "seq_length"),
        ({"units": -3}, "units"),
        ({"units": (4, 0)}, "units"),
        ({"cell": "transformer"}, "cell"),
        ({"dropout": 1.0}, "dropout"),
        ({"callbacks": [1]}, "callbacks"),
        ({"callbacks": [keras.callbacks.EarlyStopping]}, "callbacks"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=f"'{match}' parameter of CharLM"):
        tiny(**params).fit(DOCS)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_steps": 0}, "n_steps"),
        ({"n_steps": 2.0}, "n_steps"),
        ({"temperature": -1.0}, "temperature"),
        ({"temperature": float("nan")}, "temperature"),
        ({"top_p": 0.0}, "top_p"),
        ({"top_p": 1.5}, "top_p"),
        ({"top_k": 0}, "top_k"),
        ({"n_samples": 0}, "n_samples"),
        ({"context": "@#$"}, "never seen"),
    ],
)
def test_bad_sample_arguments(lm, kwargs, match):
    kwargs = {"n_steps": 5, **kwargs}
    with pytest.raises(ValueError, match=match):
        lm.sample(**kwargs)


def test_not_fitted():
    for method in ("predict", "predict_proba", "score", "score_samples"):
        with pytest.raises(NotFittedError):
            getattr(tiny(), method)(DOCS)
    with pytest.raises(NotFittedError):
        tiny().sample(5)


@pytest.fixture(scope="module")
def pipe():
    return Pipeline([("vec", CharSequenceVectorizer()), ("lm", tiny(epochs=2))]).fit(
        [d.upper() for d in DOCS]
    )


def test_pipeline(pipe):
    assert pipe.predict(["to be or not to b"]).shape == (1,)
    assert np.isfinite(pipe.score(DOCS[:2]))
    # the context is lower-cased like the training text
    assert generate(pipe, 12, context="TO BE", random_state=0) == pipe[-1].sample(
        12, context="to be", random_state=0
    )


def test_grid_search_and_cross_val_predict():
    pipe = Pipeline([("vec", CharSequenceVectorizer()), ("lm", tiny(epochs=1))])
    search = GridSearchCV(pipe, {"lm__units": [4, 8], "lm__seq_length": [8, 32]}, cv=2)
    search.fit(DOCS)
    assert set(search.best_params_) == {"lm__units", "lm__seq_length"}
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    pred = cross_val_predict(pipe, DOCS, cv=KFold(3))
    assert pred.shape == (len(DOCS),)


def test_grid_search_with_metadata_routing_enabled():
    # Pipeline.score passes sample_weight=None into routing, which refuses it
    # unless the last step's score takes sample_weight: every test score was
    # NaN, and the search kept the first candidate.
    pipe = Pipeline([("vec", CharSequenceVectorizer()), ("lm", tiny(epochs=1))])
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(pipe, {"lm__units": [4, 8]}, cv=2, error_score="raise")
        search.fit(DOCS)
        assert np.isfinite(search.cv_results_["mean_test_score"]).all()
        assert np.isfinite(search.score(DOCS))


def test_joblib_round_trip_in_fresh_process(pipe, tmp_path):
    import joblib

    path = tmp_path / "pipe.joblib"
    joblib.dump(pipe, path)
    expected = generate(pipe, 30, context="to be", random_state=7)
    code = textwrap.dedent(
        f"""
        import joblib, seqrnn
        pipe = joblib.load({str(path)!r})
        print(repr(seqrnn.generate(pipe, 30, context="to be", random_state=7)))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == repr(expected)


def test_samples_do_not_depend_on_how_many_are_asked_for(lm):
    # the sampler pads streams and steps to few compiled shapes; the padding
    # must not change a stream: the same draws give the same text
    assert lm.sample(40, random_state=3)[:25] == lm.sample(25, random_state=3)
    three = lm.sample(30, n_samples=3, random_state=4)
    assert lm.sample(30, n_samples=2, random_state=4) == three[:2]


def test_training_streams_written_in_place_match_concatenation():
    """The streams written row by row into their compact dtype equal the
    concatenation they replace: empty rows, unseen symbols and all."""
    from seqrnn.language_model import BOS, _input_ids, _text_symbols

    classes = np.array(list("abc "))
    rows = [_text_symbols(doc) for doc in ["abc", "", "a", "zz b", "cab  a"]]
    lm = CharLM()
    inputs, targets, weights, offsets = lm._training_streams(rows, classes)
    encoded = [e.astype(np.int64) for e in lm._encode(rows, classes)]
    assert all(e.dtype == np.int32 for e in lm._encode(rows, classes))
    expected = np.concatenate(
        [np.concatenate([[BOS], _input_ids(e[:-1])]) for e in encoded if len(e)]
    )
    assert inputs.dtype == targets.dtype == np.uint8
    np.testing.assert_array_equal(inputs, expected)
    np.testing.assert_array_equal(targets, np.maximum(np.concatenate(encoded), 0))
    np.testing.assert_array_equal(weights, np.concatenate(encoded) >= 0)
    np.testing.assert_array_equal(offsets, [0, 3, 3, 4, 8, 14])
