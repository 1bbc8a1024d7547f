"""Shared figure style: sizes and fonts readable at paper size, one palette, atomic saving."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from diffeo_stability.io import atomic_path  # noqa: E402

#: width of a single column / the full text of a NeurIPS page, inches
COLUMN_WIDTH = 3.25
TEXT_WIDTH = 6.75

#: colours per cut-off c (paper: c in {3, 5, 15}; ImageNet {3, 10, 30})
CUTOFF_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a"]
#: colours for G_f, D_f, R_f (Fig. 6)
QUANTITY_COLORS = {"G": "tab:blue", "D": "tab:orange", "R": "tab:green"}

RC = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "lines.linewidth": 1.2,
    "lines.markersize": 4,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.bbox": "tight",
    "savefig.dpi": 200,
    "pdf.fonttype": 42,
}


def apply_style() -> None:
    """Set the shared matplotlib rc parameters."""
    plt.rcParams.update(RC)


def new_figure(
    width: float = TEXT_WIDTH, height: float = 2.5, **subplots_kw
) -> tuple[Figure, object]:
    """A styled figure and its axes (as `plt.subplots`), size in inches."""
    apply_style()
    return plt.subplots(figsize=(width, height), **subplots_kw)


def add_note(fig: Figure, text: str) -> None:
    """Print a note (e.g. 'synthetic data' or which inputs are missing) under the figure."""
    fig.text(0.5, -0.02, text, ha="center", va="top", fontsize=6, color="0.3", wrap=True)


def save_figure(
    fig: Figure, stem: str | Path, formats: Iterable[str] = ("pdf", "png")
) -> list[Path]:
    """Write `stem.<fmt>` for each format, atomically; returns the paths written."""
    written = []
    for fmt in formats:
        path = Path(f"{stem}.{fmt}")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt)
        written.append(path)
    plt.close(fig)
    return written
