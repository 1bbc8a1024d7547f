"""What every analysis of a trained run shares: its two networks, the probe convention, the
test images, and batched forward passes.

A state's network is evaluated as the probe does (`probe.training_run`): the initial network
with batch-norm on the statistics of each forward batch (every perturbed group of images is
its own batch), the trained one in evaluation mode. Batch-norms are not folded here: the
operations analysis reads every batch-norm's output.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from diffeo_stability.probe.measure import (
    NOISE_NORMS,
    LayerOutputs,
    ProbeSettings,
    forward_batch,
    probing_mode,
)
from diffeo_stability.probe.training_run import STATES
from diffeo_stability.tables.headline import Headline


@dataclass(frozen=True)
class Convention:
    """The probe's convention for the R_f the stage measures (the config's headline): cut-off
    c, displacement delta (pixels), interpolation, cut-off rule, noise norms."""

    c: float = Headline.c
    delta: float = Headline.delta
    interpolation: str = Headline.interpolation
    cutoff_rule: str = ProbeSettings.cutoff_rule
    noise_norms: tuple[str, ...] = NOISE_NORMS

    def probe_settings(self, per_layer: bool = False) -> ProbeSettings:
        """`ProbeSettings` of the one point (c, delta) of this convention."""
        return ProbeSettings(
            cutoffs=(self.c,),
            interpolations=(self.interpolation,),
            deltas=(self.delta,),
            sweep_points=0,
            cutoff_rule=self.cutoff_rule,
            noise_norms=self.noise_norms,
            layers=per_layer,
        )


@dataclass
class Net:
    """One state of a run: its network (evaluation mode), whether batch-norm uses batch
    statistics (the initial state), and its test error from the checkpoint (NaN if absent)."""

    state: str
    model: nn.Module
    batch_stats: bool
    test_error: float


def load_states(run_dir: str | os.PathLike[str], device: torch.device) -> Iterator[Net]:
    """The initial then the trained network of a training run folder."""
    from diffeo_stability.models import load_checkpoint

    for state, (filename, _) in STATES.items():
        model, meta = load_checkpoint(Path(run_dir) / filename, device)
        error = meta.get("test_error")
        yield Net(state, model, state == "init", np.nan if error is None else float(error))


def forward_groups(net: Net, groups: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """The outputs (B_g, K) of `net` on each group of images (B_g, C, n, n), float32, without
    gradients; with batch statistics each group is its own forward batch."""
    device = groups[0].device
    forward = LayerOutputs(net.model, [], forward_batch(device), separate=net.batch_stats)
    with torch.no_grad(), probing_mode(net.model, net.batch_stats):
        return [outputs[-1] for outputs in forward(groups, per_layer=False)]


def seeded_generator(*key: object, device: torch.device | str = "cpu") -> torch.Generator:
    """A generator seeded from the identity `key` of a draw (e.g. seed, state, analysis):
    rows reproducible, and independent across keys."""
    digest = hashlib.sha256("|".join(map(str, key)).encode()).digest()
    generator = torch.Generator(device=device)
    return generator.manual_seed(int.from_bytes(digest[:8], "little") >> 1)


def with_run(frame: pd.DataFrame, *, dataset: str, arch: str, P: str, seed: int) -> pd.DataFrame:
    """Prefix the rows of one run with its identity columns."""
    identity = {"dataset": dataset, "arch": arch, "P": str(P), "seed": int(seed)}
    return frame.assign(**identity)[[*identity, *frame.columns]]
