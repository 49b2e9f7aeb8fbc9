"""RNNSequenceClassifier and RNNSequenceRegressor through their public API.

Tiny models (a few units, a few epochs) shared by module fixtures; every
fit costs about a second, mostly TensorFlow tracing.
"""

import os
import pickle
import random
import subprocess
import sys
import textwrap
import warnings

import joblib
import keras
import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csr_matrix
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import check_classifiers_train

from seqrnn._core import NonFiniteLossError
from seqrnn.classification import (
    RNNSequenceClassifier,
    RNNSequenceRegressor,
    _augmented_steps,
    _RowBatches,
    _step_mask,
)
from seqrnn.persistence import load
from seqrnn.series import SeriesWindower
from seqrnn.text import CharSequenceVectorizer, make_next_char_dataset

# One direction and no dropout where a test does not need them: faster.
TINY = dict(
    units=8, bidirectional=False, dropout=0.0, epochs=8, learning_rate=0.03, batch_size=16,
    random_state=0,
)


def tiny_classifier(**params):
    return RNNSequenceClassifier(**{**TINY, **params})


def tiny_regressor(**params):
    return RNNSequenceRegressor(**{**TINY, **params})


def trends(n=48, length=12, seed=0):
    """Noisy rising and falling series: an easy two-class problem."""
    rng = np.random.default_rng(seed)
    slope = rng.choice([-1.0, 1.0], size=n)
    X = slope[:, None] * np.linspace(0.0, 1.0, length) + 0.3 * rng.normal(size=(n, length))
    return X, np.where(slope > 0, "up", "down")


X_TRENDS, Y_TRENDS = trends()
DOCS = ["a cat sat", "the cat ran", "a dog sat", "the dog ran", "cats nap", "dogs dig"] * 3
DOC_LABELS = ["cat", "cat", "dog", "dog", "cat", "dog"] * 3


@pytest.fixture(scope="module")
def clf():
    return tiny_classifier().fit(X_TRENDS, Y_TRENDS)


@pytest.fixture(scope="module")
def text_clf():
    """The default network (bidirectional, dropout) on characters."""
    model = RNNSequenceClassifier(units=8, embedding_dim=4, epochs=8, learning_rate=0.03,
                                  batch_size=16, random_state=0)
    return model.fit(DOCS, DOC_LABELS)


@pytest.fixture(scope="module")
def ragged_clf():
    """Bidirectional GRU on ragged multivariate rows: masking in both directions."""
    rng = np.random.default_rng(1)
    X = [rng.normal(size=(rng.integers(3, 15), 2)) for _ in range(30)]
    y = [int(x[:, 0].mean() > 0) for x in X]
    return tiny_classifier(cell="gru", bidirectional=True, units=(4, 4), epochs=3).fit(X, y), X


@pytest.fixture(scope="module")
def reg():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 10, 3))
    y = np.c_[1000 + 50 * X[:, :, 0].sum(axis=1), X[:, -1, 1]]
    return tiny_regressor(epochs=20).fit(X, y), X, y


def assert_same_state(before, after):
    """Two snapshots of an estimator: same attributes, same weights."""
    assert before.keys() == after.keys()
    for key in before:
        if key == "model_weights":
            for a, b in zip(before[key], after[key]):
                np.testing.assert_array_equal(a, b)
        elif key != "model_":
            assert repr(before[key]) == repr(after[key]), key
    assert before["model_"] is after["model_"]


def snapshot(est):
    state = dict(vars(est))
    state["model_weights"] = [w.copy() for w in est.model_.get_weights()]
    return state


# --------------------------------------------------------------------------
# Inputs


def test_univariate_2d_array(clf):
    assert clf.n_features_in_ == 1 and clf.input_type_ == "numeric"
    assert clf.classes_.tolist() == ["down", "up"]
    proba = clf.predict_proba(X_TRENDS)
    assert proba.shape == (48, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (clf.predict(X_TRENDS) == clf.classes_[proba.argmax(axis=1)]).all()
    np.testing.assert_allclose(clf.predict_log_proba(X_TRENDS[:5]), np.log(proba[:5]))
    assert clf.score(X_TRENDS, Y_TRENDS) == np.mean(clf.predict(X_TRENDS) == Y_TRENDS)
    assert clf.score(X_TRENDS, Y_TRENDS) > 0.9
    assert clf.history_["status"] == ["completed"] * 8 and clf.n_epochs_ == 8


def test_other_lengths_at_predict_time(clf):
    # A different width is a different length (Rule 1): accepted.
    assert clf.predict(X_TRENDS[:, :5]).shape == (48,)
    assert clf.predict(np.c_[X_TRENDS, X_TRENDS]).shape == (48,)


def test_a_list_row_predicts_as_the_array_row(clf):
    as_list = [list(row) for row in X_TRENDS[:4]] + [[0.1, 0.2]]
    np.testing.assert_array_equal(
        clf.predict_proba(as_list)[:4], clf.predict_proba(X_TRENDS[:4])
    )


def test_multivariate_3d_array_and_features_checked(reg):
    model, X, y = reg
    assert model.n_features_in_ == 3 and model.n_outputs_ == 2
    with pytest.raises(ValueError, match="X has 2 features per time step, but .* expecting 3"):
        model.predict(X[:, :, :2])
    # A list of 2-D rows of another length is fine.
    assert model.predict([X[0, :4], X[1]]).shape == (2, 2)


def test_text_rows_learn_a_vocabulary(text_clf):
    assert text_clf.input_type_ == "tokens" and text_clf.n_features_in_ == 1
    assert "".join(text_clf.vocabulary_) == "".join(sorted(set("".join(DOCS))))
    assert text_clf.score(DOCS, DOC_LABELS) > 0.8
    # Characters never seen in training all map to the one unknown token.
    np.testing.assert_array_equal(
        text_clf.predict_proba(["qqq", "a zzz"]), text_clf.predict_proba(["xxx", "a jjj"])
    )


def test_a_column_of_text_is_one_document_per_row(text_clf):
    # A DataFrame's text column (or a ColumnTransformer's one-column output)
    # holds documents, as CharSequenceVectorizer reads it: read as one token
    # per row, every test document was one unknown token.
    import pandas as pd
    from sklearn.compose import make_column_transformer

    table = pd.DataFrame({"text": DOCS, "n": range(len(DOCS))})
    expected = text_clf.predict_proba(DOCS)
    for X in (table[["text"]], table[["text"]].to_numpy(), np.array(DOCS)[:, None],
              make_column_transformer(("passthrough", ["text"])).fit_transform(table)):
        np.testing.assert_array_equal(text_clf.predict_proba(X), expected)
    model = tiny_classifier(epochs=1).fit(table[["text"]], DOC_LABELS)
    assert "".join(model.vocabulary_) == "".join(sorted(set("".join(DOCS))))
    # one-character tokens read the same either way; NumPy gives a NUL token
    # back as '', which stays a token (never an empty document)
    nul = tiny_classifier(epochs=1).fit(np.array([["a"], ["\0"], ["b"], ["\0"]]), [0, 1, 0, 1])
    assert nul.vocabulary_.tolist() == ["", "a", "b"]


def test_2d_array_of_tokens_next_char_framing():
    X, y = make_next_char_dataset("to be or not to be, that is the question", seq_length=6)
    model = tiny_classifier(epochs=2).fit(X, y)
    assert model.input_type_ == "tokens"
    assert set(model.classes_) <= set(model.vocabulary_)
    assert model.predict(X[:3]).dtype == y.dtype


def test_integer_token_ids():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 50, size=(30, 6))
    y = X[:, 0] % 2
    model = tiny_classifier(input_type="tokens", epochs=2).fit(X, y)
    assert model.input_type_ == "tokens" and model.vocabulary_.dtype.kind == "i"
    assert model.predict([[1000, 2000]]).shape == (1,)  # unseen ids are fine
    with pytest.raises(ValueError, match="input_type='tokens'"):
        tiny_classifier(input_type="tokens").fit(X + 0.5, y)


