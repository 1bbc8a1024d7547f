"""Shared by the mechanisms figures: which data set and nets a figure shows, one panel row
per net."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from diffeo_stability.figures.options import option_list
from diffeo_stability.models.registry import ARCHITECTURES
from diffeo_stability.tables.queries import select


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
