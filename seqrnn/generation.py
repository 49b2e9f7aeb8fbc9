"""Sampling from a fitted pipeline: the context is prepared like the training rows."""

from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .series import SeriesWindower

__all__ = ["generate"]


def generate(estimator, n_steps, context=None, **kwargs):
    """Sample the continuation of ``context`` from a fitted model or pipeline.

    For a :class:`~sklearn.pipeline.Pipeline`, ``context`` is first passed, as
    one row, through every step but the last (so ``"To be"`` is lower-cased
    and normalised like the training text by a ``CharSequenceVectorizer``),
    then the last step's ``sample`` continues it. A
    :class:`~seqrnn.series.SeriesWindower` reads ``context`` as a series, as
    in ``fit``, and passes on the window that ends at its last value: the
    first step generated is distributed like ``pipeline.predict(context)[-1]``
    predicts. Steps before a ``SeriesWindower`` see time steps as rows, as in
    ``fit``: they transform the whole series ``context``, not ``[context]``.

    Parameters
    ----------
    estimator : Pipeline or estimator with a ``sample`` method
        A fitted ``CharLM`` or ``RNNForecaster``, or a pipeline ending in one.
        The transformers before it must map one row to one row (as every
        seqrnn text transformer does), or be a ``SeriesWindower`` (the steps
        before which map one time step to one time step, as a
        ``StandardScaler`` does).
    n_steps : int
        Number of elements to generate.
    context : str or sequence, default=None
        The beginning to continue; None starts a new sequence.
    **kwargs
        Passed to ``sample``: ``n_samples``, ``temperature``, ``top_k``,
        ``top_p``, ``random_state``.

    Returns
    -------
    sample
        What the last step's ``sample`` returns.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from seqrnn import CharLM, CharSequenceVectorizer, generate
    >>> pipe = make_pipeline(
    ...     CharSequenceVectorizer(), CharLM(units=8, epochs=1, random_state=0)
    ... ).fit(["To be, or not to be"])
    >>> len(generate(pipe, 10, context="TO BE", random_state=0))
    10
    """
    window_start = None
    if isinstance(estimator, Pipeline):
        model = estimator.steps[-1][1]
        if context is not None:
            steps = [
                step for _, step in estimator.steps[:-1]
                if step is not None and not (isinstance(step, str) and step == "passthrough")
            ]
            # before a SeriesWindower, rows are time steps: such a step gets the
            # whole series, as in fit; after it (or without one), rows are series
            last_windower = max(
                (k for k, step in enumerate(steps) if isinstance(step, SeriesWindower)),
                default=-1,
            )
            for k, step in enumerate(steps):
                check_is_fitted(step)
                if isinstance(step, SeriesWindower):
                    context, window_start = step._windows(context, "context", last_only=True)
                elif k < last_windower:
                    context = step.transform(context)
                else:
                    context = step.transform([context])[0]
    else:
        model = estimator
    if not hasattr(model, "sample"):
        raise TypeError(
            "generate expects a fitted CharLM or RNNForecaster, or a Pipeline ending "
            f"in one; got {type(model).__name__}, which has no 'sample' method."
        )
    try:
        return model.sample(n_steps, context=context, **kwargs)
    except ValueError as exc:
        if window_start is not None and "time step" in str(exc):
            # the model saw the last window: name the step in the series given
            exc.add_note(
                f"{type(model).__name__} got only the last window of the context "
                "(SeriesWindower's window_length steps): its time step k is time "
                f"step k + {window_start} of the context given to generate."
            )
        raise
