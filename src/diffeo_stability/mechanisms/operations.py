"""Item 2 of the slides: R_f after every operation inside the net.

`operations(model)` lists the network's operations in forward order: every convolution,
batch-norm, ReLU, max-pool and average pool of the main path, and for a residual block (a
module with `main` and `shortcut`) the operations of its main path followed by the block's
own output (the sum with the shortcut, then ReLU); shortcut projections, padding, flattening
and dropout are not listed. The last operation is the network's output (its final linear map).
D_f, G_f and R_f of each operation's output are the probe's (`probe.measure.probe_function`
with one forward hook per operation), at the convention's c and delta; layer 0 is the input.
"""

from __future__ import annotations

import pandas as pd
from torch import nn

from diffeo_stability.mechanisms.nets import Convention, Net
from diffeo_stability.probe.measure import probe_function

#: operation kinds by module type (checked in order; a subclass maps as its base)
KINDS: tuple[tuple[type[nn.Module], str], ...] = (
    (nn.Conv2d, "conv"),
    (nn.BatchNorm2d, "batch-norm"),
    (nn.ReLU, "ReLU"),
    (nn.MaxPool2d, "max-pool"),
    (nn.AdaptiveAvgPool2d, "average pool"),
    (nn.AvgPool2d, "average pool"),
    (nn.Linear, "linear"),
)
RESIDUAL = "residual sum + ReLU"


def _kind(module: nn.Module) -> str | None:
    return next((kind for base, kind in KINDS if isinstance(module, base)), None)


def operations(model: nn.Module) -> list[tuple[str, str, nn.Module]]:
    """(name, kind, module) of every operation in forward order (see the module docstring);
    names are module paths below the net's `blocks` (when it has them), e.g. "conv1.0"."""
    found: list[tuple[str, str, nn.Module]] = []

    def walk(name: str, module: nn.Module) -> None:
        if hasattr(module, "main") and hasattr(module, "shortcut"):
            walk(f"{name}.main", module.main)
            found.append((name, RESIDUAL, module))
            return
        kind = _kind(module)
        if kind is not None:
            found.append((name, kind, module))
            return
        for child_name, child in module.named_children():
            walk(f"{name}.{child_name}" if name else child_name, child)

    walk("", getattr(model, "blocks", model))
    return found


def measure_operations(
    net: Net,
    images,
    n_images: int,
    convention: Convention,
    seed: int,
    ops: list[tuple[str, str, nn.Module]] | None = None,
) -> pd.DataFrame:
    """The probe's rows (`MEASUREMENT_COLUMNS`) at every operation of `ops` (default:
    `operations(net.model)`), with its `kind`; `layer` counts operations (0 = input)."""
    ops = operations(net.model) if ops is None else ops
    blocks = [(name, module) for name, _, module in ops]
    rows = probe_function(
        net.model,
        images[:n_images],
        convention.probe_settings(per_layer=True),
        seed=seed,
        state=net.state,
        blocks=blocks,
        batch_stats=net.batch_stats,
    )
    kinds = {0: "input"} | {k + 1: kind for k, (_, kind, _) in enumerate(ops)}
    return rows.assign(kind=rows["layer"].map(kinds))
