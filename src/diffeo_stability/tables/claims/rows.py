"""The claims table's columns and the helpers every kind of claim builds its rows with."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

COLUMNS = [
    "claim",
    "dataset",
    "arch",
    "paper_value",
    "reproduced_value",
    "criterion",
    "holds",
    "seeds",
    "P",
    "epochs",
    "details",
]


def verdict(ok: bool | None) -> str:
    """'yes' | 'no' | 'not tested' (None: the data are absent)."""
    return "not tested" if ok is None else ("yes" if ok else "no")


def join(values: Iterable[object]) -> str:
    """Distinct values, in order, joined with commas."""
    return ",".join(dict.fromkeys(str(v) for v in values))


def span(values: pd.Series) -> str:
    """'3' or '3-5' for a column of counts."""
    if values.empty:
        return ""
    low, high = int(values.min()), int(values.max())
    return str(low) if low == high else f"{low}-{high}"


def epochs_of(training: pd.DataFrame | None, rows: pd.DataFrame) -> str:
    """Epochs of the runs behind `rows` (matched on dataset, arch, P in training.csv)."""
    if training is None or rows.empty or "epochs" not in training:
        return ""
    keys = rows[["dataset", "arch", "P"]].drop_duplicates()
    runs = training.merge(keys, on=["dataset", "arch", "P"])
    return span(runs["epochs"]) if not runs.empty else ""


def claim_row(
    claim: str,
    paper: str,
    criterion: str,
    ok: bool | None,
    rows: pd.DataFrame,
    training: pd.DataFrame | None,
    reproduced: float = float("nan"),
    details: str = "",
    dataset: str = "",
    arch: str = "",
) -> dict[str, object]:
    """One claims-table row; the statistics columns are read off `rows` (logavg rows)."""
    has = not rows.empty
    # sizes in order of training-set size ("100,200,1000,full"), not as text
    by_size = rows.sort_values("n_train", kind="stable") if "n_train" in rows else rows
    return {
        "claim": claim,
        "dataset": dataset or (join(rows["dataset"]) if has else ""),
        "arch": arch or (join(rows["arch"]) if has else ""),
        "paper_value": paper,
        "reproduced_value": reproduced,
        "criterion": criterion,
        "holds": verdict(ok),
        "seeds": span(rows["n_seeds"]) if has and "n_seeds" in rows else "",
        "P": join(by_size["P"]) if has else "",
        "epochs": epochs_of(training, rows),
        "details": details,
    }


def groups(frame: pd.DataFrame, keys: list[str]) -> list[pd.DataFrame]:
    """The groups of `frame` by `keys`, in sorted order; none for an empty frame."""
    return [] if frame.empty else [group for _, group in frame.groupby(keys, sort=True)]


def n_positive(*columns: pd.Series) -> int:
    """Number of rows where every column is finite and > 0 (usable in a log-log fit)."""
    values = np.stack([c.to_numpy(dtype=float) for c in columns])
    return int(np.all(np.isfinite(values) & (values > 0), axis=0).sum())
