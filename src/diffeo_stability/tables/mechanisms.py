"""The tables of the mechanisms stage: per-run tables of one analysis, collected."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from diffeo_stability.io import read_checked

#: the columns that name a run (the whole table when no run was measured)
RUN_COLUMNS = ("dataset", "arch", "P", "seed", "state")


def collect(paths: Sequence[Path]) -> pd.DataFrame:
    """The rows of every per-run CSV in order; no paths: an empty table with `RUN_COLUMNS`."""
    frames = [read_checked(path, pd.read_csv, "mechanisms table") for path in paths]
    if not frames:
        return pd.DataFrame(columns=list(RUN_COLUMNS))
    return pd.concat(frames, ignore_index=True)
