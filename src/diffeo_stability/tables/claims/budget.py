"""Claims over the training budget E (config/cpu-long.yaml): the same nets trained for E epochs,
each run annealed at its own last step, probed at its end point (per-seed headline rows with an
`epochs` column, at the largest P of their data set).

- the SOTA nets' R_f at the largest E in the paper's [1e-2, 1e-1];
- per net, R_f falls with E: slope of log R_f against log E < 0 (seeds as points);
- the primitive nets (LeNet, fully connected) stay at R_f >= 1 at every E;
- the exponent b of eps_t = a R_f^b across the budgets, per net and pooled, about 0.5;
- at the largest E, each net's eps_t / (0.2 sqrt(R_f)) within `LAW_RATIO_RANGE` of 1;
- at every E, the SOTA nets' R_f below the primitive nets'.

A data set needs at least two budgets at its largest P for these rows; without, one 'not
tested' row per claim. `longest_budget` gives the other claims one run per (net, P, seed).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from diffeo_stability.tables.claims.decide import (
    NO,
    YES,
    Decision,
    Estimate,
    decide,
    geometric_mean,
    log_slope,
)
from diffeo_stability.tables.claims.error_fit import EXPONENT_RANGE
from diffeo_stability.tables.claims.per_net import (
    FC_PATTERN,
    LENET_PATTERN,
    SOTA_PATTERN,
    SOTA_RANGE,
)
from diffeo_stability.tables.claims.rows import absent_row, claim_row, finite_positive, groups
from diffeo_stability.tables.queries import full_size, select

#: the paper's law eps_t = LAW_PREFACTOR * R_f^(1/2) (Fig. 5)
LAW_PREFACTOR = 0.2
#: a net follows the paper's law when eps_t / (0.2 sqrt(R_f)) lies within this range (fixed
#: before the run of config/cpu-long.yaml; docs/conventions.md)
LAW_RATIO_RANGE = (0.5, 2.0)
PRIMITIVE_MIN_R = 1.0
#: the claims, in the table's order
SOTA_AT_LONGEST = "trained SOTA R_f at the largest budget in [1e-2, 1e-1]"
FALLS_WITH_E = "R_f falls with the training budget E"
PRIMITIVE_STAY = "primitive nets stay at R_f >= 1 at every budget"
EXPONENT = "exponent b of eps_t = a R_f^b across budgets"
LAW_DISTANCE = "eps_t / (0.2 sqrt(R_f)) at the largest budget"
SOTA_BELOW = "SOTA nets' R_f below the primitive nets' at each budget"
RUN_KEYS = ["dataset", "arch", "P", "seed"]


def longest_budget(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """The rows of each run's largest budget: one run per (dataset, arch, P, seed) for the
    claims that take one (a table without `epochs`, or with one budget per run, unchanged)."""
    if frame is None or frame.empty or "epochs" not in frame:
        return frame
    keys = [k for k in RUN_KEYS if k in frame]
    epochs = pd.to_numeric(frame["epochs"], errors="coerce")
    largest = epochs.groupby([frame[k].astype(str) for k in keys]).transform("max")
    return frame[epochs == largest]


def budget_rows(seeds: pd.DataFrame) -> pd.DataFrame:
    """Trained headline rows per seed at the largest P of their data set, of the data sets
    whose nets there were trained at two budgets or more (`epochs` column); finite R_f > 0."""
    if seeds is None or seeds.empty or "epochs" not in seeds:
        return pd.DataFrame()
    rows = full_size(select(seeds, state="trained"))
    rows = finite_positive(rows.assign(epochs=pd.to_numeric(rows["epochs"])), "R", "epochs")
    budgets = rows.groupby("dataset")["epochs"].transform("nunique")
    return rows[budgets >= 2]


def budget_claims(seeds: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """Every claim over the training budget, in order (see the module docstring); none for
    tables where no net was trained at two budgets or more (an experiment without `epochs`:
    its claims table does not list claims that its design cannot test)."""
    rows = budget_rows(seeds)
    if rows.empty:
        return []
    return [
        *sota_at_longest(rows, training),
        *falls_with_budget(rows, training),
        *primitive_stay(rows, training),
        *exponent_across_budgets(rows, training),
        *law_distance(rows, training),
        *sota_below_primitive(rows, training),
    ]


def _runs_at(training: pd.DataFrame | None, epochs: float) -> pd.DataFrame | None:
    """training.csv rows of the runs of budget `epochs` (the claims' epochs column)."""
    if training is None or "epochs" not in training:
        return training
    return training[pd.to_numeric(training["epochs"], errors="coerce") == epochs]


def _longest(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of each data set's largest budget."""
    if rows.empty:
        return rows
    return rows[rows["epochs"] == rows.groupby("dataset")["epochs"].transform("max")]


def _matching(rows: pd.DataFrame, pattern) -> pd.DataFrame:
    return rows[rows["arch"].astype(str).str.fullmatch(pattern)] if not rows.empty else rows


def _primitive(rows: pd.DataFrame) -> pd.DataFrame:
    if rows.empty:
        return rows
    arch = rows["arch"].astype(str)
    return rows[arch.str.fullmatch(FC_PATTERN) | arch.str.fullmatch(LENET_PATTERN)]


def _at_longest(
    claim: str,
    paper: str,
    criterion: str,
    bounds: tuple[float, float],
    rows: pd.DataFrame,
    training: pd.DataFrame | None,
    values: Callable[[pd.DataFrame], np.ndarray],
) -> list[dict]:
    """Per net at its data set's largest budget, the geometric mean over seeds of `values`
    (an array per row of a net's group) within `bounds`; one 'not tested' row without nets."""
    out = []
    for group in groups(_longest(rows), ["dataset", "arch"]):
        estimate = geometric_mean(values(group))
        epochs = float(group["epochs"].iloc[0])
        decision = decide(estimate, *bounds)
        runs = _runs_at(training, epochs)
        out.append(
            claim_row(claim, paper, criterion, decision, group, runs, estimate, f"E = {epochs:g}")
        )
    return out or [absent_row(claim, paper, criterion, "no such net at 2+ budgets")]


def sota_at_longest(rows: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """Per SOTA net, the geometric mean over seeds of R_f at the largest budget."""
    low, high = SOTA_RANGE
    criterion = f"{low:g} <= R_f <= {high:g} (geometric mean over seeds and its interval)"
    sota = _matching(rows, SOTA_PATTERN)
    return _at_longest(
        SOTA_AT_LONGEST, "1e-2 to 1e-1", criterion, SOTA_RANGE, sota, training, r_values
    )


def falls_with_budget(rows: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """Per net, the slope of log R_f against log E over its seeds and budgets, below 0."""
    criterion = "slope of log R_f vs log E < 0 (seeds as points, its interval)"
    out = []
    for group in groups(rows, ["dataset", "arch"]):
        estimate = log_slope(group["epochs"].to_numpy(float), group["R"].to_numpy(float))
        out.append(
            claim_row(
                FALLS_WITH_E,
                "(not in the paper: 250 epochs)",
                criterion,
                decide(estimate, -math.inf, 0.0),
                group,
                training,
                estimate,
                f"R_f ~ E^{estimate.value:.3f} over E = {_budgets(group)}",
            )
        )
    return out or [absent_row(FALLS_WITH_E, "", criterion, "no net at 2+ budgets")]


def _budgets(group: pd.DataFrame) -> str:
    return ", ".join(f"{e:g}" for e in sorted(set(group["epochs"])))


def combine(decisions: list[Decision]) -> Decision:
    """All must hold: NO if any is NO, YES if all are YES, else the first undecided one."""
    if any(d.verdict == NO for d in decisions):
        return Decision(NO)
    if all(d.verdict == YES for d in decisions):
        return Decision(YES)
    return next(d for d in decisions if d.verdict != YES)


def primitive_stay(rows: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """Per primitive net, R_f >= 1 at every budget (geometric means over seeds, their intervals);
    the value shown is the lowest over budgets."""
    criterion = f"R_f >= {PRIMITIVE_MIN_R:g} at every E (geometric means over seeds, intervals)"
    out = []
    for group in groups(_primitive(rows), ["dataset", "arch"]):
        per_budget = {e: geometric_mean(g["R"]) for e, g in group.groupby("epochs")}
        decision = combine([decide(est, PRIMITIVE_MIN_R) for est in per_budget.values()])
        lowest = min(per_budget, key=lambda e: per_budget[e].value)
        details = "; ".join(f"E = {e:g}: {est.value:.3g}" for e, est in per_budget.items())
        out.append(
            claim_row(
                PRIMITIVE_STAY,
                ">= 1 (FC nets 2.7-5.9, LeNet 0.6 on CIFAR-10)",
                criterion,
                decision,
                group,
                training,
                per_budget[lowest],
                f"lowest at E = {lowest:g}; {details}",
            )
        )
    return out or [absent_row(PRIMITIVE_STAY, ">= 1", criterion, "no primitive net at 2+ budgets")]


def exponent_across_budgets(rows: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """Per net and pooled over nets, the least-squares slope b of log eps_t against log R_f
    over every seed and budget, within `EXPONENT_RANGE`."""
    low, high = EXPONENT_RANGE
    criterion = f"{low:g} <= b <= {high:g} (seeds and budgets as points, its interval)"
    usable = finite_positive(rows, "R", "test_error") if not rows.empty else rows
    parts = [(group, "") for group in groups(usable, ["dataset", "arch"])]
    parts += [
        (group, "pooled") for group in groups(usable, ["dataset"]) if group["arch"].nunique() > 1
    ]
    out = []
    for group, pooled in parts:
        estimate = log_slope(
            group["R"].to_numpy(float),
            group["test_error"].to_numpy(float),
            n_seeds=group["seed"].nunique(),
        )
        out.append(
            claim_row(
                EXPONENT,
                "0.5",
                criterion,
                decide(estimate, low, high),
                group,
                training,
                estimate,
                f"{len(group)} end points",
                arch=f"pooled ({group['arch'].nunique()} nets)" if pooled else "",
            )
        )
    return out or [absent_row(EXPONENT, "0.5", criterion, "no net at 2+ budgets")]


def r_values(group: pd.DataFrame) -> np.ndarray:
    """R_f of each row."""
    return group["R"].to_numpy(float)


def law_ratio(group: pd.DataFrame) -> np.ndarray:
    """eps_t / (0.2 sqrt(R_f)) of each row."""
    return group["test_error"].to_numpy(float) / (
        LAW_PREFACTOR * np.sqrt(group["R"].to_numpy(float))
    )


def law_distance(rows: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """Per net at the largest budget, the geometric mean over seeds of eps_t / (0.2 sqrt R_f)
    within `LAW_RATIO_RANGE`."""
    low, high = LAW_RATIO_RANGE
    criterion = f"{low:g} <= eps_t / (0.2 sqrt R_f) <= {high:g} (geometric mean over seeds)"
    paper = "1 (eps_t = 0.2 sqrt(R_f))"
    return _at_longest(LAW_DISTANCE, paper, criterion, LAW_RATIO_RANGE, rows, training, law_ratio)


def ratio_bounds(upper: Estimate, lower: Estimate) -> Estimate:
    """The ratio upper / lower of two geometric means, with the interval from their intervals
    (conservative: the seeds of two nets are not paired)."""
    how = f"from the two nets' intervals ({upper.how}; {lower.how})"
    return Estimate(upper.value / lower.value, upper.low / lower.high, upper.high / lower.low, how)


def sota_below_primitive(rows: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """Per data set and budget, the R_f of the least stable SOTA net over that of the most
    stable primitive net (geometric means over seeds) below 1."""
    criterion = "max SOTA R_f / min primitive R_f < 1 (interval from both nets' intervals)"
    out = []
    for group in groups(rows, ["dataset", "epochs"]):
        sota, primitive = _matching(group, SOTA_PATTERN), _primitive(group)
        if sota.empty or primitive.empty:
            continue
        sota_means = {arch: geometric_mean(g["R"]) for arch, g in sota.groupby("arch")}
        primitive_means = {arch: geometric_mean(g["R"]) for arch, g in primitive.groupby("arch")}
        highest = max(sota_means, key=lambda arch: sota_means[arch].value)
        lowest = min(primitive_means, key=lambda arch: primitive_means[arch].value)
        estimate = ratio_bounds(sota_means[highest], primitive_means[lowest])
        epochs = float(group["epochs"].iloc[0])
        out.append(
            claim_row(
                SOTA_BELOW,
                "below (Fig. 5)",
                criterion,
                decide(estimate, 0.0, 1.0),
                pd.concat([sota, primitive]),
                _runs_at(training, epochs),
                estimate,
                f"E = {epochs:g}: {highest} over {lowest}",
            )
        )
    return out or [
        absent_row(SOTA_BELOW, "below", criterion, "no SOTA and primitive nets at 2+ budgets")
    ]
