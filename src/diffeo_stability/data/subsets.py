"""Training subsets of size P drawn from the seed (the paper's protocol)."""

from __future__ import annotations

import numpy as np

from diffeo_stability.errors import ConfigError


def parse_P(value: str | int | None) -> int | None:
    """'full' / None -> None (whole training set); '512' / 512 -> 512; ConfigError otherwise."""
    if value is None or value == "full":
        return None
    try:
        size = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"P={value!r}: expected a positive integer or 'full'") from None
    if size < 1:
        raise ConfigError(f"P={value!r}: expected a positive integer or 'full'")
    return size


def subset_indices(n_train: int, P: int | None, seed: int) -> np.ndarray:
    """int64 (P,): the first P entries of a permutation of range(n_train) drawn from `seed`.

    P=None takes the whole permutation. ConfigError when P exceeds n_train.
    """
    if P is not None and P > n_train:
        raise ConfigError(f"P={P} is larger than the training set ({n_train} images)")
    order = np.random.default_rng(seed).permutation(n_train)
    return order if P is None else order[:P]
