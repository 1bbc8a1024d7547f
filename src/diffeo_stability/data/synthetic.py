"""Tiny learnable synthetic datasets, written in the exact original file formats.

Each image of class k (of K) holds a bright bar at angle pi k / K through the centre and a blob
at angle 2 pi k / K on a circle of radius size / 4, both jittered, tinted per class (colour
images), plus Gaussian pixel noise. A small CNN or MLP learns them in a few epochs. They have
no published checksum: the fetch step converts them unverified and says so.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from diffeo_stability.data.formats import encode_idx, write_cifar_tarball, write_image_folder
from diffeo_stability.data.images import ImageDataset
from diffeo_stability.data.registry import DatasetInfo

NOISE_STD = 0.15  # pixel noise, in units of the [0, 1] intensity range
ANGLE_JITTER = 0.08  # radians; classes are pi / K apart
SHIFT_JITTER = 1.5  # pixels


def make_images(
    n: int, size: int, channels: int, num_classes: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`n` images uint8 (n, channels, size, size) and balanced shuffled labels int64 (n,)."""
    y = rng.permutation(np.arange(n) % num_classes).astype(np.int64)
    frac = y / num_classes
    centre = (size - 1) / 2
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64) - centre  # (size, size), pixels
    shift = rng.uniform(-SHIFT_JITTER, SHIFT_JITTER, (2, n, 1, 1))
    u, v = cols - shift[0], rows - shift[1]  # (n, size, size)
    theta = (np.pi * frac + rng.uniform(-ANGLE_JITTER, ANGLE_JITTER, n))[:, None, None]
    along = u * np.cos(theta) + v * np.sin(theta)
    across = -u * np.sin(theta) + v * np.cos(theta)
    bar = np.exp(-(across**2) / 2.0) * (np.abs(along) < 0.35 * size)
    phi = (2 * np.pi * frac)[:, None, None]
    radius = size / 4
    blob = np.exp(-((u - radius * np.cos(phi)) ** 2 + (v - radius * np.sin(phi)) ** 2) / 8.0)
    intensity = 0.9 * bar + 0.7 * blob  # (n, size, size)
    tint = (
        np.ones((n, 1))
        if channels == 1
        else 0.6 + 0.4 * np.cos(2 * np.pi * (frac[:, None] + np.arange(channels) / 3))
    )  # (n, channels)
    images = intensity[:, None] * tint[:, :, None, None]
    images = images + rng.normal(0.0, NOISE_STD, images.shape)
    return np.round(np.clip(images, 0.0, 1.0) * 255).astype(np.uint8), y


def make_dataset(info: DatasetInfo, n_train: int, n_test: int, seed: int) -> ImageDataset:
    """In-memory synthetic dataset shaped like `info` (size, channels, classes)."""
    rng = np.random.default_rng(seed)
    shape = (info.image_size, info.channels, info.num_classes)
    x_train, y_train = make_images(n_train, shape[0], shape[1], shape[2], rng)
    x_test, y_test = make_images(n_test, shape[0], shape[1], shape[2], rng)
    return ImageDataset(info.name, x_train, y_train, x_test, y_test, list(info.classes))


def write_idx_files(out_dir: Path, info: DatasetInfo, dataset: ImageDataset) -> list[Path]:
    """Gzipped IDX files named after `info.files` (train images, train labels, test ...)."""
    arrays = (dataset.x_train[:, 0], dataset.y_train, dataset.x_test[:, 0], dataset.y_test)
    paths = []
    for spec, array in zip(info.files, arrays, strict=True):
        path = out_dir / f"{spec.name}.gz"
        path.write_bytes(gzip.compress(encode_idx(array.astype(np.uint8)), mtime=0))
        paths.append(path)
    return paths


def write_synthetic(
    info: DatasetInfo, out_dir: Path, n_train: int, n_test: int, seed: int
) -> list[Path]:
    """Write a synthetic dataset in `info.source_format` into `out_dir`; return what was written.

    idx: `<name>.gz` for each of `info.files`; cifar-pickle: the tarball `info.files[0].name`;
    image-folder: PNG tree under `out_dir/<info.files[0].name without .tar.gz>/`.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    dataset = make_dataset(info, n_train, n_test, seed)
    if info.source_format == "idx":
        return write_idx_files(out_dir, info, dataset)
    if info.source_format == "cifar-pickle":
        path = out_dir / info.files[0].name
        write_cifar_tarball(path, dataset)
        return [path]
    root = out_dir / info.files[0].name.removesuffix(".tar.gz")
    write_image_folder(root, dataset)
    return [root]