def test_large_integer_token_ids_stay_exact():
    # 63-bit ids (hashed tokens) are not exact as float64: 2**62 and 2**62 + 1
    # are one float. They must stay two tokens, in an array or a ragged list.
    big = 2**62
    X = np.array([[big, big + 1, 7], [big + 1, big, 7], [7, big, big], [big + 1, 7, 7]])
    y = np.array([0, 1, 0, 1])
    for rows in (X, [list(map(int, row[: i + 1])) for i, row in enumerate(X)]):
        model = tiny_classifier(input_type="tokens").fit(rows, y)
        assert model.vocabulary_.tolist() == [7, big, big + 1]
        assert model.predict([[big + 1], [big + 2]]).shape == (2,)


def test_padding_never_changes_a_prediction(clf, text_clf, ragged_clf):
    row = X_TRENDS[0, :7]
    alone = clf.predict_proba([row])
    beside = clf.predict_proba([np.r_[row, row, row], row, X_TRENDS[1]])
    np.testing.assert_array_equal(alone[0], beside[1])

    alone = text_clf.predict_proba(["a cat"])
    beside = text_clf.predict_proba(["the dog ran and ran and ran", "a cat", "dogs"])
    np.testing.assert_array_equal(alone[0], beside[1])

    model, X = ragged_clf  # the backward direction starts at each row's own end
    alone = model.predict_proba([X[3]])
    beside = model.predict_proba([np.tile(X[0], (5, 1)), X[3], *X[4:40]])
    np.testing.assert_array_equal(alone[0], beside[1])


def test_no_fully_masked_row_reaches_the_network():
    # Prediction batches are filled up to a fixed number of rows. With
    # TensorFlow on a GPU, Keras's cuDNN kernel asserts that no row of the
    # mask is all False, so a filler row must have a (zero) step too.
    X = [np.arange(float(n)) for n in (3, 5, 9)]
    model = tiny_classifier().fit(X, [0, 1, 0])
    masks = []
    run = model.model_.predict_on_batch

    def recording(inputs):
        masks.append(np.array(inputs[1]))
        return run(inputs)

    model.model_.predict_on_batch = recording
    try:
        proba = model.predict_proba(X)
    finally:
        del model.model_.predict_on_batch
    assert masks and all(mask.any(axis=1).all() for mask in masks)
    np.testing.assert_array_equal(proba[1], model.predict_proba([X[1]])[0])


