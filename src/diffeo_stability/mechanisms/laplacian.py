"""Filters in the eigenbasis of the graph Laplacian on the k x k pixel grid (k = 3: 3x3 filters).

The Laplacian is that of the grid graph with free (Neumann) boundaries, L = L1 (x) I + I (x) L1
with L1 the path-graph Laplacian; its eigenvectors are outer products of the 1-D ones, and its
eigenvalues the sums lambda_a + lambda_b of the 1-D eigenvalues 2 - 2 cos(pi a / k). On the 3x3
grid: 0, 1, 1, 2, 3, 3, 4, 4, 6. Low lambda = smooth (low-pass) filters; the constant filter
lies wholly on lambda = 0.

Degenerate eigenvalues (1, 3 and 4 on the 3x3 grid) have a two-dimensional eigenspace, in which
no basis vector is preferred: the energy of a filter on lambda is the squared norm of its
projection on the whole eigenspace, so that it does not depend on the basis chosen there.
Torch-free.
"""

from __future__ import annotations

import numpy as np

#: eigenvalues equal to this many decimals are one (degenerate) eigenvalue
_DECIMALS = 9


def laplacian_basis(k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(eigenvalues (k*k,), ascending; eigenvectors (k*k, k, k), orthonormal, row i for
    eigenvalue i) of the grid-graph Laplacian on k x k pixels."""
    if k < 1:
        raise ValueError(f"grid side k={k} must be at least 1")
    path = np.diag(np.r_[1.0, np.full(k - 2, 2.0), 1.0]) if k > 1 else np.zeros((1, 1))
    path -= np.eye(k, k=1) + np.eye(k, k=-1)
    values_1d, vectors_1d = np.linalg.eigh(path)
    values = (values_1d[:, None] + values_1d[None, :]).ravel()
    vectors = np.einsum("ia,jb->abij", vectors_1d, vectors_1d).reshape(k * k, k, k)
    order = np.argsort(values, kind="stable")
    return values[order], vectors[order]


def distinct_eigenvalues(k: int = 3) -> np.ndarray:
    """The distinct eigenvalues of the k x k grid Laplacian, ascending (3x3: 0, 1, 2, 3, 4, 6)."""
    values, _ = laplacian_basis(k)
    return np.unique(np.round(values, _DECIMALS))


def filter_energy(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Energy of k x k filters on each Laplacian eigenspace, averaged over filters.

    weights: (..., k, k), e.g. a conv layer's (out, in, k, k); each k x k slice is one filter
    (one "channel" of the slides' c_lambda = <(w_ch . Psi_lambda)^2>_ch).
    Returns (eigenvalues (m,), energies (m,)): for each distinct eigenvalue, the mean over
    filters of the squared norm of the filter's projection on that eigenspace. The energies
    sum to the mean squared Frobenius norm of a filter.
    """
    weights = np.asarray(weights, dtype=np.float64)
    k = weights.shape[-1]
    if weights.ndim < 2 or weights.shape[-2] != k:
        raise ValueError(f"filters must end in two equal sides (..., k, k); got {weights.shape}")
    values, vectors = laplacian_basis(k)
    flat = weights.reshape(-1, k * k)
    squared = (flat @ vectors.reshape(k * k, k * k).T) ** 2  # (filters, k*k)
    distinct = distinct_eigenvalues(k)
    group = np.round(values, _DECIMALS)[None, :] == distinct[:, None]  # (m, k*k)
    energies = squared.mean(axis=0) @ group.T.astype(np.float64)
    return distinct, energies
