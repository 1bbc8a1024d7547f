"""R_f at initialisation near 1."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from diffeo_stability.models.registry import ARCHITECTURES
from diffeo_stability.tables.claims.decide import (
    NO,
    UNDECIDED,
    YES,
    Decision,
    decide,
    geometric_mean,
)
from diffeo_stability.tables.claims.rows import absent_row, claim_row, groups
from diffeo_stability.tables.queries import dataset_label, full_size, select

INIT_FACTOR = 3.0  # R_f at initialisation "near 1": within [1/3, 3]
NAME = "R_f at initialisation ~ 1"


def init_claims(seeds: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """R_f at initialisation within a factor INIT_FACTOR of 1 on every data set, one row per
    architecture that starts from random weights (transfer nets start from ImageNet weights).

    seeds: headline rows per seed. Per data set the geometric mean over seeds with its 95 % t
    interval is decided; the row holds when every data set does, fails when one fails."""
    rows = full_size(select(seeds, state="init"))
    if not rows.empty:
        transfer = rows["arch"].map(lambda a: a in ARCHITECTURES and ARCHITECTURES[a].transfer)
        rows = rows[~transfer.astype(bool)]
    criterion = f"every data set: {1 / INIT_FACTOR:.2g} <= R_f <= {INIT_FACTOR:g}"
    out = []
    for group in groups(rows, ["arch"]):
        per_set = {dataset: geometric_mean(runs["R"]) for dataset, runs in group.groupby("dataset")}
        decisions = {d: decide(e, 1 / INIT_FACTOR, INIT_FACTOR) for d, e in per_set.items()}
        verdicts = {d.verdict for d in decisions.values()}
        verdict = NO if NO in verdicts else (YES if verdicts == {YES} else UNDECIDED)
        reasons = [f"{dataset_label(k)}: {d.reason}" for k, d in decisions.items() if d.reason]
        worst = max(per_set, key=lambda d: abs(np.log(per_set[d].value)))
        details = "; ".join(
            f"{dataset_label(d)} {e.value:.3g} {e.text()}".strip() for d, e in per_set.items()
        )
        out.append(
            claim_row(
                NAME,
                "~1",
                criterion,
                _combined(verdict, reasons, decisions.values()),
                group,
                training,
                per_set[worst],
                f"farthest from 1: {dataset_label(worst)}; {details}",
            )
        )
    return out or [absent_row(NAME, "~1", criterion, "no init rows at the largest P")]


def _combined(verdict: str, reasons: list[str], decisions: Iterable[Decision]) -> Decision:
    """The row's decision from its data sets': an undecided row needs the seeds its most
    demanding undecided data set needs ('' when one of them cannot be projected)."""
    if verdict != UNDECIDED:
        return Decision(verdict)
    needs = [d.seeds_needed for d in decisions if d.verdict == UNDECIDED]
    if not needs or "" in needs:
        return Decision(verdict, "; ".join(reasons))
    beyond = [n for n in needs if not n.isdigit()]  # "more than MAX_SEEDS"
    return Decision(verdict, "; ".join(reasons), beyond[0] if beyond else max(needs, key=int))