def test_segments_read_several_steps_at_once(ragged_clf, tmp_path):
    _, X = ragged_clf
    y = [int(x[:, 0].mean() > 0) for x in X]
    model = tiny_classifier(segment_length=4, embedding_dim=6, bidirectional=True, epochs=2)
    model.fit(X, y)
    assert model.model_.get_layer("segments").length == 4
    assert model.model_.get_layer("segment_projection").units == 6
    # the last segment of a row is padded with zeros, never with the next row
    alone = model.predict_proba([X[3]])
    beside = model.predict_proba([np.tile(X[0], (5, 1)), X[3], *X[4:40]])
    np.testing.assert_array_equal(alone[0], beside[1])
    text = tiny_classifier(segment_length=3, embedding_dim=4, epochs=1).fit(DOCS, DOC_LABELS)
    alone = text.predict_proba(["a cat"])
    np.testing.assert_array_equal(alone[0], text.predict_proba(["the dog ran", "a cat"])[1])
    # the network is rebuilt with its segments by pickle and the safe format
    path = tmp_path / "segments.seqrnn"
    model.save(path)
    for copy in (pickle.loads(pickle.dumps(model)), load(path)):
        np.testing.assert_array_equal(copy.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_augmented_steps_transform_the_real_steps_only(dtype):
    rng = np.random.default_rng(0)
    lengths = np.array([1, 4, 7, 7, 5])
    inputs = rng.normal(size=(5, 7, 3)).astype(dtype) if dtype == "float32" else (
        rng.integers(2, 50, size=(5, 7)))
    inputs[_step_mask(lengths, 7) == 0] = 0  # padding
    shifts, reverse = np.array([3, -2, 9, 0, 1]), np.array([True, False, True, True, False])
    out = _augmented_steps(inputs, lengths, shifts, reverse)
    assert out.dtype == inputs.dtype and out.shape == inputs.shape
    for i, n in enumerate(lengths):
        real = inputs[i, :n][::-1] if reverse[i] else inputs[i, :n]
        np.testing.assert_array_equal(out[i, :n], np.roll(real, shifts[i], axis=0))
        np.testing.assert_array_equal(out[i, n:], inputs[i, n:])


def test_an_epoch_holds_every_row_once_in_each_variant():
    inputs = np.arange(30.0).reshape(5, 6, 1)
    lengths = np.array([6, 3, 6, 4, 5])
    targets = np.arange(5)
    variants = ((0, False), (2, False), (0, True), (2, True))
    batches = _RowBatches(inputs, lengths, targets, np.ones(5), batch_size=3,
                          rng=np.random.default_rng(0), variants=variants)
    assert len(batches) == 7  # 20 rows in batches of 3
    seen = []
    for index in range(len(batches)):
        (x, mask), t, _ = batches[index]
        np.testing.assert_array_equal(mask, _step_mask(lengths[t], 6))
        seen += [(int(row), x[j, : lengths[row], 0].tolist()) for j, row in enumerate(t)]
    expected = [
        (row, np.roll(inputs[row, : lengths[row], 0][:: -1 if reverse else 1], shift).tolist())
        for row in range(5) for shift, reverse in variants
    ]
    assert sorted(seen) == sorted(expected)


def _conflicting_if_augmented(**augment):
    """Fit on rows that the augmentation turns into those of the other class."""
    steps = np.arange(12.0)
    if "augment_reverse" in augment:  # up and down ramps of the same heights
        heights = np.linspace(0.5, 2.0, 10)[:, None]
        X = np.r_[heights * steps / 11, heights * steps[::-1] / 11]
    else:  # a bump early or half the length later
        X = np.r_[[np.exp(-((steps - c) ** 2)) for c in [2.0] * 10 + [8.0] * 10]]
        X = X * np.tile(np.linspace(0.5, 2.0, 10), 2)[:, None]
    y = np.r_[np.ones(10), np.zeros(10)].astype(int)
    plain = tiny_classifier(units=8, epochs=60, batch_size=10).fit(X, y)
    augmented = tiny_classifier(units=8, epochs=60, batch_size=10, **augment).fit(X, y)
    return plain.score(X, y), augmented.predict_proba(X)[:, 1]


@pytest.mark.parametrize("augment", [dict(augment_reverse=True), dict(augment_shifts=(6,))])
def test_augmented_copies_are_learned_with_the_rows_label(augment):
    """Reversed, an up ramp is a down ramp; shifted by half the length, an
    early bump is a late one: with those copies, the classes cannot be told
    apart, and the network learns probabilities near 1/2."""
    plain_accuracy, proba = _conflicting_if_augmented(**augment)
    assert plain_accuracy == 1.0
    assert np.all(np.abs(proba - 0.5) < 0.25), proba.round(2)


@pytest.mark.parametrize("make", [tiny_classifier, tiny_regressor])
def test_augmentation_parameters_are_kept_by_clone_and_the_safe_format(make, tmp_path):
    model = make(augment_shifts=(2, -1), augment_reverse=True, epochs=1)
    model.fit(X_TRENDS, Y_TRENDS if make is tiny_classifier else X_TRENDS[:, -1])
    assert model.n_epochs_ == 1
    path = tmp_path / "augmented.seqrnn"
    model.save(path)
    loaded = load(path)
    for copy in (clone(model), loaded):
        assert copy.get_params()["augment_shifts"] == (2, -1)
        assert copy.get_params()["augment_reverse"] is True
    np.testing.assert_array_equal(loaded.predict(X_TRENDS), model.predict(X_TRENDS))


def test_ragged_rows(ragged_clf):
    model, X = ragged_clf
    assert model.n_features_in_ == 2
    assert [type(layer).__name__ for layer in model.model_.layers].count("Bidirectional") == 2
    assert model.predict(X).shape == (30,)
    one_d = [np.arange(n, dtype=float) for n in (3, 5, 8)] * 4
    model = tiny_classifier(epochs=1).fit(one_d, [0, 1, 0] * 4)
    assert model.n_features_in_ == 1 and hasattr(model, "input_mean_")
    model.fit(["ab", "ba", "abc"] * 4, [0, 1, 0] * 4)  # refit on tokens
    assert model.input_type_ == "tokens" and not hasattr(model, "input_mean_")


# --------------------------------------------------------------------------
# Hyper-parameters


@pytest.mark.parametrize("cell, layer", [("lstm", "LSTM"), ("rnn", "SimpleRNN")])
def test_cell_units_dropout(cell, layer):
    model = tiny_classifier(
        cell=cell, units=(5, 3), dropout=0.3, recurrent_dropout=0.1, epochs=1
    ).fit(X_TRENDS, Y_TRENDS)
    rnn = [lay for lay in model.model_.layers if type(lay).__name__ == layer]
    assert [lay.units for lay in rnn] == [5, 3]
    assert [lay.recurrent_dropout for lay in rnn] == [0.1, 0.1]
    dropout = [lay.rate for lay in model.model_.layers if isinstance(lay, keras.layers.Dropout)]
    assert dropout == [0.3, 0.3]


def test_optimizer_settings_and_routed_parameters():
    model = tiny_classifier(
        learning_rate=0.02, clipnorm=1.5, optimizer__beta_1=0.5, model__units=(4, 3),
        fit__epochs=2, compile__metrics=["accuracy"], predict__batch_size=5,
    ).fit(X_TRENDS, Y_TRENDS)
    assert model.model_.optimizer.clipnorm == 1.5 and model.model_.optimizer.beta_1 == 0.5
    np.testing.assert_allclose(float(model.model_.optimizer.learning_rate), 0.02)
    assert [lay.units for lay in model.model_.layers if isinstance(lay, keras.layers.LSTM)] == [4, 3]
    assert model.n_epochs_ == 2 and len(model.history_["accuracy"]) == 2
    assert model.predict(X_TRENDS).shape == (48,)
    params = model.get_params()
    assert params["model__units"] == (4, 3) and params["fit__epochs"] == 2
    copy = clone(model).set_params(model__units=6, fit__batch_size=8)
    assert copy.get_params()["model__units"] == 6 and copy.fit__batch_size == 8
    assert "model__units=6" in repr(copy)


def test_keras_errors_from_routed_values_name_them():
    # optimizer__ and compile__ values go to Keras as given; a bad one fails
    # inside Keras, and a note on the error names the routed values
    model = tiny_classifier(epochs=1, random_state=0).fit(X_TRENDS, Y_TRENDS)
    before = model.predict_proba(X_TRENDS)
    model.set_params(optimizer__beta_1="x", compile__metrics=["accuracy"])
    # the error's type is the backend's: TypeError on TensorFlow, ValueError on JAX and PyTorch
    with pytest.raises((TypeError, ValueError)) as info:
        model.fit(X_TRENDS, Y_TRENDS)
    note = info.value.__notes__[-1]  # JAX adds a note of its own before ours
    assert "optimizer__beta_1='x'" in note and "compile__metrics=['accuracy']" in note
    np.testing.assert_array_equal(model.predict_proba(X_TRENDS), before)
    with pytest.raises(ValueError, match="metric identifier") as info:
        tiny_classifier(epochs=1, compile__metrics=["nonsense"]).fit(X_TRENDS, Y_TRENDS)
    assert "compile__metrics=['nonsense']" in info.value.__notes__[-1]


def test_routed_units_as_a_list_save_and_load(tmp_path):
    model = tiny_classifier(model__units=[4, 3], epochs=1).fit(X_TRENDS, Y_TRENDS)
    model.save(tmp_path / "clf.seqrnn")
    loaded = load(tmp_path / "clf.seqrnn")
    np.testing.assert_array_equal(loaded.predict_proba(X_TRENDS), model.predict_proba(X_TRENDS))


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(model__unit=4), r"'model__unit' .* model__units"),
        (dict(fit__shuffle=False), r"'fit__shuffle' .* fit__batch_size, fit__callbacks"),
        (dict(model__n_outputs=3), r"'model__n_outputs'"),
        (dict(model__units__0=8), r"'model__units__0' .* sets nothing"),
        (dict(unit=4), r"unknown parameter 'unit'"),
        (dict(fit__epochs=0), r"'fit__epochs' parameter .* must be an int in the range"),
        (dict(units=-3), r"'units' parameter of RNNSequenceClassifier must be a positive int"),
        (dict(cell="lstmm"), r"'cell' parameter"),
        (dict(segment_length=0), r"'segment_length' parameter"),
        (dict(augment_shifts=(0, 2)), r"'augment_shifts' parameter .* distinct non-zero ints"),
        (dict(augment_shifts=(2, 2)), r"'augment_shifts' parameter .* distinct non-zero ints"),
        (dict(augment_shifts=4), r"'augment_shifts' parameter .* Got 4 instead"),
        (dict(augment_reverse="yes"), r"'augment_reverse' parameter"),
    ],
)
def test_bad_parameters_refused_in_fit(clf, params, match):
    model = pickle.loads(pickle.dumps(clf))  # a fitted copy
    before = snapshot(model)
    vars(model).update(params)  # what __init__ or set_params would store
    with pytest.raises(ValueError, match=match):
        model.fit(X_TRENDS, Y_TRENDS)
    for key in params:  # put the parameters back as they were
        if key in before:
            setattr(model, key, before[key])
        else:
            delattr(model, key)
    assert_same_state(before, snapshot(model))


