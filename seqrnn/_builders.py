"""Keras model builders: pure functions that return a ``keras.Model``.

Every estimator builds its network here, in ``fit``, from its hyper-parameters
and integer seeds; the safe file format rebuilds networks with the same
functions and then loads weights alone. Nothing here touches global random
state: each initializer and dropout layer gets its own seed.

Layer names are part of the contract between these builders and
``seqrnn._core``: ``"embedding"`` (symbol inputs only), ``"rnn_<i>"``,
``"dropout_<i>"`` and ``"head"`` (and, in the sequence model,
``"segments"`` and ``"segment_projection"``).
"""

import keras
import numpy as np
from keras import layers, ops

__all__ = [
    "Segments", "build_autoregressive_model", "build_sequence_model", "rnn_layer",
    "stacked_units",
]

_CELLS = {"lstm": layers.LSTM, "gru": layers.GRU, "rnn": layers.SimpleRNN}


def stacked_units(units):
    """Return ``units`` as a tuple of layer sizes (an int is one layer)."""
    return (int(units),) if isinstance(units, int) else tuple(int(u) for u in units)


class _Seeds:
    """Hand out distinct integer seeds drawn from one parent seed."""

    def __init__(self, seed):
        self._seq = np.random.SeedSequence(int(seed))

    def __call__(self):
        (child,) = self._seq.spawn(1)
        return int(child.generate_state(1)[0] % (2**31 - 1))


def rnn_layer(cell, n_units, *, seeds, return_sequences, return_state=False,
              recurrent_dropout=0.0, name=None):
    """One recurrent layer of kind ``cell`` with explicitly seeded initializers."""
    kwargs = dict(
        units=n_units,
        return_sequences=return_sequences,
        return_state=return_state,
        kernel_initializer=keras.initializers.GlorotUniform(seed=seeds()),
        recurrent_initializer=keras.initializers.Orthogonal(seed=seeds()),
        recurrent_dropout=recurrent_dropout,
        seed=seeds(),
        name=name,
    )
    return _CELLS[cell](**kwargs)


def _input_block(input_kind, n_inputs, embedding_dim, seeds):
    """The model input and what the first recurrent layer reads from it.

    Integer ids go through an ``Embedding`` named ``"embedding"``; float
    features of shape ``(time, n_inputs)`` are read as they are.
    """
    if input_kind == "symbols":
        inputs = keras.Input((None,), dtype="int32", name="ids")
        x = layers.Embedding(
            n_inputs,
            embedding_dim,
            embeddings_initializer=keras.initializers.RandomUniform(
                -0.05, 0.05, seed=seeds()
            ),
            name="embedding",
        )(inputs)
        return inputs, x
    if input_kind == "numeric":
        inputs = keras.Input((None, n_inputs), dtype="float32", name="values")
        return inputs, inputs
    raise ValueError(f"input_kind must be 'symbols' or 'numeric'; got {input_kind!r}.")


def build_autoregressive_model(
    *,
    n_inputs,
    n_outputs,
    input_kind="symbols",
    embedding_dim=32,
    cell="lstm",
    units=256,
    dropout=0.2,
    recurrent_dropout=0.0,
    seed=0,
):
    """Build the next-element network shared by ``CharLM`` and ``RNNForecaster``.

    Input -> (Embedding) -> [RNN -> Dropout] * len(units) -> Dense head. Every
    recurrent layer returns its sequence *and* its final state, so that
    ``seqrnn._core`` can reuse the same layers for state-carrying inference.

    Parameters
    ----------
    n_inputs : int
        Size of the input vocabulary (``input_kind="symbols"``) or number of
        input features per time step (``input_kind="numeric"``).
    n_outputs : int
        Width of the head: number of output symbols (logits), or number of
        distribution parameters for a numeric target.
    input_kind : {"symbols", "numeric"}, default="symbols"
        Integer ids through an ``Embedding``, or float features fed directly.
    embedding_dim, cell, units, dropout, recurrent_dropout : see the estimators.
    seed : int, default=0
        Parent seed of every initializer and dropout layer.

    Returns
    -------
    model : keras.Model
        Maps ``(batch, time)`` ids or ``(batch, time, n_inputs)`` floats to
        ``(batch, time, n_outputs)`` raw head outputs.

    Examples
    --------
    >>> model = build_autoregressive_model(n_inputs=10, n_outputs=8, units=4)
    >>> model.output_shape
    (None, None, 8)
    """
    seeds = _Seeds(seed)
    inputs, x = _input_block(input_kind, n_inputs, embedding_dim, seeds)
    for i, n_units in enumerate(stacked_units(units)):
        x = rnn_layer(
            cell, n_units, seeds=seeds, return_sequences=True, return_state=True,
            recurrent_dropout=recurrent_dropout, name=f"rnn_{i}",
        )(x)[0]
        x = layers.Dropout(dropout, seed=seeds(), name=f"dropout_{i}")(x)
    outputs = layers.Dense(
        n_outputs,
        kernel_initializer=keras.initializers.GlorotUniform(seed=seeds()),
        name="head",
    )(x)
    return keras.Model(inputs, outputs, name="autoregressive")


