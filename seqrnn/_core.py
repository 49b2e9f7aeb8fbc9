"""The recurrent core every autoregressive estimator shares.

* Rows are encoded once into two flat "streams" (the inputs and the targets,
  aligned, one entry per predicted element) plus row offsets; training chunks
  of ``seq_length`` are gathered from them batch by batch, so memory stays
  O(corpus) and no one-hot or sliding-window copy is ever made.
* Training runs Keras ``fit`` over a :class:`ChunkBatches` dataset shuffled by
  our own generator, with a :class:`_FaultGuard` callback that keeps the last
  finite weights, records the history and stops on a non-finite loss.
* Inference carries the recurrent state across fixed-length time chunks, in
  fixed-size batches, so a row's outputs never depend on ``seq_length`` or on
  which rows share its batch (:func:`iter_row_outputs`).
* Sampling runs one compiled loop over all steps, all samples as one batch
  (:func:`make_symbol_sampler`).
"""

import logging
import math
import time
from contextlib import contextmanager

import keras
import numpy as np
from keras import ops

__all__ = [
    "ChunkBatches",
    "NonFiniteLossError",
    "compile_function",
    "draw_seed",
    "iter_row_outputs",
    "resolve_rng",
    "train",
]

#: Time steps per compiled inference call (state is carried between calls).
INFERENCE_CHUNK = 64
#: Rows per inference batch; batches are always padded to this size so that a
#: row's floating-point result does not depend on the rows beside it.
INFERENCE_BATCH = 16


class NonFiniteLossError(FloatingPointError):
    """Raised when the training loss becomes NaN or infinite.

    The estimator keeps the weights of the last finite step, so it still
    predicts and samples; its ``history_`` records the fault.
    """


# ---------------------------------------------------------------- randomness
def resolve_rng(random_state):
    """Return a ``numpy.random.Generator`` without touching global state.

    ``None`` gives fresh OS entropy, an int a seeded generator, a
    ``Generator`` is used as is and a ``RandomState`` is drawn from.
    """
    if random_state is None or (
        isinstance(random_state, (int, np.integer)) and random_state >= 0
    ):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    raise ValueError(
        "random_state must be None, a non-negative int, a numpy Generator or a "
        f"RandomState; got {random_state!r}."
    )


def mean_std(values):
    """Mean and standard deviation of ``values`` along axis 0, in float64.

    Computed in units of the largest magnitude of each column, so that
    neither overflows (values near the float64 limit, 1.8e308, whose sum or
    squares are infinite) nor underflows (values near 1e-200, whose squares
    are 0 or lose their precision as subnormal numbers), and so that the
    mean of a constant column is exactly its value, at any magnitude (then
    the standard deviation is exactly 0). For other data the result is that
    of the plain computation to within round-off.
    """
    values = np.asarray(values, dtype=np.float64)
    # the largest magnitude, without a temporary |values| (or the wrap-around
    # of abs(int64 min)); an empty column gets 1
    peak = np.maximum(np.max(values, axis=0, initial=0.0), -np.min(values, axis=0, initial=0.0))
    peak = np.where(peak > 0, peak, 1.0)
    unit = values / peak
    return peak * unit.mean(axis=0), peak * unit.std(axis=0)


def constant_to_unit(mean, scale):
    """``scale`` with 1 where a column is constant (``scale`` is round-off of
    ``mean``, or 0), so that dividing by it is safe.

    The bound is relative to the mean: values of any magnitude, 1e-16 as
    well as 1e16, that vary are standardised by their own spread.
    """
    constant = scale <= 10 * np.finfo(np.float64).eps * np.abs(mean)
    return np.where(constant, 1.0, scale)


def draw_seed(rng):
    """Draw one int seed (for Keras initializers and dropout) from ``rng``."""
    return int(rng.integers(0, 2**31 - 1))


