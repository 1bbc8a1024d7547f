"""The 3x3 Laplacian eigenbasis and the energy of filters on it (known answers)."""

from __future__ import annotations

import numpy as np
import pytest

from diffeo_stability.mechanisms.laplacian import (
    distinct_eigenvalues,
    filter_energy,
    laplacian_basis,
)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_basis_is_orthonormal_and_diagonalises_the_grid_laplacian(k):
    values, vectors = laplacian_basis(k)
    flat = vectors.reshape(k * k, k * k)
    np.testing.assert_allclose(flat @ flat.T, np.eye(k * k), atol=1e-12)
    # the grid-graph Laplacian built pixel by pixel (4-neighbours, free boundary)
    lap = np.zeros((k * k, k * k))
    for i in range(k):
        for j in range(k):
            for di, dj in ((0, 1), (1, 0), (0, -1), (-1, 0)):
                if 0 <= i + di < k and 0 <= j + dj < k:
                    lap[i * k + j, i * k + j] += 1
                    lap[i * k + j, (i + di) * k + j + dj] -= 1
    np.testing.assert_allclose(flat @ lap @ flat.T, np.diag(values), atol=1e-12)


def test_3x3_eigenvalues():
    values, _ = laplacian_basis(3)
    np.testing.assert_allclose(values, [0, 1, 1, 2, 3, 3, 4, 4, 6], atol=1e-12)
    np.testing.assert_allclose(distinct_eigenvalues(3), [0, 1, 2, 3, 4, 6], atol=1e-12)


def test_constant_filter_lies_wholly_on_lambda_zero():
    eigenvalues, energy = filter_energy(np.full((4, 2, 3, 3), 2.0))
    assert eigenvalues[0] == 0
    assert energy[0] == pytest.approx(9 * 4.0)
    np.testing.assert_allclose(energy[1:], 0, atol=1e-12)


def test_energies_sum_to_the_filter_norm_and_do_not_depend_on_the_degenerate_basis():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(16, 8, 3, 3))
    _, energy = filter_energy(w)
    assert energy.sum() == pytest.approx((w**2).sum((-1, -2)).mean())
    # transposing every filter swaps the two vectors of each degenerate pair: same energies
    np.testing.assert_allclose(filter_energy(np.swapaxes(w, -1, -2))[1], energy, rtol=1e-12)


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="two equal sides"):
        filter_energy(np.zeros((4, 3, 2)))
