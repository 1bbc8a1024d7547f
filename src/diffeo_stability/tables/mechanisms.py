"""The tables of the mechanisms stage: per-run tables of one analysis collected, and one summary
with a few numbers per net that the README's sentences quote (`summary`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from diffeo_stability.io import read_checked

#: the columns that name a run (the whole table when no run was measured)
RUN_COLUMNS = ("dataset", "arch", "P", "seed", "state")
#: the summary's columns: one number per (net, quantity) and state
SUMMARY_COLUMNS = ("analysis", "dataset", "arch", "P", "seed", "quantity", "init", "trained")
#: a block's map is low-frequency below this many cycles per pixel (the summary of spectra)
LOW_FREQUENCY = 0.125


def collect(paths: Sequence[Path]) -> pd.DataFrame:
    """The rows of every per-run CSV in order; no paths: an empty table with `RUN_COLUMNS`."""
    frames = [read_checked(path, pd.read_csv, "mechanisms table") for path in paths]
    if not frames:
        return pd.DataFrame(columns=list(RUN_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def _per_net(frame: pd.DataFrame, analysis: str, quantities) -> list[dict]:
    """Rows of the summary: `quantities(rows of one net and state)` -> {quantity: value}."""
    out = []
    if frame.empty:
        return out
    for (dataset, arch, P, seed), net in frame.groupby(["dataset", "arch", "P", "seed"]):
        values = {state: quantities(net[net["state"] == state]) for state in ("init", "trained")}
        for quantity in values["trained"]:
            out.append(
                {
                    "analysis": analysis,
                    "dataset": dataset,
                    "arch": arch,
                    "P": str(P),
                    "seed": seed,
                    "quantity": quantity,
                    "init": values["init"].get(quantity, np.nan),
                    "trained": values["trained"][quantity],
                }
            )
    return out


def _distance(rows: pd.DataFrame, statistic: str, delta: float) -> dict[str, float]:
    rows = rows[rows["statistic"] == statistic]
    noise = rows[rows["kind"] == "noise"].sort_values("r")
    flipped = noise[noise["misclassified"] >= 0.5]
    at_delta = rows[(rows["kind"] == "diffeo") & np.isclose(rows["abscissa"], delta)]
    if noise.empty or at_delta.empty:
        return {}
    r_delta = float(at_delta["r"].iloc[0])
    nearest = noise.iloc[[int((noise["r"] - r_delta).abs().argmin())]]
    linear = float(noise["value"].iloc[0] / noise["r"].iloc[0] ** 2)
    return {
        "r where half the noisy images change class": float(flipped["r"].min())
        if not flipped.empty
        else np.nan,
        "r of the diffeos at delta": r_delta,
        "G/r^2 near that r over G/r^2 at the smallest r": float(
            nearest["value"].iloc[0] / nearest["r"].iloc[0] ** 2 / linear
        ),
    }


def _operations(rows: pd.DataFrame, statistic: str, noise_norm: str) -> dict[str, float]:
    rows = rows[(rows["statistic"] == statistic) & (rows["noise_norm"] == noise_norm)]
    if rows.empty:
        return {}
    ordered = rows.sort_values("layer")
    return {"R at the input": ordered["R"].iloc[0], "R at the output": ordered["R"].iloc[-1]}


def low_frequency_share(spectra: pd.DataFrame) -> pd.DataFrame:
    """The share of each spectrum's power at or below `LOW_FREQUENCY` cycles per pixel of its
    map: one row per (run, state, order, layer) of a spectra table, column `share` (the
    spectra sum to 1, so this is their power at frequency <= LOW_FREQUENCY)."""
    keys = [k for k in (*RUN_COLUMNS, "order", "layer", "layer_name", "side") if k in spectra]
    low = spectra.assign(power=spectra["power"].where(spectra["frequency"] <= LOW_FREQUENCY, 0))
    return low.groupby(keys, sort=False)["power"].sum().rename("share").reset_index()


def _spectra(rows: pd.DataFrame) -> dict[str, float]:
    out = {}
    for order, part in low_frequency_share(rows).groupby("order"):
        out[f"power below {LOW_FREQUENCY:g} cycles/pixel, mean over blocks ({order})"] = float(
            part["share"].mean()
        )
    return out


def _shuffle(rows: pd.DataFrame, statistic: str, noise_norm: str) -> dict[str, float]:
    rows = rows[(rows["statistic"] == statistic) & (rows["noise_norm"] == noise_norm)]
    standard = rows[rows["permutation"] < 0]
    shuffled = rows[rows["permutation"] >= 0]
    if standard.empty or shuffled.empty:
        return {}
    ratio = np.exp(np.log(shuffled["R"] / standard["R"].iloc[0]).mean())
    return {
        "R shuffled / R standard (geometric mean over blocks, permutations)": float(ratio),
        "test error, standard": float(standard["test_error"].iloc[0]),
        "test error, shuffled (mean over blocks, permutations)": float(
            shuffled["test_error"].mean()
        ),
    }


def _filters(rows: pd.DataFrame) -> dict[str, float]:
    if rows.empty:
        return {}
    energy = rows.pivot_table(index="layer", columns="eigenvalue", values="energy")
    share = energy.div(energy.sum(axis=1), axis=0)
    return {
        "share of filter energy at eigenvalue 0 (mean over 3x3 convs)": float(share[0.0].mean())
    }


def summary(
    tables: Mapping[str, pd.DataFrame | None], statistic: str, noise_norm: str, delta: float
) -> pd.DataFrame:
    """A few numbers per net (init and trained) from the stage's tables, keyed by analysis
    name: the r where half the noisy images change class and the rise of G/r^2 there
    (distance), R at input and output (operations), the low-frequency power (spectra), R and
    test error shuffled against standard (shuffle), the filters' energy share at eigenvalue 0
    (filters); R under `statistic` and `noise_norm`."""

    def table(name: str) -> pd.DataFrame:
        frame = tables.get(name)
        return pd.DataFrame() if frame is None else frame

    rows = _per_net(table("distance"), "distance", lambda r: _distance(r, statistic, delta))
    rows += _per_net(
        table("operations"), "operations", lambda r: _operations(r, statistic, noise_norm)
    )
    rows += _per_net(table("spectra"), "spectra", _spectra)
    rows += _per_net(table("shuffle"), "shuffle", lambda r: _shuffle(r, statistic, noise_norm))
    rows += _per_net(table("filters"), "filters", _filters)
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