# ------------------------------------------------------------------ chunking
def chunk_index(row_offsets, seq_length):
    """Start offset and length of every training chunk.

    Row ``r`` covers ``[row_offsets[r], row_offsets[r + 1])`` of the streams
    and is cut into consecutive chunks of ``seq_length`` elements (the last
    one shorter). Returns two int64 arrays in stream order.
    """
    lengths = np.diff(row_offsets)
    n_chunks = -(-lengths // seq_length)  # ceil; an empty row has no chunk
    row_of_chunk = np.repeat(np.arange(len(lengths)), n_chunks)
    first_chunk = np.cumsum(n_chunks) - n_chunks
    within = np.arange(n_chunks.sum()) - np.repeat(first_chunk, n_chunks)
    starts = row_offsets[row_of_chunk] + within * seq_length
    sizes = np.minimum(seq_length, row_offsets[row_of_chunk + 1] - starts)
    return starts.astype(np.int64), sizes.astype(np.int64)


class ChunkBatches(keras.utils.PyDataset):
    """Batches of ``(inputs, targets, weights)`` gathered from the streams.

    Padding (after the end of a short last chunk) has weight 0, and so has
    every element whose entry in the optional ``weights`` stream is 0. With
    ``rng`` set, chunk order is reshuffled by that generator every epoch and
    the last batch is filled up by wrapping around, so every batch is full.
    """

    def __init__(self, inputs, targets, starts, sizes, *, seq_length, batch_size,
                 rng=None, input_pad=0, weights=None):
        super().__init__(workers=1, use_multiprocessing=False)
        self.inputs, self.targets, self.weights = inputs, targets, weights
        self.starts, self.sizes = starts, sizes
        # No chunk is longer than the longest row: padding beyond it would be
        # wasted work (and memory, for a huge seq_length).
        self.seq_length = int(min(seq_length, sizes.max(initial=1)))
        self.batch_size = min(batch_size, len(starts))
        self.rng = rng
        self.input_pad = input_pad
        self.order = np.arange(len(starts))
        self.on_epoch_end()

    def __len__(self):
        return math.ceil(len(self.starts) / self.batch_size)

    def on_epoch_end(self):
        if self.rng is not None:
            self.order = self.rng.permutation(len(self.starts))

    def __getitem__(self, index):
        idx = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        if self.rng is not None and len(idx) < self.batch_size:
            idx = np.concatenate([idx, self.order[: self.batch_size - len(idx)]])
        steps = np.arange(self.seq_length)
        valid = steps < self.sizes[idx, None]
        positions = np.where(valid, self.starts[idx, None] + steps, self.starts[idx, None])
        x = self.inputs[positions]
        x[~valid] = self.input_pad
        y = self.targets[positions]
        if x.dtype.kind in "iu":
            x = x.astype(np.int32)
        if y.dtype.kind in "iu":
            y = y.astype(np.int32)
        w = valid.astype(np.float32)
        if self.weights is not None:
            w *= self.weights[positions]
        return x, y, w


# ------------------------------------------------------------------ training
class _FaultGuard(keras.callbacks.Callback):
    """Keep the last finite weights, record the history, stop on NaN loss."""

    def __init__(self, history):
        super().__init__()
        self.history = history
        self.good_weights = None
        self.fault = None
        self.epoch = 0
        self.batch = 0
        self._epoch_start = None
        self._epoch_open = False  # begun and not yet recorded

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self._epoch_start = time.perf_counter()
        self._epoch_open = True

    def on_train_batch_end(self, batch, logs=None):
        self.batch = batch
        loss = float((logs or {}).get("loss", 0.0))
        if math.isfinite(loss):
            self.good_weights = self.model.get_weights()
        else:
            self.fault = "nan_loss"
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.fault is not None:
            return  # recorded by finish()
        self._record(logs or {}, "completed")

    def _record(self, logs, status):
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        self.history.setdefault("epoch_time", []).append(
            time.perf_counter() - (self._epoch_start or time.perf_counter())
        )
        self.history.setdefault("status", []).append(status)
        self._epoch_open = False

    def finish(self, status):
        """Restore the last finite weights and record the partial epoch (if
        the fault came after the epoch was recorded, as from a later
        callback's ``on_epoch_end``, there is none)."""
        if self.good_weights is not None:
            self.model.set_weights(self.good_weights)
        if self._epoch_open:
            keys = [k for k in self.history if k not in ("status", "epoch_time")] or ["loss"]
            self._record({k: math.nan for k in keys}, status)


@contextmanager
def _torch_random_state_kept():
    """Give PyTorch's global generators back as they were (no-op elsewhere).

    Keras's PyTorch trainer iterates through a ``torch`` DataLoader, which
    draws its base seed from the global generator even when nothing is
    shuffled; seqrnn's own randomness never comes from it.
    """
    if keras.backend.backend() != "torch":
        yield
        return
    import torch

    cpu = torch.random.get_rng_state()
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
    try:
        yield
    finally:
        torch.random.set_rng_state(cpu)
        if cuda is not None:
            torch.cuda.set_rng_state_all(cuda)


def train(model, dataset, *, history, epochs, validation=None, n_iter_no_change=None,
          callbacks=None, verbose=0, caller="estimator"):
    """Fit ``model`` on ``dataset``.

    ``history`` (a dict of per-epoch lists; the caller counts the epochs
    added by the entries of ``history["status"]``) is extended in place, also
    when training stops on a fault: a non-finite loss restores the last finite
    weights and raises :class:`NonFiniteLossError`; ``KeyboardInterrupt``
    restores them too and is re-raised. Any other exception sets the
    weights back to those ``model`` had before and is re-raised. The
    ``callbacks`` are detached from ``model`` at the end.
    """
    guard = _FaultGuard(history)
    all_callbacks = [guard]
    if n_iter_no_change is not None:
        all_callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss" if validation is not None else "loss",
                patience=n_iter_no_change,
                restore_best_weights=True,
            )
        )
    all_callbacks.extend(callbacks or [])
    weights_before = model.get_weights()
    try:
        with _torch_random_state_kept(), quiet_retracing():
            model.fit(
                dataset,
                epochs=epochs,
                validation_data=validation,
                callbacks=all_callbacks,
                verbose=verbose,
                shuffle=False,  # ChunkBatches shuffles with our own generator
            )
    except KeyboardInterrupt:
        guard.finish("interrupted")
        raise
    except Exception:
        # any other error (a callback's, a bad routed setting reaching Keras):
        # a warm-started network goes back to the weights it had
        model.set_weights(weights_before)
        raise
    finally:
        # Keras leaves the network on each callback: detached, the callbacks
        # (parameters of the estimator) do not carry a second copy of it into
        # every pickle and clone. Not through set_model(None): Keras never
        # calls it with None, and a callback's own set_model may read the
        # model (or, as TensorBoard's does, open a new log file)
        for callback in callbacks or []:
            if getattr(callback, "_model", None) is model:
                callback._model = None
    if guard.fault is not None:
        guard.finish(guard.fault)
        raise NonFiniteLossError(
            f"Training of {caller} stopped at epoch {guard.epoch + 1}, batch "
            f"{guard.batch + 1}: the loss became NaN or infinite. The estimator "
            "keeps the weights of the last finite step; lower learning_rate or "
            "set clipnorm (e.g. clipnorm=1.0) and fit again."
        )


