"""Item 6 of the slides: the 3x3 filters of every convolution in the Laplacian eigenbasis.

For each convolution with 3x3 kernels (in forward order, shortcut projections have 1x1
kernels and are left out), the energy c_lambda = <(w_ch . Psi_lambda)^2>_ch of its filters on
each eigenspace of the Laplacian of the 3x3 grid (`mechanisms.laplacian.filter_energy`: a
filter is one (output, input) kernel slice). The weights are the checkpoint's (batch-norm not
folded in). The figure divides the trained state's energies by the initial state's: the
slides' c_lambda / c_{t=0, lambda}.
"""

from __future__ import annotations

import pandas as pd
from torch import nn

from diffeo_stability.mechanisms.laplacian import filter_energy
from diffeo_stability.mechanisms.nets import Net

#: the kernel side the analysis reads
SIDE = 3


def measure_filters(net: Net) -> pd.DataFrame:
    """Rows (state, layer, layer_name, eigenvalue, energy, total): `layer` counts the 3x3
    convolutions from 1; `total` is the mean squared norm of a filter (the energies' sum)."""
    rows = []
    convs = [
        (name, module)
        for name, module in net.model.named_modules()
        if isinstance(module, nn.Conv2d) and module.kernel_size == (SIDE, SIDE)
    ]
    for layer, (name, conv) in enumerate(convs, start=1):
        eigenvalues, energies = filter_energy(conv.weight.detach().cpu().double().numpy())
        rows += [
            {
                "state": net.state,
                "layer": layer,
                "layer_name": name,
                "eigenvalue": float(value),
                "energy": float(energy),
                "total": float(energies.sum()),
            }
            for value, energy in zip(eigenvalues, energies, strict=True)
        ]
    return pd.DataFrame(rows)
