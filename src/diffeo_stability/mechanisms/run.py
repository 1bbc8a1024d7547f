"""One analysis of one training run: both states' rows in one table (the stage's per-run
output `results/mechanisms/<analysis>/<dataset>/<arch>/P<P>/seed<seed>.csv`)."""

from __future__ import annotations

import logging
import os
import time

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


def measure_net(
    analysis: str,
    net: Net,
    images: torch.Tensor,
    labels: torch.Tensor,
    settings: MechanismsSettings,
    convention: Convention,
    seed: int,
) -> pd.DataFrame:
    """The rows of `analysis` for one state; `images` (N, C, n, n) in [0, 1] and `labels` (N,)
    are the first test images."""
    if analysis == "distance":
        return measure_distance(net, images, settings.distance, convention, seed)
    if analysis == "operations":
        return measure_operations(net, images, settings.operations.n_images, convention, seed)
    if analysis == "spectra":
        return measure_spectra(net, images, settings.spectra.n_images)
    if analysis == "shuffle":
        return measure_shuffle(net, images, (images, labels), settings.shuffle, convention, seed)
    if analysis == "filters":
        return measure_filters(net)
    raise ConfigError(f"analysis {analysis!r} unknown; allowed: {', '.join(NET_ANALYSES)}")


def images_needed(analysis: str, settings: MechanismsSettings) -> int:
    """How many of the first test images `analysis` reads."""
    sizes = {
        "distance": settings.distance.n_images,
        "operations": settings.operations.n_images,
        "spectra": settings.spectra.n_images,
        "shuffle": max(settings.shuffle.n_images, settings.shuffle.n_test),
        "filters": 2,
    }
    return sizes[analysis]


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
    count = images_needed(analysis, settings)
    images = probe_images(data.x_test, count, device)
    labels = torch.as_tensor(data.y_test[:count], device=device)
    frames = []
    for net in load_states(run_dir, device):
        started = time.perf_counter()
        frames.append(measure_net(analysis, net, images, labels, settings, convention, seed))
        log.info("%s %s %s: %.1f s", run_dir, analysis, net.state, time.perf_counter() - started)
    rows = pd.concat(frames, ignore_index=True)
    return with_run(rows, dataset=dataset, arch=arch, P=P, seed=seed)
