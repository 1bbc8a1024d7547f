"""Local linear parts of a displacement field: compression, pure shear and rotation (the slides).

Around a point, a displacement field tau(u, v) is a translation (its value) plus a linear map,
its gradient U = [[d_u tau_u, d_v tau_u], [d_u tau_v, d_v tau_v]] (U[i, j] = d tau_i / d x_j,
x_0 = u along image columns, x_1 = v along rows, as the package's fields). U splits uniquely into

    U = 1/2 I tr U  +  1/2 (U + U^T - I tr U)  +  1/2 (U - U^T)
        compression     pure shear (symmetric,      rotation
        (trace part)    traceless)                  (antisymmetric)

whose norms are Frobenius norms (||C||, ||S||, ||R|| of the slides). Torch-free (numpy).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


class LinearParts(NamedTuple):
    """The three parts of gradients U (..., 2, 2); they sum to U."""

    compression: np.ndarray
    shear: np.ndarray
    rotation: np.ndarray


def linear_parts(gradient: np.ndarray) -> LinearParts:
    """Compression, pure shear and rotation of displacement gradients `gradient` (..., 2, 2)."""
    U = np.asarray(gradient, dtype=float)
    if U.shape[-2:] != (2, 2):
        raise ValueError(f"expected gradients of shape (..., 2, 2), got {U.shape}")
    transpose = np.swapaxes(U, -1, -2)
    trace = np.trace(U, axis1=-2, axis2=-1)[..., None, None]
    compression = 0.5 * trace * np.eye(2)
    shear = 0.5 * (U + transpose) - compression
    rotation = 0.5 * (U - transpose)
    return LinearParts(compression, shear, rotation)


def squared_norms(gradient: Any) -> dict[str, Any]:
    """Squared Frobenius norms of the three parts of gradients (..., 2, 2), numpy or torch:
    compression (tr U)^2 / 2, shear ((U00 - U11)^2 + (U01 + U10)^2) / 2, rotation
    (U01 - U10)^2 / 2; each of shape (...), equal to `frobenius(linear_parts(U).part) ** 2`."""
    u00, u01 = gradient[..., 0, 0], gradient[..., 0, 1]
    u10, u11 = gradient[..., 1, 0], gradient[..., 1, 1]
    return {
        "compression": (u00 + u11) ** 2 / 2,
        "shear": ((u00 - u11) ** 2 + (u01 + u10) ** 2) / 2,
        "rotation": (u01 - u10) ** 2 / 2,
    }


def frobenius(matrices: np.ndarray) -> np.ndarray:
    """Frobenius norms of matrices (..., 2, 2) -> (...)."""
    return np.sqrt(np.square(matrices).sum(axis=(-2, -1)))


def field_gradient(field: np.ndarray) -> np.ndarray:
    """Displacement gradients U (..., n, n, 2, 2) of fields (..., 2, n, n) on the pixel grid
    (central differences inside, one-sided at the border; per pixel of displacement per pixel).

    Field channel 0 moves along u (columns, the last axis), channel 1 along v (rows)."""
    tau = np.asarray(field, dtype=float)
    if tau.ndim < 3 or tau.shape[-3] != 2:
        raise ValueError(f"expected fields of shape (..., 2, n, n), got {tau.shape}")
    d_u = np.gradient(tau, axis=-1)  # (..., 2, n, n): d tau_i / d u
    d_v = np.gradient(tau, axis=-2)
    U = np.stack([d_u, d_v], axis=-1)  # (..., 2, n, n, 2): [i, ..., j]
    return np.moveaxis(U, -4, -2)  # (..., n, n, 2, 2)
