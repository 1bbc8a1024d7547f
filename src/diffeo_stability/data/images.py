"""In-memory image datasets and their `.npz` storage (`resources/data/{dataset}.npz`).

On disk: uint8 `x_train`/`x_test` as (N, H, W) for one channel or (N, H, W, C), int64
`y_train`/`y_test` (N,), str array `classes` and a str scalar `dataset`. In memory: NCHW.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from diffeo_stability.errors import DataError
from diffeo_stability.io import atomic_path

NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test", "classes", "dataset")


@dataclass
class ImageDataset:
    """Train/test images, uint8 (N, C, H, W) in [0, 255], labels int64 (N,) in [0, classes)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list[str]

    def validate(self, source: str) -> ImageDataset:
        """Check dtypes, shapes and label range; raise DataError naming `source`. Returns self."""
        problems = []
        for split in ("train", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if x.dtype != np.uint8 or x.ndim != 4:
                problems.append(f"x_{split} is {x.dtype} {x.shape}, expected uint8 (N, C, H, W)")
            if y.dtype != np.int64 or y.ndim != 1 or len(y) != len(x):
                problems.append(f"y_{split} is {y.dtype} {y.shape}, expected int64 ({len(x)},)")
            elif len(y) and (y.min() < 0 or y.max() >= len(self.classes)):
                problems.append(f"y_{split} outside [0, {len(self.classes)})")
        if not problems and self.x_train.shape[1:] != self.x_test.shape[1:]:
            problems.append(f"image shapes differ: {self.x_train.shape} vs {self.x_test.shape}")
        if problems:
            raise DataError(f"{source}: " + "; ".join(problems))
        return self


def _to_nchw(x: np.ndarray) -> np.ndarray:
    """(N, H, W) -> (N, 1, H, W); (N, H, W, C) -> (N, C, H, W)."""
    return x[:, None] if x.ndim == 3 else np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def _to_stored(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N, H, W) when C == 1, else (N, H, W, C)."""
    return x[:, 0] if x.shape[1] == 1 else np.ascontiguousarray(x.transpose(0, 2, 3, 1))


def load_dataset(path: str | os.PathLike[str]) -> ImageDataset:
    """Read a dataset `.npz` written by `save_dataset`; raise DataError if absent or malformed."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in NPZ_KEYS if k not in npz.files]
            if missing:
                raise DataError(f"{path}: missing keys {missing} (has {sorted(npz.files)})")
            arrays = {k: npz[k] for k in NPZ_KEYS}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise DataError(f"{path}: cannot read dataset file ({err})") from err
    for key in ("x_train", "x_test"):
        if arrays[key].ndim not in (3, 4):
            raise DataError(f"{path}: {key} has shape {arrays[key].shape}, expected NHW or NHWC")
    return ImageDataset(
        name=str(arrays["dataset"]),
        x_train=_to_nchw(arrays["x_train"]),
        y_train=arrays["y_train"],
        x_test=_to_nchw(arrays["x_test"]),
        y_test=arrays["y_test"],
        classes=[str(c) for c in arrays["classes"]],
    ).validate(str(path))


def save_dataset(path: str | os.PathLike[str], dataset: ImageDataset) -> None:
    """Validate `dataset` and write it as an uncompressed `.npz`, atomically."""
    dataset.validate(f"dataset {dataset.name!r}")
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(
            handle,
            x_train=_to_stored(dataset.x_train),
            y_train=dataset.y_train,
            x_test=_to_stored(dataset.x_test),
            y_test=dataset.y_test,
            classes=np.array(dataset.classes, dtype=str),
            dataset=np.array(dataset.name),
        )


def label_counts(labels: np.ndarray, num_classes: int) -> list[int]:
    """Number of samples per class, length `num_classes`."""
    return np.bincount(labels, minlength=num_classes).tolist()
