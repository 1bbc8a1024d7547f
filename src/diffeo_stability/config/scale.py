"""The scale of a config (data sets, P, seeds, epochs, widths, probe images) that the workflow
states in its report captions when it differs from the paper's config."""

from __future__ import annotations

from typing import Any

from diffeo_stability.config.grid import grid_runs, run_hparams, training_runs


def _span(values: list[Any]) -> str:
    """'4' or '4-350' of numbers; the sorted distinct values of anything else."""
    distinct = sorted(set(values), key=str)
    if all(isinstance(v, int | float) for v in distinct) and len(distinct) > 1:
        return f"{min(distinct):g}-{max(distinct):g}"
    return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in distinct)


def _experiment_scale(config: dict[str, Any], name: str, grid: dict[str, Any]) -> str:
    """One experiment grid: data sets, P, seeds, epochs and width factors of its runs."""
    runs = grid_runs(grid)
    hparams = [run_hparams(config, run) for run in runs]
    widths = [h.width_factor for h in hparams if h.width_factor != 1.0]
    epochs = _span([h.epochs for h in hparams])
    text = (
        f"{name}: {', '.join(grid['datasets'])}, P = {', '.join(map(str, grid['P']))}, "
        f"{len(grid['seeds'])} seed(s), {epochs} epochs"
    )
    return text + (f", width x{_span(widths)} for some nets" if widths else "")


def scale_lines(config: dict[str, Any]) -> list[str]:
    """The scale of a validated config, one line per experiment plus the probe size."""
    lines = [
        _experiment_scale(config, name, grid)
        for name, grid in sorted(config["experiments"].items())
    ]
    probe = f"probe: {config['probe']['n_probe']} images, {len(training_runs(config))} runs"
    return [*lines, probe]


def scale_caption(config: dict[str, Any], paper: dict[str, Any]) -> str:
    """'Scale of this run (not the paper's): ...' when `config` differs from `paper` in any of
    `scale_lines`, else ''. Both are validated configs."""
    mine = scale_lines(config)
    if mine == scale_lines(paper):
        return ""
    return "Scale of this run (not the paper's): " + "; ".join(mine) + "."