def test_early_stopping_on_validation_and_callbacks():
    class Count(keras.callbacks.Callback):
        epochs = 0

        def on_epoch_end(self, epoch, logs=None):
            Count.epochs += 1

    # the validation rows (the last quarter) have their labels swapped: the
    # better the network learns the training rows, the worse val_loss gets,
    # so training stops early whatever the backend's initial weights
    y = Y_TRENDS.copy()
    y[-12:] = np.where(y[-12:] == "up", "down", "up")
    model = tiny_classifier(
        epochs=40, learning_rate=0.1, validation_fraction=0.25, n_iter_no_change=1,
        callbacks=[Count()],
    ).fit(X_TRENDS, y)
    assert model.n_epochs_ < 40 and Count.epochs == model.n_epochs_
    assert len(model.history_["val_loss"]) == model.n_epochs_


def test_class_weight_is_a_sample_weight():
    y = np.array(["a"] * 36 + ["b"] * 12)
    ones = np.ones(48)
    balanced = tiny_classifier(epochs=2, class_weight="balanced")
    balanced.fit(X_TRENDS, y, sample_weight=ones)
    assert (ones == 1).all()  # the caller's array is never changed (scikeras's is)
    weights = np.where(y == "a", 48 / (2 * 36), 48 / (2 * 12))
    weighted = tiny_classifier(epochs=2).fit(X_TRENDS, y, sample_weight=weights)
    np.testing.assert_array_equal(balanced.predict_proba(X_TRENDS), weighted.predict_proba(X_TRENDS))


def test_inputs_encoded_block_by_block_as_in_one_block(monkeypatch, clf, text_clf, ragged_clf):
    """Encoding X in blocks of rows (bounded temporaries) gives the inputs
    that encoding it at once gives, and never changes X."""
    from seqrnn import classification

    model, ragged = ragged_clf
    ints = np.array([[3, 5, 7, 3], [5, 9, 3, 2]])
    cases = [
        (clf, X_TRENDS), (model, ragged), (text_clf, DOCS + ["an unseen zebra"]),
    ]
    for est, X in cases:
        X_before = [np.copy(x) for x in X]
        seqs = est._check_X(X, reset=False)
        whole = est._encode_inputs(seqs, est._fitted_encoding())
        monkeypatch.setattr(classification, "_ENCODE_BLOCK", 5)
        blocks = est._encode_inputs(seqs, est._fitted_encoding())
        monkeypatch.undo()
        assert blocks.dtype == whole.dtype and blocks.dtype in (np.float32, np.int32)
        np.testing.assert_array_equal(blocks, whole)
        for x, before in zip(X, X_before):
            np.testing.assert_array_equal(x, before)
    token_clf = tiny_classifier(epochs=1, input_type="tokens").fit(ints, [0, 1])
    seqs = token_clf._check_X(np.array([[3, 4, 9, 2]]), reset=False)
    ids = token_clf._encode_inputs(seqs, token_clf._fitted_encoding())
    # 2, 3, 5, 7, 9 are ids 2 to 6; 4 is unknown (1)
    np.testing.assert_array_equal(ids, [[3, 1, 6, 2]])


def test_zero_weight_rows_are_left_out():
    weights = np.ones(48)
    weights[::3] = 0
    weighted = tiny_classifier(epochs=2).fit(X_TRENDS, Y_TRENDS, sample_weight=weights)
    subset = tiny_classifier(epochs=2).fit(X_TRENDS[weights > 0], Y_TRENDS[weights > 0])
    np.testing.assert_array_equal(weighted.predict_proba(X_TRENDS), subset.predict_proba(X_TRENDS))


