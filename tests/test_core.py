"""Tests of the shared recurrent core that no estimator test covers directly."""

import keras
import numpy as np
import pytest

from seqrnn import _core


@pytest.mark.skipif(
    keras.backend.backend() not in ("tensorflow", "jax"),
    reason="only backends that compile per shape pad the sampler's inputs",
)
def test_sampler_shapes_are_padded_to_powers_of_two():
    seen = []

    def sampler(first, steps, scale, *states):
        seen.append((first.shape, steps.shape, np.shape(scale), [s.shape for s in states]))
        return steps[:, :, 0] * scale + first[:, None] + states[0].sum(axis=1)[:, None]

    call = _core._bucketed(sampler, ("b", "bt", None))
    rng = np.random.default_rng(0)
    first, steps, state = rng.random(3), rng.random((3, 20, 2)), rng.random((3, 5))
    out = call(first, steps, 2.0, state)
    assert seen[-1] == ((4,), (4, 32, 2), (), [(4, 5)])
    np.testing.assert_array_equal(out, sampler(first, steps, 2.0, state))
    call(first[:1], steps[:1, :9], 2.0, state[:1])
    assert seen[-1] == ((1,), (1, _core.MIN_STEPS_BUCKET, 2), (), [(1, 5)])
    call(first, steps[:, :17], 2.0, state)
    assert seen[-1][1] == (4, 32, 2)


@pytest.mark.parametrize("unit", [1e-200, 1e-160, 1.0, 1e150, 1e300])
def test_mean_std_neither_underflows_nor_overflows(unit):
    """Before, values near 1e-200 had a standard deviation of 0 (their
    squares underflowed) and near 1e-160 one 1.3e-4 too small (subnormal)."""
    values = np.array([[1.0, -7.0], [3.0, -7.0], [2.0, -7.0]]) * unit
    mean, std = _core.mean_std(values)
    np.testing.assert_allclose(mean, [2.0 * unit, -7.0 * unit], rtol=1e-12)
    np.testing.assert_allclose(std, [np.sqrt(2 / 3) * unit, 0.0], rtol=1e-12, atol=0)
    assert mean[1] == values[0, 1] and std[1] == 0.0  # a constant column, exactly
