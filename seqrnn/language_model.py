"""CharLM: a next-character (next-symbol) language model on a recurrent network.

The classic Keras character-LSTM tutorial as a scikit-learn estimator. Each
row of ``X`` is one sequence (a document, or a row of symbols); the model
learns to predict every element from the elements before it, the first one
from a learned start symbol. Its targets are its own inputs shifted by one, so
``y`` is ignored and a vectorizer and a ``CharLM`` fit as one ``Pipeline``.
"""

from numbers import Integral

import keras
import numpy as np
from scipy.special import log_softmax, softmax
from scipy.sparse import issparse

from . import _core
from ._base import AutoregressiveEstimator
from ._validation import (
    Interval,
    _describe,
    check_n_steps,
    check_sampling_params,
    text_column,
)

__all__ = ["CharLM"]

# Input ids: 0 pads, 1 starts every row, 2 is the unknown symbol, and symbol k
# of ``classes_`` is k + 3. Output k (of the softmax) is symbol k.
PAD, BOS, UNK = 0, 1, 2
_INPUT_OFFSET = 3


def _input_ids(classes):
    """Input ids of class indices (-1, an unseen symbol, is the unknown id)."""
    return np.where(classes >= 0, classes + _INPUT_OFFSET, UNK)


def _text_symbols(doc):
    """A document as an array of single characters, without copying per char."""
    return np.frombuffer(doc.encode("utf-32-le", "surrogatepass"), dtype="<U1")


def _symbols_text(symbols):
    """The inverse of ``_text_symbols``: every character kept, NUL included.

    (Reading a '<U1' element back gives '' for NUL, so ``"".join`` would drop it.)
    """
    return np.ascontiguousarray(symbols).tobytes().decode("utf-32-le", "surrogatepass")


