"""Shared by the mechanisms figures: which data set and nets a figure shows, one panel row
per net."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from diffeo_stability.figures.options import option_list
from diffeo_stability.figures.style import new_figure
from diffeo_stability.models.registry import ARCHITECTURES
from diffeo_stability.tables.queries import load_input, select


@dataclass(frozen=True)
class NetRows:
    """A mechanisms table's nets shown (`nets_shown`) and a figure with one row of `ncols`
    panels per net; `missing` names the table when it is absent."""

    dataset: str
    archs: list[str]
    rows: pd.DataFrame
    fig: Figure
    axes: np.ndarray  # (nets, ncols) of Axes
    missing: list[str]


def net_rows(
    inputs: Iterable[str | Path],
    options: Mapping[str, str],
    filename: str,
    ncols: int = 1,
    row_height: float = 1.8,
    extra_height: float = 0.5,
) -> NetRows:
    """Read the input `filename`, select its nets by the options, and open the figure: one
    row of panels per net (row_height inches each, plus extra_height for titles)."""
    table = load_input(inputs, filename)
    dataset, archs, rows = nets_shown(table, options)
    fig, axes = new_figure(
        height=row_height * max(1, len(archs)) + extra_height,
        nrows=max(1, len(archs)),
        ncols=ncols,
        squeeze=False,
        layout="constrained",
    )
    return NetRows(dataset, archs, rows, fig, axes, [] if table is not None else [filename])


def nets_shown(
    table: pd.DataFrame | None, options: Mapping[str, str]
) -> tuple[str, list[str], pd.DataFrame]:
    """(data set, architectures, their rows) selected by the options `dataset` (default: the
    first data set of the table) and `archs` (default "all": every one in the table, in the
    order of the architecture registry)."""
    present = table is not None and not table.empty and "dataset" in table
    dataset = options.get("dataset", "") or (str(table["dataset"].iloc[0]) if present else "")
    rows = select(table, dataset=dataset) if present else pd.DataFrame()
    archs = option_list(options, "archs", ["all"])
    if archs == ["all"]:
        order = {name: i for i, name in enumerate(ARCHITECTURES)}
        archs = sorted(set(rows["arch"]) if not rows.empty else [], key=lambda a: order.get(a, 0))
    return dataset, archs, rows


def shared_legend(fig: Figure, axes: Iterable[Axes], columns: int = 3) -> None:
    """One legend under the figure with the labelled lines of the first axes that has some
    (a constrained-layout figure keeps room for it)."""
    for ax in axes:
        handles, labels = ax.get_legend_handles_labels()
        if handles:
            fig.legend(handles, labels, loc="outside lower center", ncols=columns, frameon=False)
            return
