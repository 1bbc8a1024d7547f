"""The claims table's columns and the helpers every kind of claim builds its rows with."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from diffeo_stability.tables.claims.decide import ABSENT, Decision, Estimate

COLUMNS = [
    "claim",
    "dataset",
    "arch",
    "paper_value",
    "reproduced_value",
    "interval",
    "criterion",
    "holds",
    "seeds",
    "seeds_needed",
    "P",
    "width",
    "epochs",
    "details",
]
#: the training-set size of the paper's values (P = 50k: CIFAR-10's full training set, and the
#: seeded 50k subsets of MNIST and Fashion-MNIST)
PAPER_P = 50_000


def join(values: Iterable[object]) -> str:
    """Distinct values, in order, joined with commas."""
    return ",".join(dict.fromkeys(str(v) for v in values))


def span(values: pd.Series) -> str:
    """'3' or '3-5' for a column of counts."""
    values = values.dropna()
    if values.empty:
        return ""
    low, high = values.min(), values.max()
    text = (lambda v: f"{v:g}") if values.dtype.kind == "f" else (lambda v: str(int(v)))
    return text(low) if low == high else f"{text(low)}-{text(high)}"


def _runs(training: pd.DataFrame | None, rows: pd.DataFrame) -> pd.DataFrame:
    """The training.csv rows of the runs behind `rows` (matched on dataset, arch, P)."""
    if training is None or rows.empty or not {"dataset", "arch", "P"} <= set(rows):
        return pd.DataFrame()
    keys = rows[["dataset", "arch", "P"]].astype(str).drop_duplicates()
    return training.astype({"P": str}).merge(keys, on=["dataset", "arch", "P"])


def run_column(training: pd.DataFrame | None, rows: pd.DataFrame, column: str) -> str:
    """The span of a training.csv column (epochs, width_factor) over the runs behind `rows`."""
    runs = _runs(training, rows)
    return span(runs[column]) if column in runs else ""


def claim_row(
    claim: str,
    paper: str,
    criterion: str,
    decision: Decision,
    rows: pd.DataFrame,
    training: pd.DataFrame | None,
    estimate: Estimate | None = None,
    details: str = "",
    dataset: str = "",
    arch: str = "",
) -> dict[str, object]:
    """One claims-table row. The seeds, P, width and epochs columns are read off `rows` (the
    rows the claim rests on: logavg rows with n_seeds, or per-seed rows) and training.csv."""
    has = not rows.empty
    # sizes in order of training-set size ("100,200,1000,full"), not as text
    by_size = rows.sort_values("n_train", kind="stable") if "n_train" in rows else rows
    if has and "n_seeds" in rows:
        seeds = span(rows["n_seeds"])
    elif has and "seed" in rows:
        seeds = span(rows.groupby(["dataset", "arch", "P"])["seed"].nunique())
    else:
        seeds = ""
    why = f"{decision.reason}; " if decision.reason else ""
    return {
        "claim": claim,
        "dataset": dataset or (join(rows["dataset"]) if has else ""),
        "arch": arch or (join(rows["arch"]) if has else ""),
        "paper_value": paper,
        "reproduced_value": estimate.value if estimate is not None else float("nan"),
        "interval": estimate.text() if estimate is not None else "",
        "criterion": criterion,
        "holds": decision.verdict,
        "seeds": seeds,
        "seeds_needed": decision.seeds_needed,
        "P": join(by_size["P"]) if has and "P" in rows else "",
        "width": run_column(training, rows, "width_factor"),
        "epochs": run_column(training, rows, "epochs"),
        "details": (why + details).strip("; "),
    }


def absent_row(
    claim: str, paper: str, criterion: str, why: str, arch: str = ""
) -> dict[str, object]:
    """The row of a claim whose data are absent ('not tested', with why)."""
    return claim_row(
        claim, paper, criterion, Decision(ABSENT), pd.DataFrame(), None, details=why, arch=arch
    )


def groups(frame: pd.DataFrame, keys: list[str]) -> list[pd.DataFrame]:
    """The groups of `frame` by `keys`, in sorted order; none for an empty frame."""
    return [] if frame.empty else [group for _, group in frame.groupby(keys, sort=True)]


def finite_positive(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Rows where every column is finite and > 0 (usable on log axes)."""
    if frame.empty:
        return frame
    values = np.stack([frame[c].to_numpy(dtype=float) for c in columns])
    return frame[np.all(np.isfinite(values) & (values > 0), axis=0)]


def below_paper_size(rows: pd.DataFrame) -> str:
    """Why rows at the largest P of a scaled-down run cannot be compared with the paper's
    P = 50k values ('' when their training sets reach it, or are the full set)."""
    if rows.empty or "n_train" not in rows:
        return ""
    largest = int(rows["n_train"].max())
    full = set(rows["P"].astype(str)) == {"full"}
    return "" if full or largest >= PAPER_P else f"P = {largest} < the paper's {PAPER_P:,}"