def test_warm_start_continues_training(clf):
    model = clone(clf).set_params(warm_start=True, epochs=2)
    model.fit(X_TRENDS, Y_TRENDS)
    network = model.model_
    model.fit(X_TRENDS[:20], Y_TRENDS[:20])
    assert model.model_ is network and model.n_epochs_ == 2
    assert len(model.history_["loss"]) == 4
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"classes of the first fit.*\['sideways'\]"):
        model.fit(X_TRENDS[:3], ["up", "down", "sideways"])
    assert_same_state(before, snapshot(model))
    before = snapshot(model.set_params(cell="gru"))
    with pytest.raises(ValueError, match=r"built with cell='lstm', so cell='gru' cannot apply"):
        model.fit(X_TRENDS, Y_TRENDS)
    assert_same_state(before, snapshot(model))

    class Fails(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("a callback failed")

    # an error in the middle of a warm-started fit leaves the estimator as it was
    before = snapshot(model.set_params(cell="lstm", callbacks=[Fails()]))
    with pytest.raises(RuntimeError, match="a callback failed"):
        model.fit(X_TRENDS, Y_TRENDS)
    assert_same_state(before, snapshot(model))


def test_random_state_reproducible_and_global_state_untouched():
    np_state, py_state = np.random.get_state(), random.getstate()
    a = tiny_classifier(epochs=2, dropout=0.2).fit(X_TRENDS, Y_TRENDS).predict_proba(X_TRENDS)
    b = tiny_classifier(epochs=2, dropout=0.2).fit(X_TRENDS, Y_TRENDS).predict_proba(X_TRENDS)
    np.testing.assert_array_equal(a, b)
    c = tiny_classifier(epochs=2, dropout=0.2, random_state=1).fit(X_TRENDS, Y_TRENDS)
    assert not np.array_equal(a, c.predict_proba(X_TRENDS))
    generator = np.random.default_rng(0)
    tiny_classifier(epochs=1, random_state=generator).fit(X_TRENDS, Y_TRENDS)
    assert generator.bit_generator.state != np.random.default_rng(0).bit_generator.state
    assert np.random.get_state()[1].tolist() == np_state[1].tolist()
    assert random.getstate() == py_state
    assert "TF_DETERMINISTIC_OPS" not in os.environ
    try:  # scikeras would have turned TensorFlow's op determinism on
        from tensorflow.python.framework import config as tf_config
    except ImportError:  # a machine with only the JAX or PyTorch backend
        return
    assert not tf_config.is_op_determinism_enabled()


def test_verbose_zero_is_silent(capsys):
    tiny_classifier(epochs=1).fit(X_TRENDS[:8], Y_TRENDS[:8])
    assert capsys.readouterr().out == ""


# --------------------------------------------------------------------------
# Classifier and regressor specifics


@pytest.mark.parametrize(
    "y",
    [
        np.arange(48) % 3,  # multiclass int
        (np.arange(48) % 2).astype(bool),  # binary bool
        [["x", "yy", "z"][i % 3] for i in range(48)],  # a list of str
    ],
    ids=["int", "bool", "str"],
)
def test_any_label_type(y):
    model = tiny_classifier(epochs=1).fit(X_TRENDS, y)
    np.testing.assert_array_equal(model.classes_, np.unique(y))
    pred = model.predict(X_TRENDS)
    assert pred.dtype == model.classes_.dtype and set(pred) <= set(model.classes_)
    assert model.predict_proba(X_TRENDS).shape == (48, len(model.classes_))


def test_regressor_outputs_scaling_and_r2(reg):
    model, X, y = reg
    assert is_regressor(model) and not is_classifier(model)
    pred = model.predict(X)
    assert pred.shape == (40, 2) and pred.dtype == np.float64
    np.testing.assert_allclose(model.target_mean_, y.mean(axis=0))
    assert model.score(X, y) > 0.5  # learned despite targets around 1000
    one = tiny_regressor(epochs=2).fit(X, y[:, 0])
    assert one.predict(X).shape == (40,) and one.n_outputs_ == 1
    # Internal scaling: an affine change of y gives the same network.
    shifted = tiny_regressor(epochs=2).fit(X, 1e-3 * y[:, 0] - 7)
    np.testing.assert_allclose(shifted.predict(X), 1e-3 * one.predict(X) - 7, rtol=1e-4)


def test_classifier_tags(clf):
    assert is_classifier(clf) and not is_regressor(clf)
    tags = clf.__sklearn_tags__()
    assert tags.input_tags.three_d_array and not tags.input_tags.sparse
    assert tags.classifier_tags.multi_class


def test_classifiers_train_check_fails_only_on_width():
    # check_classifiers_train is an expected failure (DESIGN.md: a wider
    # array is a longer sequence); make sure the accuracy threshold (> 0.83
    # on three blobs) is met before it stops at predict(X.T).
    estimator = tiny_classifier(epochs=10, batch_size=32)
    with pytest.raises(AssertionError, match="number of features in predict is different"):
        check_classifiers_train("RNNSequenceClassifier", estimator)


# --------------------------------------------------------------------------
# Bad input: one clear sentence, raised before anything changes

RNG = np.random.default_rng(3)


def with_na(values, dtype):
    """``values`` as a pandas frame of a nullable dtype, with pd.NA at [5, 3]."""
    frame = pd.DataFrame(values).astype(dtype)
    frame.iloc[5, 3] = pd.NA
    return frame


PD_NA = r"does not accept NaN or infinity in X, nor pandas' missing value: X\[5, 3\] is pd\.NA\. Impute"
BAD_FITS = {
    "1-D X": (RNG.normal(size=12), None, ValueError, r"got a 1-D array of shape \(12,\)"),
    "1-D list": ([0.5, 1.0, 2.0], None, ValueError, r"1-D array of shape \(3,\)\. Reshape your data"),
    "4-D X": (RNG.normal(size=(4, 3, 2, 2)), None, ValueError, r"got a 4-D array"),
    "length mismatch": (X_TRENDS, Y_TRENDS[:-1], ValueError, r"48 sequences in X but 47 labels"),
    "one class": (X_TRENDS, ["up"] * 48, ValueError, r"at least 2 classes in y.*got 1 class \('up'\)"),
    "NaN in X": (np.where(np.eye(48, 12) > 0, np.nan, X_TRENDS), None, ValueError, r"NaN or infinity in X; row 0"),
    "NaN inside a row": (np.where(np.eye(48, 12, k=5) > 0, np.nan, X_TRENDS), None, ValueError, r"NaN or infinity in X; row 0 contains one\. Impute"),
    "windower padding": (SeriesWindower(4).fit_transform(np.arange(48.0)), None, ValueError, r"NaN or infinity in X; row 0 starts with NaN, which .* not read as padding \(RNNForecaster"),
    "inf in X": ([[0.0, 1.0], [np.inf, 2.0, 3.0]], [0, 1], ValueError, r"NaN or infinity in X; row 1"),
    # before, a TypeError about NAType from inside NumPy, or about a NAType element
    "pd.NA in Float64": (with_na(X_TRENDS, "Float64"), None, ValueError, PD_NA),
    "pd.NA in Int64": (with_na(np.round(10 * X_TRENDS), "Int64"), None, ValueError, PD_NA),
    "pd.NA in boolean": (with_na(X_TRENDS > 0, "boolean"), None, ValueError, PD_NA),
    "pd.NA in string": (with_na(np.where(X_TRENDS > 0, "u", "d"), "string"), None, ValueError, PD_NA),
    "pd.NA in a row": ([[0.0, pd.NA, 1.0], [2.0, 3.0]], [0, 1], ValueError, r"nor pandas' missing value: X\[0\]\[1\] is pd\.NA"),
    "inf token id": ([[0.0, 1.0], [np.inf, 2.0]], [0, 1], ValueError, r"NaN or infinity in X; row 1"),
    "mixed dims": ([[0.0, 1.0], [[1.0, 2.0]]], [0, 1], ValueError, r"row 0 is 1-D and row 1 is 2-D"),
    "masked X": (np.ma.masked_array(X_TRENDS, mask=X_TRENDS > 1), None, ValueError, r"does not read the mask of a masked array, so it cannot use X with \d+ masked value"),
    "masked row": ([np.ma.masked_array([1.0, 2.0], mask=[0, 1]), [3.0, 4.0]], [0, 1], ValueError, r"cannot use row 0 of X with 1 masked value"),
    "nested ragged row": ([[1.0, [2.0]], [3.0]], [0, 1], ValueError, r"row 0 holds nested sequences of different lengths"),
    "mixed features": ([np.ones((3, 2)), np.ones((2, 3))], [0, 1], ValueError, r"rows have \[2, 3\] features"),
    "mixed kinds": ([[1.0, 2.0], "ab"], [0, 1], TypeError, r"row 0 is numeric and row 1 is tokens"),
    "mixed in a row": ([["a", 1, "b"], ["c", 2.5, "d"]], [0, 1], TypeError, r"X\[0\]\[1\] \(1, a int\)"),
    "empty sequence": ([[1.0, 2.0], []], [0, 1], ValueError, r"empty sequence in row 1"),
    "zero steps": (np.empty((4, 0)), [0, 1, 0, 1], ValueError, r"0 feature\(s\) \(shape=\(4, 0\)\)"),
    "sparse X": (csr_matrix(X_TRENDS), None, TypeError, r"does not accept sparse input X"),
    "one str": ("abc", None, TypeError, r"single str.*\[text\]"),
    "a dict element": (np.array([[{"a": 1}, 2.0]], dtype=object), [0], TypeError, r"X\[0, 0\] .*dict"),
    "non-ASCII bytes": (np.array([[b"\xff", b"a"], [b"b", b"a"]]), [0, 1], ValueError, r"non-ASCII bytes; decode them first"),
    "non-ASCII bytes row": ([np.array([b"\xff"]), np.array([b"a"])], [0, 1], ValueError, r"non-ASCII bytes; decode them first"),
    "None label": (X_TRENDS, np.array([*Y_TRENDS[:-1], None], dtype=object), TypeError, r"y\[47\] is None, a NoneType"),
    "unsortable labels": (X_TRENDS, np.array([["x", 2][i % 2] for i in range(48)], dtype=object), TypeError, r"labels in y mix types"),
    "y is None": (X_TRENDS, "none", ValueError, r"requires y to be passed"),
    "continuous y": (X_TRENDS, np.linspace(0, 1, 48), ValueError, r"Unknown label type"),
    "NaN label": (X_TRENDS, np.where(Y_TRENDS == "up", 1.0, np.nan), ValueError, r"y contains NaN or infinity"),
    "inf label": (X_TRENDS, np.where(Y_TRENDS == "up", np.inf, 0.0), ValueError, r"y contains NaN or infinity"),
    "negative weight": (X_TRENDS, Y_TRENDS, ValueError, r"Negative values in data passed to `?sample_weight"),
}


@pytest.mark.parametrize("case", list(BAD_FITS))
def test_bad_input_refused_before_any_change(clf, case):
    X, y, error, match = BAD_FITS[case]
    y = Y_TRENDS if y is None else (None if isinstance(y, str) else y)
    sample_weight = -np.ones(48) if case == "negative weight" else None
    model = pickle.loads(pickle.dumps(clf))  # a fitted copy
    model.set_params(warm_start=case == "length mismatch")
    if case == "inf token id":
        model.set_params(input_type="tokens")
    before = snapshot(model)
    with pytest.raises(error, match=match) as excinfo, warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # the error alone, no stray warning
        model.fit(X, y, sample_weight=sample_weight)
    assert excinfo.value.args[0].count("\n") == 0
    assert_same_state(before, snapshot(model))


@pytest.mark.parametrize("weight, match", [
    (np.nan, r"Got nan for class 'up'"),
    (-1.0, r"Got -1\.0 for class 'up'"),
    (np.inf, r"Got inf for class 'up'"),
    (None, r"Got None for class 'up'"),
    ("2", r"Got '2' for class 'up'"),
    (True, r"Got True for class 'up'"),
], ids=["nan", "negative", "inf", "None", "str", "bool"])
def test_bad_class_weight_refused_before_any_change(clf, weight, match):
    """Before, NaN and negative weights silently left a class out of training,
    inf made the loss NaN and a str failed inside NumPy."""
    model = pickle.loads(pickle.dumps(clf))
    model.set_params(class_weight={"up": weight, "down": 1.0})
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"The 'class_weight' parameter of "
                       r"RNNSequenceClassifier must map each class to a finite number >= 0\. "
                       + match) as excinfo:
        model.fit(X_TRENDS, Y_TRENDS)
    assert excinfo.value.args[0].count("\n") == 0
    assert_same_state(before, snapshot(model))


