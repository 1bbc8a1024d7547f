"""One analysis of one training run: both states' rows in one table (the stage's per-run
output `results/mechanisms/<analysis>/<dataset>/<arch>/P<P>/seed<seed>.csv`).

Test images: N images evenly spaced through the test set (`spread_indices`), not the first N
as in the probe: a test set stored by class (cifar10-jpeg, converted from a class-folder
tree) would otherwise give images of one class only, and the test error and the fraction of
changed predictions would mean nothing.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from diffeo_stability.data.images import load_dataset
from diffeo_stability.device import strict_fp32
from diffeo_stability.errors import ConfigError
from diffeo_stability.mechanisms.distance import measure_distance
from diffeo_stability.mechanisms.filters import measure_filters
from diffeo_stability.mechanisms.nets import Convention, Net, load_states, with_run
from diffeo_stability.mechanisms.operations import measure_operations
from diffeo_stability.mechanisms.settings import NET_ANALYSES, MechanismsSettings
from diffeo_stability.mechanisms.shuffle import measure_shuffle
from diffeo_stability.mechanisms.spectra import measure_spectra
from diffeo_stability.probe.training_run import probe_images

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TestImages:
    """The test set, uint8 `x` (N, C, n, n) and int64 `y` (N,), read on `device`."""

    x: np.ndarray
    y: np.ndarray
    device: torch.device

    def spread(self, count: int) -> tuple[torch.Tensor, torch.Tensor]:
        """`count` images evenly spaced through the test set, float32 in [0, 1], and their
        labels (see the module docstring)."""
        chosen = spread_indices(len(self.x), count)
        images = probe_images(self.x[chosen], len(chosen), self.device)
        return images, torch.as_tensor(self.y[chosen], device=self.device)


def spread_indices(total: int, count: int) -> np.ndarray:
    """`min(count, total)` distinct indices evenly spaced over range(total), ascending."""
    count = min(count, total)
    return np.unique(np.linspace(0, total - 1, count).round().astype(np.int64))


def measure_net(
    analysis: str,
    net: Net,
    test: TestImages,
    settings: MechanismsSettings,
    convention: Convention,
    seed: int,
) -> pd.DataFrame:
    """The rows of `analysis` for one state, on the test images each analysis reads."""
    if analysis == "distance":
        images, _ = test.spread(settings.distance.n_images)
        return measure_distance(net, images, settings.distance, convention, seed)
    if analysis == "operations":
        images, _ = test.spread(settings.operations.n_images)
        return measure_operations(net, images, len(images), convention, seed)
    if analysis == "spectra":
        images, _ = test.spread(settings.spectra.n_images)
        return measure_spectra(net, images, len(images))
    if analysis == "shuffle":
        images, _ = test.spread(settings.shuffle.n_images)
        probe = test.spread(settings.shuffle.n_test)
        return measure_shuffle(net, images, probe, settings.shuffle, convention, seed)
    if analysis == "filters":
        return measure_filters(net)
    raise ConfigError(f"analysis {analysis!r} unknown; allowed: {', '.join(NET_ANALYSES)}")


def measure_run(
    analysis: str,
    run_dir: str | os.PathLike[str],
    data_path: str | os.PathLike[str],
    settings: MechanismsSettings,
    convention: Convention,
    *,
    dataset: str,
    arch: str,
    P: str,
    seed: int,
    device: torch.device,
) -> pd.DataFrame:
    """Both states' rows of `analysis` on a training run, with the run's identity columns."""
    strict_fp32()
    data = load_dataset(data_path)
    test = TestImages(data.x_test, data.y_test, device)
    frames = []
    for net in load_states(run_dir, device):
        started = time.perf_counter()
        frames.append(measure_net(analysis, net, test, settings, convention, seed))
        log.info("%s %s %s: %.1f s", run_dir, analysis, net.state, time.perf_counter() - started)
    rows = pd.concat(frames, ignore_index=True)
    return with_run(rows, dataset=dataset, arch=arch, P=P, seed=seed)
