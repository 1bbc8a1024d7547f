"""Shared by the mechanisms figures: which data set and nets a figure shows, one panel row
per net, and the banner naming the training runs drawn (P, epochs, width, seeds)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure

from diffeo_stability.figures.options import option_list
from diffeo_stability.figures.panels import finish, readable_log_ticks
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


#: the columns naming one training run
RUN_COLUMNS = ["dataset", "arch", "P"]


def _numbers(values: Iterable[object]) -> str:
    """Distinct values joined by ", " in increasing order (numbers as numbers)."""
    distinct = sorted({str(v) for v in values}, key=lambda v: (len(v), v))
    return ", ".join(distinct)


def _width(factor: float) -> str:
    """A width factor as a fraction ("1/4", "1")."""
    return str(Fraction(float(factor)).limit_denominator(64))


def run_banner(runs: pd.DataFrame | None, training: pd.DataFrame | None) -> str:
    """'Runs drawn: <data sets>; P = ...; <n> epochs; width factor ...; seed(s) ...' of the
    training runs behind `runs` (rows with dataset, arch, P and, where the table has it,
    seed), the epochs and width factors read from the training table (one row per run).
    Epochs are given per P when they differ, widths per architecture when they differ.
    '' without rows."""
    if runs is None or runs.empty or not set(RUN_COLUMNS) <= set(runs.columns):
        return ""
    keys = [*RUN_COLUMNS, "seed"] if "seed" in runs else RUN_COLUMNS
    drawn = runs[keys].astype(str).drop_duplicates()
    parts = [_numbers(drawn["dataset"])]
    trained = pd.DataFrame()
    if training is not None and set(keys) <= set(training.columns):
        trained = training.assign(**{k: training[k].astype(str) for k in keys}).merge(drawn)
    if "epochs" in trained and trained["epochs"].notna().any():
        epochs = trained.groupby("P")["epochs"].agg(_numbers)
        if epochs.nunique() == 1:
            parts += [f"P = {_numbers(drawn['P'])}", f"{epochs.iloc[0]} epochs"]
        else:
            parts.append("P = " + ", ".join(f"{p} ({n} epochs)" for p, n in epochs.items()))
    else:
        parts.append(f"P = {_numbers(drawn['P'])}")
    if "width_factor" in trained and trained["width_factor"].notna().any():
        widths = trained.groupby("width_factor")["arch"].agg(_numbers)
        if len(widths) == 1:
            parts.append(f"width factor {_width(widths.index[0])}")
        else:
            parts.append(
                "width factor " + ", ".join(f"{_width(w)} ({archs})" for w, archs in widths.items())
            )
    seeds = drawn["seed"] if "seed" in drawn else trained.get("seed", pd.Series(dtype=str))
    if len(seeds):
        parts.append(f"seed{'s' if seeds.nunique() > 1 else ''} {_numbers(seeds)}")
    return "Runs drawn: " + "; ".join(parts)


def finish_runs(
    fig: Figure,
    options: Mapping[str, str],
    missing: Iterable[str],
    runs: pd.DataFrame | None,
    inputs: Iterable[str | Path],
    notes: Iterable[str] = (),
) -> Figure:
    """`panels.finish` with the suptitle options["note"] and the `run_banner` of the runs
    drawn, their epochs and widths read from the input training.csv (the mechanisms tables
    name runs by P and seed, not by the training-set size that `panels.scale_banner` reads)."""
    title = [options["note"]] if options.get("note") else []
    banner = run_banner(runs, load_input(inputs, "training.csv"))
    title += [banner] if banner else []
    if title:
        fig.suptitle("\n".join(title), fontsize=7)
    return finish(fig, {}, list(missing), notes=list(notes))


def readable_log_axis(axis: Axis, decades: float = 2.5) -> None:
    """Labels at 1, 2 and 5 times the powers of ten (`panels.readable_log_ticks`) on a log
    axis spanning less than `decades` decades, where the default labels only the powers of
    ten and may show one; wider axes keep their decade labels. Call after plotting."""
    low, high = axis.get_view_interval()
    if axis.get_scale() == "log" and 0 < low < high < low * 10**decades:
        readable_log_ticks(axis)