def test_values_near_the_float64_limit_are_standardised_or_refused(clf):
    """Before, the mean of values near 1.8e308 overflowed (NaN loss after the
    network was built), and values beyond float32 once standardised reached
    the network as inf (silent, meaningless predictions)."""
    rng = np.random.default_rng(0)
    huge = np.r_[np.full(6, 1e308), np.full(6, -1e308)] * rng.uniform(0.5, 1.0, 12)
    small = dict(units=2, epochs=1, random_state=0)
    model = tiny_classifier(**small).fit(huge[:, None] * np.ones((12, 4)), ["a", "b"] * 6)
    assert np.isfinite(model.input_mean_).all() and np.isfinite(model.input_scale_).all()
    assert np.isfinite(model.predict_proba(huge[:3, None] * np.ones((3, 4)))).all()
    model = tiny_regressor(**small).fit(rng.normal(size=(12, 4)), huge)
    assert np.isfinite(model.target_mean_).all() and np.isfinite(model.target_scale_).all()
    assert np.isfinite(model.predict(rng.normal(size=(3, 4)))).all()

    model = pickle.loads(pickle.dumps(clf))
    before = snapshot(model)
    for X in (np.full((2, 3), 1e39), [[0.0, 1.0], [0.0, 1e308, 2.0]]):
        with pytest.raises(ValueError, match=r"row \d holds values too large for the network "
                           r"once standardised") as excinfo, warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            model.predict(X)
        assert excinfo.value.args[0].count("\n") == 0
    with pytest.raises(ValueError, match=r"row 1 holds values too large"):
        model.set_params(warm_start=True).fit(np.r_[X_TRENDS[:1], np.full((1, 12), 1e39)],
                                              ["up", "down"])
    model.set_params(warm_start=False)
    assert_same_state(before, snapshot(model))


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, None])
def test_predict_batch_size_set_after_fit_is_checked(clf, batch_size):
    """Before, predict__batch_size=-1 set after fit returned uninitialised
    memory as probabilities (no batch ran), and 0 failed inside range()."""
    model = pickle.loads(pickle.dumps(clf)).set_params(predict__batch_size=batch_size)
    with pytest.raises(ValueError, match=r"The 'predict__batch_size' parameter of "
                       r"RNNSequenceClassifier must be an int in the range \[1, inf\)\. "
                       rf"Got {batch_size!r} instead\."):
        model.predict_proba(X_TRENDS)
    model.set_params(predict__batch_size=5)
    np.testing.assert_allclose(model.predict_proba(X_TRENDS), clf.predict_proba(X_TRENDS),
                               atol=1e-6)