def _backward_twin(forward, seeds):
    """The backward half of a bidirectional layer, with its own seeds.

    ``keras.layers.Bidirectional`` would otherwise copy the forward layer's
    config, initializer seeds included, so both directions would start from
    the same weights.
    """
    config = forward.get_config()
    config.update(
        go_backwards=True,
        name=f"{forward.name}_backward",
        kernel_initializer=keras.initializers.GlorotUniform(seed=seeds()),
        recurrent_initializer=keras.initializers.Orthogonal(seed=seeds()),
        seed=seeds(),
    )
    return type(forward).from_config(config)


class Segments(layers.Layer):
    """Read ``length`` consecutive time steps as one step of the next layer.

    Maps ``(batch, time, width)`` and its boolean ``mask`` to ``(batch,
    ceil(time / length), length * width)`` and the mask of the segments (as
    in SegRNN, Lin et al. 2023: a long sequence becomes a short sequence of
    segments). Masked steps are set to zero first and the end is padded
    with zeros, so a row's segments never depend on the rows beside it; a
    segment is real when its first step is (padding is at the end).

    Examples
    --------
    >>> x = np.arange(1.0, 6.0).reshape(1, 5, 1)
    >>> values, real = Segments(2)(x, np.array([[True, True, True, False, False]]))
    >>> ops.convert_to_numpy(values)[0].tolist()
    [[1.0, 2.0], [3.0, 0.0], [0.0, 0.0]]
    >>> ops.convert_to_numpy(real).tolist()
    [[True, True, False]]
    """

    def __init__(self, length, **kwargs):
        super().__init__(**kwargs)
        self.length = int(length)

    def call(self, values, real):
        n = self.length
        x = values * ops.expand_dims(ops.cast(real, values.dtype), -1)
        extra = (-ops.shape(x)[1]) % n
        x = ops.pad(x, [[0, 0], [0, extra], [0, 0]])
        x = ops.reshape(x, (ops.shape(x)[0], -1, n * ops.shape(x)[2]))
        return x, real[:, ::n]

    def compute_output_shape(self, values_shape, real_shape):
        steps = None if values_shape[1] is None else -(-values_shape[1] // self.length)
        width = None if values_shape[2] is None else values_shape[2] * self.length
        return (values_shape[0], steps, width), (real_shape[0], steps)

    def get_config(self):
        return {**super().get_config(), "length": self.length}


def build_sequence_model(
    *,
    n_inputs,
    n_outputs,
    input_kind="numeric",
    embedding_dim=32,
    segment_length=1,
    cell="lstm",
    units=32,
    bidirectional=False,
    dropout=0.0,
    recurrent_dropout=0.0,
    seed=0,
):
    """Build the whole-sequence network of the supervised sequence estimators.

    Input -> (Embedding) -> (Segments) -> [RNN -> Dropout] * len(units) ->
    Dense head. The last recurrent layer returns its final output only: one
    vector per row.
    The model takes a boolean ``mask`` input besides the sequences, passed to
    every recurrent layer, so padded steps (after the end of a row) leave the
    state unchanged and never change a row's output.

    Parameters
    ----------
    n_inputs : int
        Number of input ids, padding and unknown ids included
        (``input_kind="symbols"``), or features per time step
        (``input_kind="numeric"``).
    n_outputs : int
        Width of the head: one logit per class, or one value per target.
    input_kind : {"numeric", "symbols"}, default="numeric"
        Float features fed directly, or integer ids through an ``Embedding``.
    segment_length : int, default=1
        Consecutive time steps read together as one step of the first
        recurrent layer (see :class:`Segments`); 1 reads them one by one.
    embedding_dim, cell, units, bidirectional, dropout, recurrent_dropout : \
see the estimators.
    seed : int, default=0
        Parent seed of every initializer and dropout layer.

    Returns
    -------
    model : keras.Model
        Maps ``[ids (batch, time) or values (batch, time, n_inputs), mask
        (batch, time)]`` to ``(batch, n_outputs)`` raw head outputs.

    Examples
    --------
    >>> model = build_sequence_model(n_inputs=3, n_outputs=2, units=(4, 4))
    >>> [tuple(i.shape) for i in model.inputs], model.output_shape
    ([(None, None, 3), (None, None)], (None, 2))
    """
    seeds = _Seeds(seed)
    inputs, x = _input_block(input_kind, n_inputs, embedding_dim, seeds)
    mask = inputs_mask = keras.Input((None,), dtype="bool", name="mask")
    if int(segment_length) < 1:
        raise ValueError(f"segment_length must be at least 1; got {segment_length!r}.")
    if segment_length > 1:
        x, mask = Segments(segment_length, name="segments")(x, mask)
        x = layers.Dense(
            embedding_dim,
            kernel_initializer=keras.initializers.GlorotUniform(seed=seeds()),
            name="segment_projection",
        )(x)
    sizes = stacked_units(units)
    for i, n_units in enumerate(sizes):
        layer = rnn_layer(
            cell, n_units, seeds=seeds, return_sequences=i < len(sizes) - 1,
            recurrent_dropout=recurrent_dropout, name=f"rnn_{i}",
        )
        if bidirectional:
            layer = layers.Bidirectional(
                layer, backward_layer=_backward_twin(layer, seeds), name=f"bidirectional_{i}"
            )
        x = layer(x, mask=mask)
        x = layers.Dropout(dropout, seed=seeds(), name=f"dropout_{i}")(x)
    outputs = layers.Dense(
        n_outputs,
        kernel_initializer=keras.initializers.GlorotUniform(seed=seeds()),
        name="head",
    )(x)
    return keras.Model([inputs, inputs_mask], outputs, name="sequence")
