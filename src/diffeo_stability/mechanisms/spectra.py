"""Item 3 of the slides: activation power spectra, layer by layer.

For every probed block whose output is a map (B, C, h, w) with h = w: the 2-D power spectrum
|FFT2(a_ch)|^2 of each channel's activation map (the map's mean included: frequency 0), summed
over each radial bin k = round(sqrt(k_u^2 + k_v^2)) of the integer wave numbers (cycles per
map), averaged over images. Two orders of the channel average (the slides compare both):

- ``average_then_normalise``: mean over channels, then the spectrum divided by its sum;
- ``normalise_then_average``: each channel's spectrum divided by its sum, then the mean over the
  channels with non-zero power (a dead channel has no spectrum to normalise).

Either way the spectrum sums to 1 over k. The frequency column is k / h in cycles per pixel
of that layer's map (maps shrink with depth).
"""

from __future__ import annotations

import pandas as pd
import torch

from diffeo_stability.mechanisms.nets import Net
from diffeo_stability.probe.measure import forward_batch, probing_mode

ORDERS = ("average_then_normalise", "normalise_then_average")


def radial_bins(side: int, device: torch.device | None = None) -> torch.Tensor:
    """(side, side) integer radial wave number of each FFT2 coefficient of a side x side map."""
    k = torch.fft.fftfreq(side, d=1.0 / side, device=device)
    return (k[:, None].square() + k[None, :].square()).sqrt().round().long()


def channel_power(maps: torch.Tensor) -> torch.Tensor:
    """Radially binned power (C, K) of maps (B, C, h, h), summed over the images (float64)."""
    side = maps.shape[-1]
    power = torch.fft.fft2(maps.double()).abs().square().sum(0)  # (C, h, h)
    bins = radial_bins(side, maps.device).flatten()
    out = torch.zeros(power.shape[0], int(bins.max()) + 1, dtype=torch.float64, device=maps.device)
    return out.index_add_(1, bins, power.flatten(1))


def normalised_spectra(power: torch.Tensor) -> dict[str, torch.Tensor]:
    """The two channel averages (K,) of per-channel powers (C, K) (see the module)."""
    mean = power.mean(0)
    total = power.sum(1, keepdim=True)
    alive = total[:, 0] > 0
    per_channel = power[alive] / total[alive]
    return {
        "average_then_normalise": mean / mean.sum() if mean.sum() > 0 else mean * float("nan"),
        "normalise_then_average": per_channel.mean(0),
    }


def block_powers(net: Net, images: torch.Tensor) -> list[tuple[int, str, int, torch.Tensor]]:
    """Per probed block with a square map output: (layer index as in the probe tables, block
    name, map side h, channel powers (C, K) summed over `images`); the initial network sees
    the images as one batch, as the probe does."""
    from diffeo_stability.models import layer_modules

    blocks = layer_modules(net.model)[:-1]
    sums: dict[str, torch.Tensor] = {}
    sides: dict[str, int] = {}

    def hook(name: str):
        def accumulate(_module, _inputs, output: torch.Tensor) -> None:
            if output.dim() == 4 and output.shape[-1] == output.shape[-2]:
                power = channel_power(output)
                sums[name] = sums[name] + power if name in sums else power
                sides[name] = output.shape[-1]

        return accumulate

    handles = [module.register_forward_hook(hook(name)) for name, module in blocks]
    chunk = len(images) if net.batch_stats else forward_batch(images.device)
    try:
        with torch.no_grad(), probing_mode(net.model, net.batch_stats):
            for part in images.split(chunk):
                net.model(part)
    finally:
        for handle in handles:
            handle.remove()
    return [
        (layer, name, sides[name], sums[name])
        for layer, (name, _) in enumerate(blocks, start=1)
        if name in sums
    ]


def measure_spectra(net: Net, images: torch.Tensor, n_images: int) -> pd.DataFrame:
    """Rows (state, layer, layer_name, side, k, frequency, order, power) of every block."""
    images = images[:n_images]
    rows = []
    for layer, name, side, power in block_powers(net, images):
        for order, spectrum in normalised_spectra(power).items():
            for k, value in enumerate(spectrum.tolist()):
                rows.append(
                    {
                        "state": net.state,
                        "layer": layer,
                        "layer_name": name,
                        "side": side,
                        "k": k,
                        "frequency": k / side,
                        "order": order,
                        "power": value,
                        "channels": power.shape[0],
                    }
                )
    return pd.DataFrame(rows)
