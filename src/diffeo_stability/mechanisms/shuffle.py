"""Item 4 of the slides: spatial vs channel pooling, by shuffling channels.

The exact operation: for one hidden block l (a probed block other than the last), its output
a (B, C, h, w) (or (B, C) for a fully connected block) is replaced by a[:, pi] for a random
permutation pi of its C channels, drawn once and used for every input; nothing else changes.
The next block's weights W[:, c] therefore meet the channel pi(c): the learned pooling over
channels of the next layer is broken, while every channel's spatial map is intact. If relative
stability came from spatial pooling alone, R_f would not change.

For each block and each of `permutations` draws: R_f (the probe's output-layer rows at the
convention's c and delta, on the same diffeos and noise as the standard net) and the test
error on the first `n_test` test images. The standard net is the row with permutation -1.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import torch
from torch import nn

from diffeo_stability.mechanisms.nets import Convention, Net, forward_groups, seeded_generator
from diffeo_stability.mechanisms.settings import ShuffleSettings
from diffeo_stability.probe.measure import probe_function

COLUMNS = ("statistic", "noise_norm", "D", "G", "R")


def permutation(channels: int, seed: int, state: str, layer: int, draw: int) -> torch.Tensor:
    """The draw-th random permutation of `channels` for (seed, state, block index)."""
    generator = seeded_generator(seed, state, "shuffle", layer, draw)
    return torch.randperm(channels, generator=generator)


def shuffling_hook(order: torch.Tensor) -> Callable[[nn.Module, tuple, torch.Tensor], torch.Tensor]:
    """A forward hook that returns the output's channels (dim 1) in `order`."""

    def hook(_module: nn.Module, _inputs: tuple, output: torch.Tensor) -> torch.Tensor:
        return output[:, order.to(output.device)]

    return hook


def error_rate(net: Net, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of `images` whose argmax output differs from `labels`."""
    outputs = forward_groups(net, [images])[0]
    return float((outputs.argmax(1) != labels.to(outputs.device)).double().mean())


def _point(
    net: Net,
    images: torch.Tensor,
    test: tuple[torch.Tensor, torch.Tensor],
    convention: Convention,
    seed: int,
) -> dict[str, object]:
    """The output-layer probe rows and the test error of the net as it is now."""
    rows = probe_function(
        net.model,
        images,
        convention.probe_settings(),
        seed=seed,
        state=net.state,
        batch_stats=net.batch_stats,
    )
    return {"rows": rows[list(COLUMNS)], "test_error": error_rate(net, *test)}


def measure_shuffle(
    net: Net,
    images: torch.Tensor,
    test: tuple[torch.Tensor, torch.Tensor],
    settings: ShuffleSettings,
    convention: Convention,
    seed: int,
    blocks: list[tuple[str, nn.Module]] | None = None,
) -> pd.DataFrame:
    """Rows (state, layer, layer_name, channels, permutation, statistic, noise_norm, D, G, R,
    test_error); `blocks` default to the net's probed blocks (`models.layer_modules`)."""
    if blocks is None:
        from diffeo_stability.models import layer_modules

        blocks = layer_modules(net.model)
    images = images[: settings.n_images]
    test = (test[0][: settings.n_test], test[1][: settings.n_test])
    channels = _channel_counts(net, images[:2], blocks[:-1])
    frames = []
    standard = _point(net, images, test, convention, seed)
    frames.append(standard["rows"].assign(layer=0, layer_name="none", channels=0, permutation=-1))
    frames[-1]["test_error"] = standard["test_error"]
    for layer, (name, module) in enumerate(blocks[:-1], start=1):
        for draw in range(settings.permutations):
            order = permutation(channels[name], seed, net.state, layer, draw)
            handle = module.register_forward_hook(shuffling_hook(order))
            try:
                point = _point(net, images, test, convention, seed)
            finally:
                handle.remove()
            rows = point["rows"].assign(
                layer=layer, layer_name=name, channels=channels[name], permutation=draw
            )
            rows["test_error"] = point["test_error"]
            frames.append(rows)
    frame = pd.concat(frames, ignore_index=True).assign(state=net.state, c=convention.c)
    return frame[
        ["state", "layer", "layer_name", "channels", "permutation", "c", *COLUMNS, "test_error"]
    ]


def _channel_counts(
    net: Net, images: torch.Tensor, blocks: list[tuple[str, nn.Module]]
) -> dict[str, int]:
    """Channels (dim 1) of each block's output, from one forward pass on two images."""
    counts: dict[str, int] = {}
    handles = [
        module.register_forward_hook(
            lambda _m, _i, out, name=name: counts.__setitem__(name, out.shape[1])
        )
        for name, module in blocks
    ]
    try:
        forward_groups(net, [images])
    finally:
        for handle in handles:
            handle.remove()
    return counts
