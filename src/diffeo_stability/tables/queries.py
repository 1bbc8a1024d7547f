"""Reading the aggregated tables (`results/tables/*`) and selecting the rows a figure shows.

Shared by every figure module and by `diffeo_stability.tables.claims`. Missing files or rows are not
errors here: callers draw what exists and list what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from diffeo_stability.data.registry import DATASETS
from diffeo_stability.io import read_checked

#: readable names of the data sets; the JPEG re-encoding is never called plain CIFAR-10
DATASET_LABELS = {
    "mnist": "MNIST",
    "fashionmnist": "F-MNIST",
    "cifar10": "CIFAR10",
    "cifar10-jpeg": "CIFAR10-JPEG",
}
#: the paper's default data sets for the per-data-set panels
PAPER_DATASETS = ("mnist", "fashionmnist", "cifar10")


#: a training that never learned (`never_learned`) ended with a training loss of at least
#: ln(classes) minus this margin (nats): uniform outputs over K classes have the loss ln K
CHANCE_LOSS_MARGIN = 0.05
#: ... and its probed net's test error is at least this share of the chance error 1 - 1/K
CHANCE_ERROR_SHARE = 0.95
#: the columns naming one training run in a per-seed table (n_train: P whatever its type)
RUN_KEYS = ["dataset", "arch", "n_train", "seed"]


def dataset_label(name: str) -> str:
    """Readable label of a data set name (synthetic ones keep their name)."""
    return DATASET_LABELS.get(name, name)


def find_input(inputs: Iterable[str | Path], filename: str) -> Path | None:
    """The first input whose file name is `filename` and that exists, else None."""
    for path in map(Path, inputs):
        if path.name == filename and path.is_file():
            return path
    return None


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Fix the dtypes CSV round trips lose: P is read as text ("512"; "full" in tables written
    before the tables stored P as an integer), compared so with figure options and labels;
    flags are bool.

    Non-finite values (R = inf when a net's output ignores the noise, G = 0) become NaN: they
    cannot be drawn on log axes, and the figures report them as missing.
    """
    frame = frame.replace([np.inf, -np.inf], np.nan)
    for col in ("dataset", "arch", "P", "state", "interpolation", "point", "statistic"):
        if col in frame:
            frame[col] = frame[col].astype(str)
    if "noise_norm" in frame and frame["noise_norm"].dtype == object:
        frame["noise_norm"] = frame["noise_norm"].astype(str)
    if "is_output" in frame and frame["is_output"].dtype != bool:
        frame["is_output"] = frame["is_output"].astype(str).str.lower().isin(["true", "1"])
    return frame


def read_table(path: Path | None) -> pd.DataFrame | None:
    """Read a CSV or parquet table (None or a missing file gives None)."""
    if path is None or not Path(path).is_file():
        return None
    path = Path(path)
    reader = pd.read_parquet if path.suffix == ".parquet" else pd.read_csv
    frame = read_checked(path, reader, "table")
    return _normalise(frame)


def load_input(inputs: Iterable[str | Path], filename: str) -> pd.DataFrame | None:
    """Read the input named `filename` (e.g. "logavg.csv"); None when it is not given/absent."""
    return read_table(find_input(inputs, filename))


def select(frame: pd.DataFrame | None, **equals: object) -> pd.DataFrame:
    """Rows where each column equals the value (a list/tuple/set value means 'is in')."""
    if frame is None:
        return pd.DataFrame()
    keep = np.ones(len(frame), dtype=bool)
    for col, value in equals.items():
        if col not in frame:
            return frame.iloc[0:0]
        if isinstance(value, list | tuple | set):
            keep &= frame[col].isin(list(value)).to_numpy()
        elif isinstance(value, float):
            keep &= np.isclose(frame[col].to_numpy(dtype=float), value)
        else:
            keep &= (frame[col] == value).to_numpy()
    return frame[keep]


