"""What every autoregressive estimator shares: parameters, ``fit`` plumbing,
state-carrying inference, pickling.

``CharLM`` and ``RNNForecaster`` subclass :class:`AutoregressiveEstimator` and
differ only in how rows are encoded into streams and what the head means.
"""

from numbers import Integral

import keras
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from . import _builders, _core
from ._validation import (
    RNN_PARAMETER_CONSTRAINTS,
    Interval,
    check_warm_start_network,
    validate_params,
    validation_size,
)
from .persistence import PickledByWeights, SafeSaveMixin

__all__ = ["AutoregressiveEstimator"]


class AutoregressiveEstimator(PickledByWeights, SafeSaveMixin, BaseEstimator):
    """Base class: next-element models trained at every position of every row.

    Subclasses validate and encode their rows into the aligned input and
    target streams that :meth:`_fit_streams` trains on, with the loss that
    fits their head, and read :meth:`_run_rows` back for inference.
    """

    _builder_name = "build_autoregressive_model"
    _parameter_constraints = {
        **RNN_PARAMETER_CONSTRAINTS,
        "seq_length": [Interval(Integral, 1, None, closed="left")],
    }

    # ------------------------------------------------------------ training
    def _fit_streams(self, inputs, targets, row_offsets, *, build_kwargs, loss,
                     input_pad, rng, reuse_model, weights=None, fitted=None, absent=()):
        """Build (or reuse) the network and train it on the encoded streams.

        Fitted attributes (the network, its history, and the subclass's own in
        ``fitted``, such as its vocabulary) are assigned together, only after
        training ends, also when it ends on a fault (the weights are then the
        last finite ones): an error before that leaves the estimator as it was.
        The attributes named in ``absent`` (which this fit does not have, such
        as ``feature_names_in_`` after an earlier fit on named columns) are
        removed then.
        """
        if reuse_model:
            check_warm_start_network(self._build_kwargs, build_kwargs, caller=type(self).__name__)
            build_kwargs = self._build_kwargs
        starts, sizes = _core.chunk_index(row_offsets, self.seq_length)
        n_val = validation_size(
            self.validation_fraction, len(starts), caller=type(self).__name__,
            what=f"training chunks (rows cut at seq_length={self.seq_length})",
        )
        train_slice, val_slice = slice(0, len(starts) - n_val), slice(len(starts) - n_val, None)
        common = dict(seq_length=self.seq_length, input_pad=input_pad, weights=weights)
        dataset = _core.ChunkBatches(
            inputs, targets, starts[train_slice], sizes[train_slice],
            batch_size=self.batch_size, rng=rng, **common,
        )
        validation = None
        if n_val:
            validation = _core.ChunkBatches(
                inputs, targets, starts[val_slice], sizes[val_slice],
                batch_size=self.batch_size, **common,
            )
        if reuse_model:
            model, history = self.model_, {k: list(v) for k, v in self.history_.items()}
        else:
            model = getattr(_builders, self._builder_name)(**build_kwargs)
            history = {}
        model.compile(
            optimizer=keras.optimizers.Adam(
                learning_rate=self.learning_rate, clipnorm=self.clipnorm
            ),
            loss=loss,
        )
        fault = None
        n_before = len(history.get("status", []))
        try:
            _core.train(
                model, dataset, epochs=self.epochs, validation=validation,
                n_iter_no_change=self.n_iter_no_change, callbacks=self.callbacks,
                verbose=self.verbose, history=history, caller=type(self).__name__,
            )
        except (KeyboardInterrupt, _core.NonFiniteLossError) as exc:
            fault = exc
        for key in absent:
            vars(self).pop(key, None)
        self.__dict__.update(fitted or {})
        self.model_ = model
        self._build_kwargs = dict(build_kwargs)
        self.history_ = history
        self.n_epochs_ = len(history.get("status", [])) - n_before  # this fit's
        self._clear_caches()
        if fault is not None:
            raise fault
        return self

    def _warm(self):
        return bool(self.warm_start) and hasattr(self, "model_")

    def _resolve_fit(self):
        """Validate parameters and return the training generator and seed."""
        validate_params(self)
        rng = _core.resolve_rng(self.random_state)
        return rng, _core.draw_seed(rng)

    # ----------------------------------------------------------- inference
    def _clear_caches(self):
        self._cache = {}

    def _cached(self, key, factory):
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            cache[key] = factory()
        return cache[key]

    def _inference_model(self):
        return self._cached("inference", lambda: _core.build_inference_model(self.model_))

    def _run_rows(self, rows, input_pad=0):
        """Run input rows with carried state; see ``_core.iter_row_outputs``."""
        return _core.iter_row_outputs(
            self._inference_model(), self.model_, rows, input_pad=input_pad
        )

    def _check_fitted(self):
        check_is_fitted(self, "model_")

    def _mean_loglik(self, loglik, counts, sample_weight, what):
        """``score``: the (weighted) mean log-likelihood per element.

        A row of weight ``w`` counts as ``w`` copies of the row: the result
        is ``sum(w * loglik) / sum(w * counts)``.
        """
        name = f"{type(self).__name__}.score"
        if sample_weight is None:
            weights = np.ones(len(counts))
        else:
            weights = _check_sample_weight(
                sample_weight, np.empty(len(counts)), dtype=np.float64,
                ensure_non_negative=True,
            )
        total = float(np.dot(weights, counts))
        if counts.sum() == 0:
            raise ValueError(f"{name} needs at least one {what} in X; all rows are empty.")
        if total == 0:
            raise ValueError(
                f"{name} needs a positive sample weight on at least one row with a "
                f"{what}; the rows of nonzero weight are empty."
            )
        return float(np.dot(weights, loglik) / total)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags
