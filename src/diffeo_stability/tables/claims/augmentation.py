"""Claims over the augmentation arms and the adversarial probe (issue 35; config/cpu-aug.yaml),
on trained headline rows per seed (seeds.csv) with an `augmentation` column (the option a run
was trained with: none, crop_flip, diffeo, crop_flip+diffeo). The same seed draws the same
training subset and initial weights under every option, so arms are compared seed by seed:
the ratio of a quantity between two arms per (P, seed), and its geometric mean over seeds with
the interval of `decide.geometric_mean`. Criteria fixed before the run (docs/conventions.md):

- "R_f depends only mildly on standard augmentation" (paper Fig. 12): per net, at every P,
  R_f(crop_flip) / R_f(none) within `MILD_RANGE`; yes when every P's interval lies within it,
  no when one P's interval lies wholly outside, else not testable;
- "diffeo augmentation lowers R_f" and "... lowers the test error": per net and base option
  (none -> diffeo, crop_flip -> crop_flip+diffeo), the ratio with diffeos to without, pooled
  over P and seeds, below 1; no only when its interval lies wholly at or above 1;
- over the nets at the largest P trained with their data set's own augmentation (crop_flip on
  CIFAR-10; at least `MIN_NETS`):
  corr(log eps_t, log R_f^adv) >= the typical claim's `CORRELATION_MIN`, and the difference
  |corr(log eps_t, log R_f^adv)| - |corr(log eps_t, log R_f)| > 0, each with the 95 % interval
  of a bootstrap over nets and their seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from diffeo_stability.data.registry import DATASETS
from diffeo_stability.tables.claims.decide import (
    ABSENT,
    NO,
    UNDECIDED,
    YES,
    Decision,
    Estimate,
    bootstrap,
    decide,
    geometric_mean,
)
from diffeo_stability.tables.claims.error_fit import CORRELATION_MIN, MIN_NETS
from diffeo_stability.tables.claims.rows import absent_row, claim_row, finite_positive, groups
from diffeo_stability.tables.queries import full_size, select

NONE, STANDARD, DIFFEO = "none", "crop_flip", "diffeo"
#: each diffeo option and the option it adds diffeos to
DIFFEO_BASES = {DIFFEO: NONE, f"{STANDARD}+{DIFFEO}": STANDARD}
#: R_f(crop_flip) / R_f(none) counts as a mild dependence within this range (fixed before the run)
MILD_RANGE = (0.5, 2.0)
#: "lowers": the interval strictly below 1 (a ratio of exactly 1 does not lower)
BELOW_ONE = float(np.nextafter(1.0, 0.0))
MILD = "R_f depends only mildly on standard augmentation"
LOWERS_R = "diffeo augmentation lowers R_f"
LOWERS_ERROR = "diffeo augmentation lowers the test error"
ADV_CORR = "adversarial R_f: corr(log eps_t, log R_f^adv)"
ADV_GAP = "adversarial R_f correlates more with eps_t than typical R_f"
RUN_KEYS = ["dataset", "arch", "P", "n_train", "seed"]
#: columns of a net's (seeds, 3) array of logs in the correlation claims
LOG_R, LOG_ADV, LOG_ERR = range(3)


def augmentation_claims(seeds: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """Every claim of the module docstring, in order (`seeds`: per-seed headline rows); the
    comparisons of options only for tables with two options or more, the adversarial rows only
    where a probe measured R_f^adv (a design that cannot test a claim does not list it)."""
    rows, adversarial = _trained(seeds), standard_rows(seeds)
    options = [] if rows.empty or rows["augmentation"].nunique() < 2 else [
        *mild_dependence(rows, training),
        *diffeo_lowers(rows, training, "R", LOWERS_R),
        *diffeo_lowers(rows, training, "test_error", LOWERS_ERROR),
    ]  # fmt: skip
    return options + (adversarial_correlation(adversarial, training) if len(adversarial) else [])


def standard_augmentation(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """The rows of each run trained with its data set's own augmentation (the registry's:
    crop_flip for the CIFAR-10 sets, none for the others), so that the claims and figures
    that take one run per (dataset, arch, P, seed) see one; a run trained under other
    options only keeps them all, and a table without the `augmentation` column is returned
    unchanged."""
    if frame is None or frame.empty or "augmentation" not in frame:
        return frame
    own = (
        frame["dataset"]
        .astype(str)
        .map(lambda name: DATASETS[name].augmentation if name in DATASETS else "")
    )
    is_own = frame["augmentation"].astype(str) == own
    keys = [frame[k].astype(str) for k in ("dataset", "arch", "P", "seed", "epochs") if k in frame]
    has_own = is_own.groupby(keys).transform("any")
    return frame[is_own | ~has_own]


def standard_rows(frame: pd.DataFrame | None) -> pd.DataFrame:
    """Trained rows at the largest P of their data set under its own augmentation
    (`standard_augmentation`; every row of a table without the `augmentation` column, e.g.
    config/cpu.yaml rerun with the adversarial probe) that measured a finite R_adv > 0, with
    finite R_f, eps_t > 0."""
    rows = full_size(select(standard_augmentation(frame), state="trained"))
    if rows.empty or "R_adv" not in rows:
        return pd.DataFrame()
    return finite_positive(rows, "R", "R_adv", "test_error")


def _trained(seeds: pd.DataFrame | None) -> pd.DataFrame:
    """Trained rows of a table with the `augmentation` column (empty otherwise)."""
    if seeds is None or seeds.empty or "augmentation" not in seeds:
        return pd.DataFrame()
    return select(seeds, state="trained").astype({"augmentation": str})


def paired_ratios(rows: pd.DataFrame, value: str, arm: str, base: str) -> pd.DataFrame:
    """Per run key (dataset, arch, P, n_train, seed) trained under both options, the columns
    `arm` and `base` (the value under each) and `ratio` = arm / base (finite, > 0 only)."""
    if rows.empty:
        return pd.DataFrame(columns=[*RUN_KEYS, "ratio"])
    both = select(rows, augmentation=[arm, base])
    table = both.pivot_table(index=RUN_KEYS, columns="augmentation", values=value)
    if arm not in table or base not in table:
        return pd.DataFrame(columns=[*RUN_KEYS, "ratio"])
    table = table.assign(ratio=table[arm] / table[base]).reset_index()
    return finite_positive(table, "ratio")


def _per_p_text(pairs: pd.DataFrame) -> str:
    """'P=1600: 0.93 [0.8, 1.1]; ...' of the geometric mean ratio at each P."""
    parts = []
    for group in groups(pairs, ["n_train"]):
        estimate = geometric_mean(group["ratio"])
        interval = f" [{estimate.low:.3g}, {estimate.high:.3g}]" if estimate.has_interval else ""
        parts.append(f"P={group['P'].iloc[0]}: {estimate.value:.3g}{interval}")
    return "; ".join(parts)


def mild_dependence(rows: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """Per net, R_f(crop_flip) / R_f(none) at every P within MILD_RANGE (one row per net: the
    P whose ratio lies farthest from 1 gives the value and interval)."""
    low, high = MILD_RANGE
    criterion = f"{low:g} <= R_f(crop_flip) / R_f(none) <= {high:g} at every P"
    paper = "only mildly (Fig. 12)"
    out = []
    for net in groups(paired_ratios(rows, "R", STANDARD, NONE), ["dataset", "arch"]):
        per_p = [geometric_mean(g["ratio"]) for g in groups(net, ["n_train"])]
        verdicts = [decide(e, low, high).verdict for e in per_p]
        farthest = max(per_p, key=lambda e: abs(math.log(e.value)))
        if all(v == YES for v in verdicts):
            decision = Decision(YES)
        elif NO in verdicts:
            decision = Decision(NO)
        else:
            decision = Decision(UNDECIDED, "the interval of some P contains a bound")
        details = f"ratio per P: {_per_p_text(net)}"
        out.append(claim_row(MILD, paper, criterion, decision, net, training, farthest, details))
    return out or [absent_row(MILD, paper, criterion, "no net trained under none and crop_flip")]


def diffeo_lowers(
    rows: pd.DataFrame, training: pd.DataFrame | None, value: str, claim: str
) -> list[dict]:
    """Per net and base option, the geometric mean over P and seeds of value(base+diffeo) /
    value(base): yes when its interval lies below 1, no when wholly above."""
    name = "R_f" if value == "R" else "eps_t"
    paper = "not measured (poster: 'can do data augmentation with max-entropy diffeo')"
    out = []
    for arm, base in DIFFEO_BASES.items():
        criterion = f"{name}({arm}) / {name}({base}) < 1 (over P and seeds)"
        for net in groups(paired_ratios(rows, value, arm, base), ["dataset", "arch"]):
            estimate = geometric_mean(net["ratio"], points_per_seed=net["n_train"].nunique())
            details = f"{arm} vs {base}, ratio per P: {_per_p_text(net)}"
            decision = decide(estimate, high=BELOW_ONE)
            out.append(
                claim_row(claim, paper, criterion, decision, net, training, estimate, details)
            )
    criterion = f"{name} with diffeos / {name} without < 1 (over P and seeds)"
    return out or [absent_row(claim, paper, criterion, "no net trained with and without diffeos")]


def _corr(column: int):
    return lambda means: float(np.corrcoef(means[:, column], means[:, LOG_ERR])[0, 1])


def _gap(means: np.ndarray) -> float:
    """|corr(log eps, log R_adv)| - |corr(log eps, log R)| of the (nets, 3) per-net means."""
    return abs(_corr(LOG_ADV)(means)) - abs(_corr(LOG_R)(means))


def adversarial_correlation(usable: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """Per data set, over the nets of `usable` (`standard_rows`):
    corr(log eps_t, log R_f^adv), and its |r| minus that of typical R_f."""
    claims = [
        (ADV_CORR, f">= {CORRELATION_MIN:g}", _corr(LOG_ADV), (CORRELATION_MIN, 1.0)),
        (ADV_GAP, "|r_adv| - |r_typical| > 0", _gap, (0.0, math.inf)),
    ]
    paper = "not measured (paper's conclusion: adversarial attacks along smooth transformations)"
    out = []
    for group in groups(usable, ["dataset"]):
        nets = [
            np.log(runs[["R", "R_adv", "test_error"]].to_numpy(dtype=float))
            for _, runs in group.groupby("arch", sort=True)
        ]
        typical = bootstrap(nets, _corr(LOG_R)) if len(nets) >= 2 else None
        for claim, criterion, statistic, claimed in claims:
            if len(nets) < MIN_NETS:
                estimate = Estimate(math.nan, math.nan, math.nan, f"{len(nets)} nets")
                decision = Decision(UNDECIDED if nets else ABSENT, f"{len(nets)} nets < {MIN_NETS}")
            else:
                estimate = bootstrap(nets, statistic)
                decision = decide(estimate, *claimed)
            details = f"{len(nets)} nets; corr(log eps_t, log R_f) = " + (
                f"{typical.value:.3g} {typical.text()}" if typical else "undefined"
            )
            out.append(
                claim_row(
                    claim,
                    paper,
                    criterion,
                    decision,
                    group,
                    training,
                    estimate,
                    details,
                    arch="all",
                )
            )
    return out or [
        absent_row(claim, paper, criterion, "no adversarial R_f at the largest P", arch="all")
        for claim, criterion, _, _ in claims
    ]