def cutoffs(frame: pd.DataFrame) -> list[float]:
    """The sorted distinct cut-offs c in `frame`."""
    return sorted(set(frame["c"].astype(float))) if "c" in frame else []


def by_size(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by the actual training-set size (the P axis of the figures)."""
    return frame.sort_values("n_train")


def full_size(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows at the largest training-set size of their data set (P = "full", or 50000 in the
    paper config, where MNIST / Fashion-MNIST use a 50k subset; the largest P of a scaled-down
    config)."""
    if frame is None or frame.empty:
        return select(frame, P="full")
    largest = frame.groupby("dataset")["n_train"].transform("max")
    return frame[frame["n_train"] == largest]


def size_label(frame: pd.DataFrame | None) -> str:
    """The training-set size(s) of `frame`'s rows for a title: "P = full", "P = 1000"."""
    if frame is None or frame.empty or "P" not in frame:
        return "largest P"
    values = sorted(set(frame["P"].astype(str)), key=lambda p: (p == "full", len(p), p))
    return "P = " + " / ".join(values)


def never_learned(training: pd.DataFrame) -> pd.Series:
    """Whether each run of `training` (training.csv rows) never learned: it neither fitted its
    training set (final training loss >= ln K - CHANCE_LOSS_MARGIN, K the classes of its data
    set) nor predicts better than chance (test error of the probed net >= CHANCE_ERROR_SHARE
    (1 - 1/K)). Either alone misleads: an unstable, over-confident net can end with a loss
    above ln K and classify well, and a net that fitted a small training set can test at
    chance. False for a run without these values or of a data set outside the registry."""
    classes = training["dataset"].map(
        lambda d: DATASETS[d].num_classes if d in DATASETS else np.nan
    )
    k = classes.to_numpy(dtype=float)

    def column(name: str) -> np.ndarray:
        return pd.to_numeric(training[name], errors="coerce").to_numpy(dtype=float)

    with np.errstate(invalid="ignore"):
        at_chance = (column("final_train_loss") >= np.log(k) - CHANCE_LOSS_MARGIN) & (
            column("test_error") >= CHANCE_ERROR_SHARE * (1 - 1 / k)
        )
    return pd.Series(at_chance, index=training.index)


def chance_runs(training: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of training.csv whose training never learned (`never_learned`); none without
    the table or its final-loss column."""
    if (
        training is None
        or training.empty
        or not {"final_train_loss", "test_error"} <= set(training)
    ):
        return pd.DataFrame(columns=[*RUN_KEYS, "P", "final_train_loss", "test_error"])
    return training[never_learned(training)]


def without_runs(frame: pd.DataFrame | None, runs: pd.DataFrame) -> pd.DataFrame | None:
    """`frame` without the rows of `runs` (training.csv rows), matched on `RUN_KEYS`; a table of
    means over seeds (no seed column) loses every row of a net and P that has such a run."""
    if frame is None or frame.empty or runs.empty:
        return frame
    # a run of a grid with training budgets or augmentation options is also named by its
    # budget (`epochs`) and option (`augmentation`)
    keys = [key for key in (*RUN_KEYS, "epochs", "augmentation") if key in frame and key in runs]

    def identity(table: pd.DataFrame) -> pd.MultiIndex:
        ints = {key: "Int64" for key in ("n_train", "seed", "epochs") if key in keys}
        return pd.MultiIndex.from_frame(table[keys].astype(ints).astype(str))

    return frame[~identity(frame).isin(identity(runs))]


def log_band(frame: pd.DataFrame, value: str) -> tuple[np.ndarray, np.ndarray]:
    """Lower/upper errors (for `errorbar`) from the seed spread: X * exp(-+ X_logstd)."""
    x = frame[value].to_numpy(dtype=float)
    s = frame.get(f"{value}_logstd", pd.Series(0.0, index=frame.index)).fillna(0.0)
    s = s.to_numpy(dtype=float)
    return x - x * np.exp(-s), x * np.exp(s) - x
