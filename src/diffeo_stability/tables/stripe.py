"""The stripe-model table: one row per stripe run JSON (`results/tables/stripe.csv`)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from diffeo_stability.errors import DataError
from diffeo_stability.io import read_checked

#: the contract with the figures: these columns first, in this order
COLUMNS = [
    "d",
    "P",
    "seed",
    "h",
    "alpha",
    "R",
    "alignment_perp",
    "train_error",
    "test_error",
    "steps",
    "wall_time_s",
]
#: further columns kept when present
EXTRA = [
    "D",
    "G",
    "alignment_perp_init",
    "fitted",
    "loss",
    "lr",
    "boost",
    "dtype",
    "max_steps",
    "noise",
    "n_test",
]


def stripe_table(paths: list[Path]) -> pd.DataFrame:
    """One row per run JSON, sorted by (d, P, seed); raises DataError naming a bad file."""
    rows = []
    for path in paths:
        record = read_checked(path, lambda p: json.loads(p.read_text()), "stripe run")
        missing = [key for key in COLUMNS if key not in record]
        if missing:
            raise DataError(f"stripe run {path} lacks keys {missing}")
        rows.append({key: record[key] for key in COLUMNS + EXTRA if key in record})
    return pd.DataFrame(rows).sort_values(["d", "P", "seed"], ignore_index=True)
