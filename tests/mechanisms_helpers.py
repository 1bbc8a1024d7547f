"""Synthetic mechanisms tables: every analysis run on tiny random nets and random images
(sizes a few seconds in all), written where the workflow would write its tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from diffeo_stability.io import write_csv
from diffeo_stability.mechanisms.diffeo_parts import measure_parts
from diffeo_stability.mechanisms.nets import Convention, Net, with_run
from diffeo_stability.mechanisms.run import TestImages, measure_net
from diffeo_stability.mechanisms.settings import NET_ANALYSES, MechanismsSettings
from diffeo_stability.models.build import build_model

TINY_SETTINGS = MechanismsSettings.from_config(
    {
        "distance": {"n_images": 8, "noise_points": 3, "deltas": [0.5, 1.0], "lambdas": [0.5, 1]},
        "operations": {"n_images": 8},
        "spectra": {"n_images": 4},
        "shuffle": {"n_images": 8, "n_test": 16, "permutations": 2},
        "diffeo_parts": {"samples": 16, "cutoffs": [2, 3], "size": 16, "patch_sizes": [3, 5]},
    }
)
TINY_NETS = (("ResNet18", {"width_factor": 0.0625}), ("VGG11bn", {"width_factor": 0.125}))


def write_tables(folder: Path) -> dict[str, Path]:
    """`mechanisms_<analysis>` -> the path of its synthetic table in `folder`."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (16, 3, 32, 32), dtype=np.uint8)
    test = TestImages(x, rng.integers(0, 10, 16), torch.device("cpu"))
    frames: dict[str, list[pd.DataFrame]] = {name: [] for name in NET_ANALYSES}
    for arch, kwargs in TINY_NETS:
        model = build_model(arch, 3, 32, 10, None, **kwargs)
        for state in ("init", "trained"):
            net = Net(state, model, state == "init", 0.5)
            for name in NET_ANALYSES:
                rows = measure_net(name, net, test, TINY_SETTINGS, Convention(), 0)
                frames[name].append(with_run(rows, dataset="synth", arch=arch, P="64", seed=0))
    paths = {}
    for name, parts in frames.items():
        paths[f"mechanisms_{name}"] = folder / f"{name}.csv"
        write_csv(paths[f"mechanisms_{name}"], pd.concat(parts, ignore_index=True))
    parts = measure_parts(TINY_SETTINGS.diffeo_parts, delta=1.0, cutoff="code")
    paths["mechanisms_diffeo_parts"] = folder / "diffeo_parts.csv"
    write_csv(paths["mechanisms_diffeo_parts"], parts)
    return paths