# ----------------------------------------------------------------- compiling
class _RetracingNoticeFilter(logging.Filter):
    """Drops TensorFlow's "N out of the last M calls ... triggered tf.function
    retracing" notice.

    TensorFlow counts traces per Python *code object*, not per function, so
    every new seqrnn network (each fit of a grid search, each fold of a
    cross-validation) traces the same code again, and after five of them it
    logs that notice, suggesting fixes that do not apply: each network is
    traced once per input shape, as it must be.
    """

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


@contextmanager
def quiet_retracing():
    """Silence TensorFlow's retracing notice for seqrnn's own compiled calls
    (Keras ``fit`` and ``predict_on_batch``, the sampling loops) while they run; the
    ``"tensorflow"`` logger is left as it was afterwards."""
    logger = logging.getLogger("tensorflow")
    notice_filter = _RetracingNoticeFilter()
    logger.addFilter(notice_filter)
    try:
        yield
    finally:
        logger.removeFilter(notice_filter)


def compile_function(fn, variables):
    """Compile ``fn``, which reads ``variables``, with the active Keras backend.

    The compiled function reads the variables' current values at every call,
    on every backend, so it can be cached across weight changes: TensorFlow
    captures variables by reference; on JAX the values are passed in as
    arguments (``jax.jit`` would otherwise freeze them as constants); PyTorch
    runs eagerly, without recording gradients.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        compiled = tf.function(fn, jit_compile=True, reduce_retracing=True)

        def call(*args):
            with quiet_retracing():
                return compiled(*args)

        return call
    if backend == "jax":
        import jax

        def stateless(values, *args):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                return fn(*args)

        compiled = jax.jit(stateless)
        return lambda *args: compiled([v.value for v in variables], *args)
    if backend == "torch":
        import torch

        return torch.no_grad()(fn)
    return fn


def rnn_layers(model):
    """The recurrent layers of a model built by ``seqrnn._builders``."""
    layers = []
    while True:
        try:
            layers.append(model.get_layer(f"rnn_{len(layers)}"))
        except ValueError:
            return layers


def _n_states(layer):
    return 2 if isinstance(layer, keras.layers.LSTM) else 1


def zero_states(model, batch_size):
    """Zero initial states for every recurrent layer: a list of lists."""
    return [
        [np.zeros((batch_size, layer.units), np.float32) for _ in range(_n_states(layer))]
        for layer in rnn_layers(model)
    ]


def build_inference_model(model):
    """A model that maps ``(inputs, mask, *states)`` to ``(outputs, *states)``.

    It shares every layer (and so every weight) with ``model``; padded time
    steps (mask False) leave the state unchanged, so the state returned for a
    row is the state after its last real element.
    """
    inputs = keras.Input(model.inputs[0].shape[1:], dtype=model.inputs[0].dtype)
    mask = keras.Input((None,), dtype="bool")
    flat_state_inputs, final_states = [], []
    try:
        x = model.get_layer("embedding")(inputs)
    except ValueError:
        x = inputs
    for layer in rnn_layers(model):
        states = [keras.Input((layer.units,)) for _ in range(_n_states(layer))]
        flat_state_inputs.extend(states)
        out = layer(x, mask=mask, initial_state=states)
        x = out[0]
        final_states.extend(out[1:])
    outputs = model.get_layer("head")(x)
    return keras.Model([inputs, mask, *flat_state_inputs], [outputs, *final_states])


def iter_row_outputs(inference_model, model, rows, *, input_pad=0):
    """Run every row through the network, carrying state across time chunks.

    Parameters
    ----------
    rows : list of ndarray
        The input sequence of each row, shape ``(T_i,)`` or ``(T_i, f)``.

    Yields
    ------
    row_ids, t0, outputs, valid
        ``outputs[k, j]`` is the head output for row ``row_ids[k]`` at time
        ``t0 + j``; ``valid[k, j]`` says whether that step is real.
    At exhaustion the generator returns the final states of every row, as a
    list (per layer) of lists of arrays of shape ``(n_rows, units)``.
    """
    n_rows = len(rows)
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    order = np.argsort(-lengths, kind="stable")
    final = [
        [np.zeros((n_rows, s.shape[1]), np.float32) for s in layer_states]
        for layer_states in zero_states(model, 1)
    ]
    trailing = rows[0].shape[1:] if n_rows else ()
    dtype = rows[0].dtype if n_rows else np.int32
    for b0 in range(0, n_rows, INFERENCE_BATCH):
        batch_rows = order[b0:b0 + INFERENCE_BATCH]
        n_real = len(batch_rows)
        t_max = int(lengths[batch_rows].max()) if n_real else 0
        t_pad = max(INFERENCE_CHUNK, -(-t_max // INFERENCE_CHUNK) * INFERENCE_CHUNK)
        x = np.full((INFERENCE_BATCH, t_pad, *trailing), input_pad, dtype=dtype)
        valid = np.zeros((INFERENCE_BATCH, t_pad), dtype=bool)
        for k, r in enumerate(batch_rows):
            x[k, : lengths[r]] = rows[r]
            valid[k, : lengths[r]] = True
        states = zero_states(model, INFERENCE_BATCH)
        for t0 in range(0, max(t_max, 1), INFERENCE_CHUNK):
            sl = slice(t0, t0 + INFERENCE_CHUNK)
            # Rows that have ended (and the filler rows) get one step, whose
            # state is then thrown away: with TensorFlow on a GPU, Keras's
            # cuDNN kernel asserts that no row of the mask is all False.
            mask = valid[:, sl].copy()
            idle = ~mask.any(axis=1)
            mask[idle, 0] = True
            flat = [s for layer_states in states for s in layer_states]
            with quiet_retracing():
                result = inference_model.predict_on_batch([x[:, sl], mask, *flat])
            outputs, flat = result[0], list(result[1:])
            i = 0
            for layer_states in states:
                for j in range(len(layer_states)):
                    new = np.array(flat[i])
                    new[idle] = layer_states[j][idle]
                    layer_states[j] = new
                    i += 1
            yield batch_rows, t0, outputs[:n_real], valid[:n_real, sl]
        for layer_final, layer_states in zip(final, states):
            for f, s in zip(layer_final, layer_states):
                f[batch_rows] = s[:n_real]
    return final


# ------------------------------------------------------------------ sampling
def make_symbol_sampler(model, *, greedy, top_k):
    """Compile a loop that samples ``n_steps`` symbols for a batch of streams.

    The returned function takes ``(first_ids, uniforms, temperature, top_p,
    input_offset, *flat_states)``: the last input id of every stream
    ``(B,)``, one uniform number per stream and step ``(B, n_steps)`` (drawn
    by the caller from its own generator, so results are reproducible on
    every backend), the temperature (any float > 0, brought into float32's
    range by :func:`_positive_float32`) and nucleus mass as scalars, the
    offset between output index and input id (output ``k`` is fed back as
    input ``k + input_offset``), and the initial states. It returns the sampled
    output indices ``(B, n_steps)`` as a NumPy array; shapes are padded
    behind the scenes so that few are compiled (:func:`_bucketed`).
    """
    embedding = model.get_layer("embedding")
    cells = [layer.cell for layer in rnn_layers(model)]
    head = model.get_layer("head")
    n_per_layer = [_n_states(layer) for layer in rnn_layers(model)]

    def sample(first_ids, uniforms, temperature, top_p, input_offset, *flat_states):
        n_steps = ops.shape(uniforms)[1]
        states, i = [], 0
        for n in n_per_layer:
            states.append(list(flat_states[i:i + n]))
            i += n
        out = ops.zeros(ops.shape(uniforms), dtype="int32")

        def step(t, carry):
            ids, states, out = carry
            h = embedding(ids)
            new_states = []
            for cell, s in zip(cells, states):
                h, s = cell(h, s, training=False)
                new_states.append(list(s))
            logits = head(h)
            if greedy:
                nxt = ops.cast(ops.argmax(logits, axis=-1), "int32")
            else:
                # Relative to the largest logit, so that a tiny temperature
                # gives 0 for it and -inf (probability 0) for the others,
                # never inf - inf.
                shifted = logits - ops.max(logits, axis=-1, keepdims=True)
                # top_k and top_p rank the symbols by their logits: the
                # ranking does not depend on the temperature, whereas the
                # tempered probabilities of a huge one all round to 1 / n.
                if top_k is not None:
                    kth = ops.top_k(logits, top_k, sorted=True)[0][:, -1:]
                    shifted = ops.where(logits < kth, -np.inf, shifted)
                probs = ops.softmax(shifted / temperature, axis=-1)
                order = ops.argsort(-logits, axis=-1)  # most probable first
                sorted_probs = ops.take_along_axis(probs, order, axis=-1)
                mass_before = ops.cumsum(sorted_probs, axis=-1) - sorted_probs
                sorted_logits = ops.take_along_axis(logits, order, axis=-1)
                kept = ops.where(mass_before < top_p, sorted_logits, np.inf)
                threshold = ops.min(kept, axis=-1, keepdims=True)
                probs = ops.where(logits >= threshold, probs, 0.0)
                cdf = ops.cumsum(probs, axis=-1)
                u = ops.expand_dims(ops.take(uniforms, t, axis=1), -1) * cdf[:, -1:]
                nxt = ops.cast(ops.sum(ops.cast(cdf <= u, "int32"), axis=-1), "int32")
                nxt = ops.minimum(nxt, ops.shape(logits)[-1] - 1)
            out = ops.slice_update(out, (0, t), ops.expand_dims(nxt, -1))
            return nxt + input_offset, new_states, out

        return ops.fori_loop(0, n_steps, step, (first_ids, states, out))[2]

    compiled = _bucketed(compile_function(sample, model.weights), ("b", "bt", None, None, None))

    def call(first_ids, uniforms, temperature, *args):
        return compiled(first_ids, uniforms, _positive_float32(temperature), *args)

    return call


def _positive_float32(value):
    """``value`` (> 0) as a float32 in float32's normal range, without overflow.

    A temperature beyond float32's largest value (3.4e38) is its largest
    value: the tempered probabilities are then uniform, as they tend to be.
    One below its smallest normal value (1.2e-38) is that value: every
    logit but the largest is then -inf once tempered, the greedy limit
    (rather than a temperature of 0, which would give 0 / 0).
    """
    info = np.finfo(np.float32)
    return np.float32(min(max(float(value), float(info.smallest_normal)), float(info.max)))


#: Fewest steps a compiled sampler is traced for (see _bucketed).
MIN_STEPS_BUCKET = 16


def _bucketed(sampler, layouts):
    """Call ``sampler`` with its batch and step axes padded to powers of two.

    XLA (TensorFlow's ``jit_compile`` and JAX) compiles a function anew for
    every input shape, which costs far more than sampling (about 0.5 s
    against 16 ms for 500 characters), so asking for 501 characters after
    500, or 4 samples after 3, would compile again. Padding the number of
    streams and of steps up to the next power of two (at least
    ``MIN_STEPS_BUCKET`` steps) leaves a few compiled shapes for all calls,
    at the cost of at most twice the work along each axis (from 8 steps on;
    fewer steps still run 16). Streams never interact, and the
    padding streams (zeros) and steps are dropped from the result, so the
    result is that of the unpadded call, up to float32 rounding (which
    already depends on how many streams are computed together). ``layouts``
    says, per positional argument, which axes to pad: ``"b"`` the first
    (streams), ``"bt"`` the first two (streams, steps), ``None`` none;
    arguments past its end (the states) are ``"b"``. On PyTorch, which runs the loop eagerly and compiles nothing,
    nothing is padded.
    """
    if keras.backend.backend() not in ("tensorflow", "jax"):
        return lambda *args: ops.convert_to_numpy(sampler(*args))

    def bucket(n, minimum=1):
        return max(minimum, 1 << (int(n) - 1).bit_length())

    def call(*args):
        steps_arg = args[layouts.index("bt")]
        batch, n_steps = steps_arg.shape[:2]
        sizes = {"b": (bucket(batch),)}
        sizes["bt"] = sizes["b"] + (bucket(n_steps, MIN_STEPS_BUCKET),)
        padded = []
        for i, arg in enumerate(args):
            layout = layouts[i] if i < len(layouts) else "b"
            if layout is None:
                padded.append(arg)
                continue
            arg = np.asarray(arg)
            widths = [(0, size - n) for size, n in zip(sizes[layout], arg.shape)]
            widths += [(0, 0)] * (arg.ndim - len(widths))
            padded.append(np.pad(arg, widths))
        return ops.convert_to_numpy(sampler(*padded))[:batch, :n_steps]

    return call


# ---------------------------------------------------------- numeric sampling
#: Smallest predicted standard deviation of a Gaussian head, in the
#: standardised units the network works in: it keeps the log-likelihood
#: finite where the training series is (almost) deterministic.
MIN_GAUSSIAN_SCALE = 1e-3


def gaussian_scale(raw):
    """Standard deviation of a Gaussian head from its raw (unbounded) output.

    ``softplus(raw) + MIN_GAUSSIAN_SCALE``: positive, smooth, and linear for
    large outputs. Works on tensors and on NumPy arrays (returns a tensor).
    """
    return ops.softplus(raw) + MIN_GAUSSIAN_SCALE


def make_gaussian_sampler(model, *, target_column):
    """Compile a loop that draws ``n_steps`` values from a Gaussian head.

    The head's output ``[:, 0]`` is the mean and ``[:, 1]`` the raw scale
    (see :func:`gaussian_scale`). Every value drawn is written into column
    ``target_column`` of the next input, so the paths feed back on
    themselves; the other columns of the next input (known covariates, flags)
    are given by the caller.

    The returned function takes ``(first_inputs, next_inputs, noise,
    temperature, *flat_states)``: the input of the first sampled step
    ``(B, n_features)``; the input that follows each step ``(B, n_steps,
    n_features)`` (its target column is overwritten); one standard-normal
    number per path and step ``(B, n_steps)``, drawn by the caller from its
    own generator so that results are reproducible on every backend; a
    scalar temperature that multiplies the scale (0 gives the plug-in mean
    path); and the initial states. It returns the values drawn ``(B,
    n_steps)``, in the units the network predicts, as a NumPy array (shapes
    padded as for :func:`make_symbol_sampler`).
    """
    cells = [layer.cell for layer in rnn_layers(model)]
    head = model.get_layer("head")
    n_per_layer = [_n_states(layer) for layer in rnn_layers(model)]

    def sample(first_inputs, next_inputs, noise, temperature, *flat_states):
        n_steps = ops.shape(noise)[1]
        is_target = ops.one_hot(target_column, ops.shape(first_inputs)[-1])
        states, i = [], 0
        for n in n_per_layer:
            states.append(list(flat_states[i:i + n]))
            i += n
        out = ops.zeros(ops.shape(noise), dtype="float32")

        def step(t, carry):
            x, states, out = carry
            h = x
            new_states = []
            for cell, s in zip(cells, states):
                h, s = cell(h, s, training=False)
                new_states.append(list(s))
            params = head(h)
            value = params[:, 0] + temperature * gaussian_scale(params[:, 1]) * ops.take(
                noise, t, axis=1
            )
            value = ops.expand_dims(value, -1)
            out = ops.slice_update(out, (0, t), value)
            nxt = ops.take(next_inputs, t, axis=1)
            return nxt * (1.0 - is_target) + value * is_target, new_states, out

        return ops.fori_loop(0, n_steps, step, (first_inputs, states, out))[2]

    return _bucketed(compile_function(sample, model.weights), ("b", "bt", "bt", None))