@pytest.mark.parametrize("factor", [1e-16, 1e-200])
def test_small_values_are_standardised_by_their_own_spread(factor):
    """Scaling X or y by 1e-16 or 1e-200 changes nothing but the units of the result.

    Before, a spread under 2.2e-15 counted as constant (scale 1): such X
    reached the network as zeros, and such y gave an R^2 of -4e25. Values
    near 1e-200 had a standard deviation of 0 (their squares underflowed),
    so they were treated as constant too.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 5))
    y, labels = X.sum(axis=1), (X[:, -1] > 0).astype(int)
    small = dict(units=2, epochs=2, random_state=0)
    unit = tiny_regressor(**small).fit(X, y)
    tiny_y = tiny_regressor(**small).fit(X, factor * y)
    np.testing.assert_allclose(tiny_y.target_scale_, factor * unit.target_scale_)
    np.testing.assert_allclose(tiny_y.predict(X), factor * unit.predict(X), rtol=1e-4)
    tiny_both = tiny_regressor(**small).fit(factor * X, factor * y)
    np.testing.assert_allclose(tiny_both.input_scale_, factor * unit.input_scale_)
    # in units of the data: R^2 itself would underflow (squares of 1e-200 are 0)
    assert r2_score(y, tiny_both.predict(factor * X) / factor) == pytest.approx(
        r2_score(y, unit.predict(X)), abs=1e-4)
    unit = tiny_classifier(**small).fit(X, labels)
    tiny_X = tiny_classifier(**small).fit(factor * X, labels)
    np.testing.assert_allclose(tiny_X.input_scale_, factor * unit.input_scale_)
    np.testing.assert_allclose(tiny_X.predict_proba(factor * X), unit.predict_proba(X), atol=1e-5)
    # a constant feature still gets scale 1, at any magnitude
    constant = tiny_classifier(**small).fit(np.full((16, 5, 2), 1e6) + [0.0, 1.0] * X[..., None], labels)
    assert constant.input_scale_[0] == 1.0 and constant.input_scale_[1] > 0.5


@pytest.mark.parametrize("value", [1e100, 1.1e100, -3.3e100, 1e-100])
def test_a_constant_feature_standardises_to_zero_at_any_magnitude(value):
    """A constant feature reaches the network as 0, as a constant 0 does.

    Before, the mean of a constant 1e100 differed from it by round-off
    (3.9e84), which, with the constant's scale of 1, was refused as too large
    for the network; at 1.1e100 the round-off counted as spread, so the
    feature reached the network as -1.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 5))
    y, labels = X.sum(axis=1), (X[:, -1] > 0).astype(int)
    small = dict(units=2, epochs=2, random_state=0)
    zero, const = np.stack([0 * X, X], axis=-1), np.stack([np.full_like(X, value), X], axis=-1)
    for make, target in ((tiny_regressor, y), (tiny_classifier, labels)):
        reference = make(**small).fit(zero, target)
        model = make(**small).fit(const, target)
        assert model.input_mean_[0] == value and model.input_scale_[0] == 1.0
        predict = model.predict if make is tiny_regressor else model.predict_proba
        reference_predict = reference.predict if make is tiny_regressor else reference.predict_proba
        np.testing.assert_array_equal(predict(const), reference_predict(zero))


def test_regressor_refuses_labels_and_nan_targets(reg):
    model, X, y = reg
    with pytest.raises(ValueError, match=r"expects numeric targets in y; got <U1 values such as 'a'"):
        clone(model).fit(X, ["a", "b"] * 20)
    with pytest.raises(ValueError, match=r"y contains NaN or infinity"):
        clone(model).fit(X, np.r_[np.nan, np.ones(39)])
    with pytest.raises(ValueError, match=r"Complex data not supported"):
        clone(model).fit(X, np.arange(40) + 5j)
    with pytest.raises(ValueError, match=r"expects y of shape \(40,\) or \(40, n_outputs\)"):
        clone(model).fit(X, np.zeros((40, 0)))


@pytest.mark.parametrize("y, match", [
    (np.arange(40).astype("datetime64[D]"), r"got dates or times \(datetime64\[D\]\)"),
    (np.arange(40).astype("timedelta64[s]"), r"got dates or times \(timedelta64\[s\]\)"),
    (np.arange(40.0).astype(str), r"got <U32 values such as '0\.0'"),
    (np.array([1.5, "2.5"] * 20, dtype=object), r"got object values such as '2\.5'"),
    ([[1.0], [2.0, 3.0]] * 20, r"one target \(or row of targets\) per sequence of X; got nested"),
    # the example is the value that is not a number, not the first value of y
    (np.array([1.5, 2.5, {}] * 13 + [1.0], dtype=object), r"got object values such as \{\}"),
    # pandas' missing value in an object array is missing, as in a Float64 column
    (np.array([1.5, 2.5, pd.NA] * 13 + [1.0], dtype=object), r"Input y contains NaN"),
], ids=["dates", "timedeltas", "numeric strings", "object strings", "ragged", "object", "pd.NA"])
def test_regressor_refuses_targets_numpy_would_cast(reg, y, match):
    """Dates, times and numeric strings are not silently read as numbers."""
    model, X, _ = reg
    model = pickle.loads(pickle.dumps(model))
    before = snapshot(model)
    with pytest.raises(ValueError, match=match) as excinfo:
        model.fit(X, y)
    assert excinfo.value.args[0].count("\n") == 0
    assert_same_state(before, snapshot(model))


def test_predict_checks(clf, text_clf):
    with pytest.raises(NotFittedError):
        RNNSequenceClassifier().predict(X_TRENDS)
    with pytest.raises(ValueError, match="fitted on numeric sequences, but X holds sequences of tokens"):
        clf.predict(["abc"])
    with pytest.raises(ValueError, match="X has 2 features per time step"):
        clf.predict(np.ones((3, 4, 2)))
    with pytest.raises(ValueError, match="fitted on sequences of tokens, but X holds numeric"):
        text_clf.predict(X_TRENDS)
    with pytest.raises(ValueError, match=r"Reshape your data"):
        clf.predict(X_TRENDS[0])


