"""Keras callbacks that are useful with seqrnn estimators."""

import time

import keras

__all__ = ["TimeBudget"]


class TimeBudget(keras.callbacks.Callback):
    """Stop training once ``seconds`` of wall-clock time have been spent.

    Training stops at the end of the batch that crosses the budget; the epoch
    in progress is recorded as usual. Pass it through an estimator's
    ``callbacks`` parameter, e.g. ``CharLM(epochs=100, callbacks=[TimeBudget(90)])``
    trains for about 90 seconds whatever the machine.

    Parameters
    ----------
    seconds : float
        The training-time budget.

    Examples
    --------
    >>> from seqrnn import CharLM
    >>> from seqrnn.callbacks import TimeBudget
    >>> lm = CharLM(units=4, epochs=1000, callbacks=[TimeBudget(0.0)], random_state=0)
    >>> lm.fit(["abcabc"]).n_epochs_
    1
    """

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds
        self._start = None

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if time.perf_counter() - self._start >= self.seconds:
            self.model.stop_training = True
