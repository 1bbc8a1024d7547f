"""R_f, D_f, G_f and the test error over training: the probes of a run's snapshots in one table.

Each input is the probe of one snapshot (`diffeo-stability probe --snapshots E ...`, columns
`tables.columns.SNAPSHOT_PROBE_COLUMNS`); the table holds their output-layer rows, sorted by
run and epoch. Torch-free.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from diffeo_stability.io import read_checked
from diffeo_stability.tables.columns import SNAPSHOT_PROBE_COLUMNS

#: the order of the rows: run, epoch, then the measurement
ORDER = ["dataset", "arch", "P", "seed", "epoch", "interpolation", "c", "statistic", "noise_norm"]


def training_time_table(probes: Sequence[str | Path]) -> pd.DataFrame:
    """The output-layer rows of the snapshot probes `probes` (parquet files), one table."""
    frames = [read_checked(path, pd.read_parquet, "snapshot probe") for path in probes]
    frames = [frame[list(SNAPSHOT_PROBE_COLUMNS)] for frame in frames]
    if not frames:
        return pd.DataFrame(columns=list(SNAPSHOT_PROBE_COLUMNS))
    table = pd.concat(frames, ignore_index=True)
    table = table[table["is_output"]].astype(SNAPSHOT_PROBE_COLUMNS)
    return table.sort_values(ORDER, ignore_index=True)