def test_nan_loss_keeps_last_good_weights():
    class Poison(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.set_weights([w * np.nan for w in self.model.get_weights()])

    model = tiny_classifier(epochs=2, batch_size=8, callbacks=[Poison()])
    with pytest.raises(NonFiniteLossError, match="lower learning_rate or set clipnorm"):
        model.fit(X_TRENDS, Y_TRENDS)
    assert all(np.isfinite(w).all() for w in model.model_.get_weights())
    assert model.history_["status"] == ["nan_loss"]
    assert np.isfinite(model.predict_proba(X_TRENDS)).all()


def test_keyboard_interrupt_is_reraised_after_keeping_weights():
    class Interrupt(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                raise KeyboardInterrupt

    model = tiny_classifier(epochs=3, batch_size=8, callbacks=[Interrupt()])
    with pytest.raises(KeyboardInterrupt):
        model.fit(X_TRENDS, Y_TRENDS)
    assert model.history_["status"] == ["interrupted"]
    assert model.predict(X_TRENDS).shape == (48,)


# --------------------------------------------------------------------------
# scikit-learn integration


def test_pipeline_with_vectorizer_and_cross_val_score():
    pipe = make_pipeline(CharSequenceVectorizer(), tiny_classifier(embedding_dim=4, epochs=4))
    docs = [d.upper() if i % 2 else d for i, d in enumerate(DOCS)]
    scores = cross_val_score(pipe, docs, DOC_LABELS, cv=KFold(3))
    assert scores.shape == (3,) and np.isfinite(scores).all()
    pipe.fit(docs, DOC_LABELS)
    assert pipe.predict(["A CAT NAPS"]).shape == (1,)


def test_grid_search_over_units_cell_dropout():
    grid = GridSearchCV(
        tiny_classifier(epochs=2),
        [{"units": [4]}, {"units": [6], "cell": ["gru"], "dropout": [0.2]}],
        cv=KFold(2),
    )
    grid.fit(X_TRENDS, Y_TRENDS)
    assert len(grid.cv_results_["params"]) == 2
    assert grid.best_estimator_.predict(X_TRENDS).shape == (48,)


def test_clone_keeps_routed_parameters_and_drops_fit(clf):
    model = clone(clf)
    assert not hasattr(model, "model_") and repr(model.get_params()) == repr(clf.get_params())
    routed = clone(tiny_classifier(model__units=5))
    assert routed.get_params()["model__units"] == 5


def test_pickle_round_trip(clf, reg):
    for model, X in [(clf, X_TRENDS), (reg[0], reg[1])]:
        copy = pickle.loads(pickle.dumps(model))
        np.testing.assert_array_equal(copy.predict(X), model.predict(X))


def test_joblib_round_trip_in_a_fresh_process(tmp_path, text_clf):
    pipe = make_pipeline(CharSequenceVectorizer(), clone(text_clf)).fit(DOCS, DOC_LABELS)
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    expected = pipe.predict_proba(DOCS)
    script = textwrap.dedent(
        f"""
        import sys
        import joblib, keras, numpy as np
        reduce = keras.Model.__dict__.get("__reduce__")
        import seqrnn.classification  # imports scikeras
        # scikeras patches Keras pickling on import; seqrnn undoes it.
        assert keras.Model.__dict__.get("__reduce__") is reduce
        pipe = joblib.load({str(tmp_path / "pipe.joblib")!r})
        np.save({str(tmp_path / "proba.npy")!r}, pipe.predict_proba({DOCS!r}))
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    np.testing.assert_array_equal(np.load(tmp_path / "proba.npy"), expected)


def test_safe_format_round_trip(tmp_path, clf, reg):
    for model, X in [(clf, X_TRENDS), (reg[0], reg[1])]:
        path = tmp_path / f"{type(model).__name__}.seqrnn"
        model.save(path)
        np.testing.assert_array_equal(load(path).predict(X), model.predict(X))


def test_grid_search_logs_no_tensorflow_retracing_notice(monkeypatch):
    # TensorFlow counts traces per code object, so the predict function of
    # every new network (one per fit of a grid search) counted as a
    # "retrace", and after five fits TensorFlow logged "5 out of the last 5
    # calls to ... triggered tf.function retracing" to the console.
    import logging

    if keras.backend.backend() != "tensorflow":
        pytest.skip("a TensorFlow notice")
    pf = pytest.importorskip("tensorflow.python.eager.polymorphic_function.polymorphic_function")

    # a fresh detector: TensorFlow warns at most twice per process
    monkeypatch.setattr(pf, "_frequent_tracing_detector_manager",
                        pf._FrequentTracingDetectorManager())
    messages = []

    class Record(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    handler = Record()
    logger = logging.getLogger("tensorflow")
    logger.addHandler(handler)
    try:
        GridSearchCV(tiny_classifier(epochs=1), {"units": [4, 6, 8]}, cv=3).fit(
            X_TRENDS, Y_TRENDS
        )
    finally:
        logger.removeHandler(handler)
    assert not [m for m in messages if "retracing" in m], messages
    assert not logger.filters  # the filter is scoped to seqrnn's own calls


def test_rows_given_as_dataframes_name_their_features(tmp_path):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    rows = [
        pd.DataFrame({"a": rng.normal(size=n), "b": 10 * rng.normal(size=n)})
        for n in (5, 7, 6, 8)
    ]
    y = ["x", "y", "x", "y"]
    clf = tiny_classifier(epochs=1).fit(rows, y)
    assert list(clf.feature_names_in_) == ["a", "b"]
    # the same columns in another order would be read as swapped features
    with pytest.raises(ValueError, match=r"X, \['b', 'a'\].*another order"):
        clf.predict([row[["b", "a"]] for row in rows])
    with pytest.raises(ValueError, match="row 0 has columns.*row 2 has columns"):
        clf.predict([rows[0], rows[1], rows[2].rename(columns={"b": "c"})])
    with pytest.warns(UserWarning, match="fitted with feature names"):
        from_arrays = clf.predict_proba([row.to_numpy() for row in rows])
    np.testing.assert_array_equal(from_arrays, clf.predict_proba(rows))
    clf.save(tmp_path / "clf.seqrnn")
    assert list(load(tmp_path / "clf.seqrnn").feature_names_in_) == ["a", "b"]
    # a refit on arrays forgets the names
    clf.fit([row.to_numpy() for row in rows], y)
    assert not hasattr(clf, "feature_names_in_")


def test_input_type_changed_after_fit_is_refused_unless_it_reads_x_the_same(clf, reg):
    """Before, input_type='tokens' set after a fit on floats said that X must
    hold whole numbers, of the same X; now the refusal names input_type."""
    for fitted, X, y in ((clf, X_TRENDS, Y_TRENDS), reg):
        model = pickle.loads(pickle.dumps(fitted)).set_params(input_type="tokens")
        name = type(model).__name__
        calls = [model.predict, lambda X: model.score(X, y)]
        if hasattr(model, "predict_proba"):
            calls += [model.predict_proba, model.predict_log_proba]
        for call in calls:
            with pytest.raises(ValueError, match=(
                rf"^The 'input_type' parameter of {name} was changed after fit, to "
                r"'tokens', but the fitted network reads numeric sequences; set it to "
                r"'numeric' or 'auto', or fit again\.$"
            )):
                call(X)
        before = snapshot(model.set_params(warm_start=True))
        with pytest.raises(ValueError, match="'input_type' parameter"):
            model.fit(X, y)
        assert_same_state(before, snapshot(model))
        # 'numeric' reads X as the fit ('auto') did
        model.set_params(input_type="numeric", warm_start=False)
        np.testing.assert_array_equal(model.predict(X), fitted.predict(X))
    # integer ids fitted as tokens, then 'auto', which reads them as numbers
    ids = np.random.default_rng(0).integers(0, 9, size=(8, 4))
    tokens = tiny_classifier(epochs=1, input_type="tokens").fit(ids, ids[:, 0] % 2)
    with pytest.raises(ValueError, match="integer token ids need input_type='tokens'"):
        tokens.set_params(input_type="auto").predict(ids)