class CharLM(AutoregressiveEstimator):
    """Character-level (or any-symbol) recurrent language model.

    Embedding -> LSTM (or GRU / simple RNN) layers, each followed by Dropout ->
    softmax over the vocabulary, trained on the next-symbol loss at every
    position of every row. Long rows are cut into independent chunks of
    ``seq_length`` so that batches are full; ``predict``, ``score`` and
    ``sample`` carry the recurrent state across chunks, so the whole row is
    context and the results do not depend on ``seq_length``.

    The vocabulary ``classes_`` is learned from ``X`` in ``fit`` (characters
    of strings, or the entries of a 2-D array). A symbol never seen in
    training maps to an unknown symbol: as context it is fed in as such, and
    as a target it gets the (tiny) probability the model gives the unknown
    symbol; as a target it has probability ``unknown_probability_``, and it
    is never predicted or sampled.

    Parameters
    ----------
    units : int or tuple of int, default=256
        Units of the recurrent layer; a tuple stacks several layers.
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell; ``"rnn"`` is the plain (Elman) RNN.
    embedding_dim : int, default=32
        Size of the learned symbol embedding.
    dropout : float, default=0.2
        Rate of the Dropout layer after each recurrent layer.
    recurrent_dropout : float, default=0.0
        Dropout on the recurrent state (disables the cuDNN kernel on GPUs).
    seq_length : int, default=100
        Length of the training chunks (truncated back-propagation through
        time). Has no effect on ``predict``, ``score`` or ``sample``.
    learning_rate : float, default=0.004
        Adam's learning rate (higher than Keras's 0.001: with every position
        a target, gradients are averaged over many elements, and on character
        data this reaches a lower loss in the same time).
    clipnorm : float or None, default=None
        Clip each gradient to this norm (a remedy for exploding gradients).
    epochs : int, default=10
        Passes over the training chunks.
    batch_size : int, default=64
        Chunks per batch (each chunk holds ``seq_length`` targets).
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
        Continue training the fitted network (and keep its vocabulary) when
        ``fit`` is called again. Parameters that shape the network
        (``units``, ``cell``, ``dropout``, ...) cannot change between
        warm-started fits: that is refused.
    random_state : int, numpy Generator or None, default=None
        Seeds every initializer, dropout mask and shuffle. Global random
        state is never touched.
    verbose : int, default=0
        1 shows the Keras progress bar.

    Attributes
    ----------
    classes_ : ndarray of shape (n_symbols,)
        The vocabulary, sorted.
    model_ : keras.Model
        The trained network (raw logits at every position).
    history_ : dict of list
        Per-epoch ``loss`` (mean nats per training symbol), ``val_loss``,
        ``epoch_time`` and ``status`` ("completed", "nan_loss", "interrupted").
    n_epochs_ : int
        Epochs run by the last ``fit``.
    unknown_probability_ : float
        Probability given to a symbol never seen in training, ``1 / (N + 1)``
        for ``N`` training symbols; known symbols share the rest, so
        ``score`` stays finite on text with new characters.
    n_features_in_ : int
        Features per time step: always 1 (one symbol).

    See Also
    --------
    CharSequenceVectorizer : reads and normalises raw text, one row per document.
    RNNForecaster : the same API for numeric series.

    Examples
    --------
    >>> from seqrnn import CharLM
    >>> lm = CharLM(units=8, epochs=2, seq_length=8, random_state=0)
    >>> lm = lm.fit(["abcabcabcabc", "cabcab"])
    >>> lm.classes_
    array(['a', 'b', 'c'], dtype='<U1')
    >>> lm.predict(["abcab"]).shape
    (1,)
    >>> len(lm.sample(5, context="ab", random_state=0))
    5
    """

    _parameter_constraints = {
        **AutoregressiveEstimator._parameter_constraints,
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        units=256,
        *,
        cell="lstm",
        embedding_dim=32,
        dropout=0.2,
        recurrent_dropout=0.0,
        seq_length=100,
        learning_rate=0.004,
        clipnorm=None,
        epochs=10,
        batch_size=64,
        validation_fraction=None,
        n_iter_no_change=None,
        callbacks=None,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.units = units
        self.cell = cell
        self.embedding_dim = embedding_dim
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

    # ------------------------------------------------------------ encoding
    def _check_rows(self, X, argument="X"):
        """Rows as a list of 1-D symbol arrays (documents become characters)."""
        name = type(self).__name__
        if isinstance(X, (str, bytes)):
            raise TypeError(
                f"{name} expects {argument} to be an iterable of documents (or a 2-D "
                f"array of symbols); got a single {type(X).__name__} instead. Wrap "
                "it in a list: [text]."
            )
        if issparse(X):
            raise TypeError(
                f"{name} does not accept a sparse matrix as {argument}; pass an "
                "iterable of documents or a dense 2-D array of symbols."
            )
        if hasattr(X, "to_numpy") and hasattr(X, "columns"):  # a DataFrame
            X = X.to_numpy()
        docs = text_column(X)  # a table's text column: one document per row
        if docs is not None:
            X = docs
        if isinstance(X, np.ndarray) and X.dtype.kind not in "OUS":
            if X.dtype.kind == "c":
                raise ValueError(f"Complex data not supported: {name} got complex values in {argument}.")
            if X.ndim != 2:
                raise ValueError(
                    f"{name} expects {argument} as a 2-D array of symbols (one row per "
                    f"sequence) or a list of documents; got a {X.ndim}-D array of shape "
                    f"{X.shape}. Reshape your data (one row per sequence)."
                )
            if X.dtype.kind in "fc" and not np.isfinite(X).all():
                raise ValueError(
                    f"{name} does not accept NaN or infinity as a symbol in {argument}."
                )
            if X.dtype.kind not in "biuf":
                raise TypeError(f"{name} cannot use {X.dtype} values of {argument} as symbols.")
            if X.shape[1] == 0:
                raise ValueError(
                    f"{name} got 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                    f"required: every row of {argument} is an empty sequence."
                )
            return list(X)
        if isinstance(X, np.ndarray) and X.ndim not in (1, 2):
            raise ValueError(
                f"{name} expects {argument} as a list of documents or a 2-D array of "
                f"symbols; got a {X.ndim}-D array of shape {X.shape}."
            )
        try:
            items = list(X)
        except TypeError:
            raise TypeError(
                f"{name} expects {argument} to be an iterable of str documents or a "
                f"2-D array of symbols; got {type(X).__name__} instead."
            ) from None
        rows = []
        for i, item in enumerate(items):
            if isinstance(item, str):
                rows.append(_text_symbols(item))
            elif isinstance(item, (bytes, dict, set)) or np.ndim(item) != 1:
                raise TypeError(
                    f"{name} expects every row of {argument} to be a str document or a "
                    f"1-D sequence of symbols; row {i} is {type(item).__name__}."
                )
            else:
                row = np.asarray(item)
                if row.dtype.kind in "fc" and not np.isfinite(row).all():
                    raise ValueError(
                        f"{name} does not accept NaN or infinity as a symbol in {argument} "
                        f"(row {i})."
                    )
                rows.append(row)
        if not rows:
            raise ValueError(f"{name} expects at least one row in {argument}; got none.")
        return rows

    def _encode(self, rows, classes=None):
        """Class indices (int32) of every row's symbols; an unseen symbol is -1."""
        classes = self.classes_ if classes is None else classes
        encoded = []
        for r, row in enumerate(rows):
            try:
                pos = np.searchsorted(classes, row)
            except TypeError:
                pos = None
            if pos is None:
                index = {s: i for i, s in enumerate(classes.tolist())}
                try:
                    encoded.append(np.array([index.get(s, -1) for s in row.tolist()], np.int32))
                except TypeError:
                    raise TypeError(
                        f"{type(self).__name__} needs hashable symbols (str, numbers); "
                        f"row {r} of X holds unhashable ones."
                    ) from None
                continue
            pos = np.minimum(pos, len(classes) - 1)
            seen = classes[pos] == row
            encoded.append(np.where(seen, pos, -1).astype(np.int32))
        return encoded

    @staticmethod
    def _learn_classes(rows):
        symbols = np.concatenate([np.asarray(r).ravel() for r in rows])
        try:
            return np.unique(symbols)
        except TypeError:
            raise TypeError(
                "CharLM needs symbols that can be sorted together (all str, or all "
                "numbers); the rows mix types that cannot be compared."
            ) from None

    def _training_streams(self, rows, classes):
        """Encode rows once into the compact streams training gathers from.

        Returns ``(inputs, targets, weights, row_offsets)``: element ``i`` of
        the streams is one prediction (input id -> target class), ids in the
        smallest unsigned dtype that holds them; ``weights`` is None unless
        some target is unknown (only a warm start meets new symbols: they are
        fed in as the unknown symbol and never used as targets).
        """
        encoded = self._encode(rows, classes)
        dtype = np.min_scalar_type(len(classes) + _INPUT_OFFSET)
        targets = np.concatenate(encoded)
        weights = (targets >= 0) if (targets < 0).any() else None
        targets = np.maximum(targets, 0).astype(dtype)
        row_offsets = np.concatenate([[0], np.cumsum([len(e) for e in encoded])])
        # written row by row into the compact dtype: no int64 copy of the corpus
        inputs = np.empty(len(targets), dtype)
        for start, e in zip(row_offsets, encoded):
            if len(e):
                inputs[start] = BOS
                inputs[start + 1:start + len(e)] = _input_ids(e[:-1])
        return inputs, targets, weights, row_offsets

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        """Learn the vocabulary of ``X`` and train the network on every position.

        Parameters
        ----------
        X : iterable of str, or array-like of shape (n_rows, n_steps)
            One sequence per row: documents, or rows of symbols (a list of
            1-D sequences may have different lengths).
        y : None
            Ignored: the targets are ``X`` shifted by one.

        Returns
        -------
        self : CharLM
        """
        rng, seed = self._resolve_fit()
        rows = self._check_rows(X)
        if not any(len(r) for r in rows):
            raise ValueError(
                f"CharLM needs at least one non-empty row in X to learn from; all "
                f"{len(rows)} rows are empty."
            )
        warm = self._warm()
        classes = self.classes_ if warm else self._learn_classes(rows)
        n_out = len(classes)
        inputs, targets, weights, row_offsets = self._training_streams(rows, classes)
        del rows  # the symbols (4 bytes each for text) are not held while training
        if weights is not None and not weights.any():
            raise ValueError(
                "CharLM with warm_start=True trains only on symbols of its vocabulary "
                "(classes_), and X holds none of them; set warm_start=False to learn "
                "a new vocabulary."
            )
        # Assigned with the network, so that an error before training ends
        # leaves a fitted estimator as it was.
        fitted = dict(classes_=classes, n_features_in_=1)
        if not warm:
            # Probability kept for a symbol never seen in training: one in
            # (number of training symbols + 1), a Laplace-style estimate.
            fitted["unknown_probability_"] = 1.0 / (len(targets) + 1)
        build_kwargs = dict(
            n_inputs=n_out + _INPUT_OFFSET,
            n_outputs=n_out,
            input_kind="symbols",
            embedding_dim=self.embedding_dim,
            cell=self.cell,
            units=tuple(self.units) if isinstance(self.units, (list, tuple)) else self.units,
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            seed=seed,
        )
        return self._fit_streams(
            inputs, targets, row_offsets,
            build_kwargs=build_kwargs, fitted=fitted,
            loss=keras.losses.SparseCategoricalCrossentropy(
                from_logits=True, reduction="mean_with_sample_weight"
            ),
            input_pad=PAD, rng=rng, reuse_model=warm, weights=weights,
        )

    # ------------------------------------------------------------ inference
    def _forward(self, X, argument="X"):
        """Per-row total log-likelihood, element count and next-symbol logits."""
        self._check_fitted()
        encoded = self._encode(self._check_rows(X, argument))
        rows = [np.concatenate([[BOS], _input_ids(e)]).astype(np.int32) for e in encoded]
        n = len(rows)
        loglik = np.zeros(n)
        last_logits = np.zeros((n, len(self.classes_)), np.float32)
        log_seen, log_unseen = np.log1p(-self.unknown_probability_), np.log(self.unknown_probability_)
        for row_ids, t0, outputs, valid in self._run_rows(rows, input_pad=PAD):
            logp = log_softmax(outputs.astype(np.float64), axis=-1) + log_seen
            for k, r in enumerate(row_ids):
                target = encoded[r][t0:t0 + outputs.shape[1]]
                if len(target):
                    picked = logp[k, np.arange(len(target)), np.maximum(target, 0)]
                    loglik[r] += np.where(target >= 0, picked, log_unseen).sum()
                last = len(encoded[r])  # position predicting the element after the row
                if t0 <= last < t0 + outputs.shape[1]:
                    last_logits[r] = outputs[k, last - t0]
        return loglik, np.array([len(e) for e in encoded]), last_logits

    def predict_proba(self, X):
        """Probability of each symbol of ``classes_`` coming next after each row.

        The unknown symbol is never predicted, so each row sums to 1; the
        likelihood that :meth:`score` gives a known symbol is this
        probability times ``1 - unknown_probability_``.

        Parameters
        ----------
        X : iterable of str, or array-like of shape (n_rows, n_steps)

        Returns
        -------
        proba : ndarray of shape (n_rows, n_classes)
        """
        return softmax(self._forward(X)[2].astype(np.float64), axis=-1)

    def predict(self, X):
        """The most probable next symbol after each row (the whole row is context).

        Parameters
        ----------
        X : iterable of str, or array-like of shape (n_rows, n_steps)

        Returns
        -------
        y : ndarray of shape (n_rows,)
            Elements of ``classes_`` (one-character strings for text).
        """
        logits = self._forward(X)[2]
        return self.classes_[np.argmax(logits, axis=1)]

    def score_samples(self, X):
        """Total log-likelihood (nats) of each row, every element included.

        Parameters
        ----------
        X : iterable of str, or array-like of shape (n_rows, n_steps)

        Returns
        -------
        loglik : ndarray of shape (n_rows,)
        """
        return self._forward(X)[0]

    def score(self, X, y=None, sample_weight=None):
        """Mean log-likelihood per element, in nats (higher is better).

        Every element of every row counts, the first included; the state is
        carried across the whole row, so the value does not depend on
        ``seq_length``. ``-score`` is the cross-entropy, and
        ``exp(-score)`` the perplexity.

        Parameters
        ----------
        X : iterable of str, or array-like of shape (n_rows, n_steps)
        y : None
            Ignored.
        sample_weight : array-like of shape (n_rows,), default=None
            Weight of each row: a row of weight ``w`` counts as ``w`` copies
            of it, so the score is ``sum(w * loglik) / sum(w * n_elements)``.

        Returns
        -------
        score : float
        """
        loglik, counts, _ = self._forward(X)
        return self._mean_loglik(loglik, counts, sample_weight, "element")

    # ------------------------------------------------------------- sampling
    def sample(self, n_steps, context=None, *, n_samples=None, temperature=1.0,
               top_k=None, top_p=None, random_state=None):
        """Generate the continuation of ``context``, symbol by symbol.

        The recurrent state is carried from one symbol to the next inside one
        compiled loop, all samples in one batch.

        Parameters
        ----------
        n_steps : int
            Number of symbols to generate (the context is not included).
        context : str or sequence of symbols, default=None
            Text to continue; None starts a new row.
        n_samples : int or None, default=None
            None returns one sample; an int returns a list of that many.
        temperature : float, default=1.0
            Divides the logits; 0 is greedy (always the most probable symbol).
        top_k : int or None, default=None
            Sample only among the ``top_k`` most probable symbols.
        top_p : float or None, default=None
            Nucleus sampling: only among the most probable symbols whose
            total probability reaches ``top_p``.
        random_state : int, numpy Generator or None, default=None
            The same value gives the same output.

        Returns
        -------
        sample : str, ndarray, or list of them
            A ``str`` for a model of characters, an array of symbols
            otherwise; a list of ``n_samples`` of them when ``n_samples`` is
            an int.
        """
        self._check_fitted()
        caller = f"{type(self).__name__}.sample"
        n_steps = check_n_steps(n_steps, caller=caller)
        check_sampling_params(
            caller=caller, temperature=temperature, n_samples=n_samples,
            top_k=top_k, top_p=top_p,
        )
        prefix = np.zeros(0, np.int64)
        if context is not None:
            if isinstance(context, str):
                symbols = _text_symbols(context)
            elif np.ndim(context) == 1:
                symbols = np.asarray(context)
            else:
                raise TypeError(
                    f"The 'context' argument of {caller} must be a str or a 1-D "
                    f"sequence of symbols; got {type(context).__name__}."
                )
            prefix = self._encode([symbols])[0]
            if len(prefix) and (prefix < 0).all():
                raise ValueError(
                    f"The 'context' argument of {caller} contains only symbols never "
                    f"seen in training ({_describe(context)}, {len(context)} symbols); "
                    "give a context with at least one known symbol."
                )
        batch = 1 if n_samples is None else int(n_samples)
        inputs = np.concatenate([[BOS], _input_ids(prefix)]).astype(np.int32)
        runner = self._run_rows([inputs[:-1]], input_pad=PAD) if len(inputs) > 1 else None
        if runner is None:
            states = _core.zero_states(self.model_, batch)
        else:
            try:
                while True:
                    next(runner)
            except StopIteration as stop:
                states = [[np.repeat(s, batch, axis=0) for s in layer] for layer in stop.value]
        greedy = temperature == 0
        sampler = self._cached(
            ("sampler", greedy, top_k),
            lambda: _core.make_symbol_sampler(
                self.model_, greedy=greedy,
                top_k=None if top_k is None else min(int(top_k), len(self.classes_)),
            ),
        )
        rng = _core.resolve_rng(random_state)
        uniforms = rng.random((batch, n_steps), dtype=np.float32)
        out = sampler(
            np.full((batch,), inputs[-1], np.int32), uniforms,
            temperature, np.float32(1.0 if top_p is None else top_p),
            np.int32(_INPUT_OFFSET), *[s for layer in states for s in layer],
        )
        symbols = self.classes_[out]
        results = [_symbols_text(s) for s in symbols] if symbols.dtype == "<U1" else list(symbols)
        return results[0] if n_samples is None else results

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.target_tags.required = False
        return tags
