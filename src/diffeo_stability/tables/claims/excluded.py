"""The runs left out of every claim: those whose R_f is undefined, and those whose training
never learned (`queries.never_learned`)."""

from __future__ import annotations

import math

import pandas as pd

from diffeo_stability.data.registry import DATASETS
from diffeo_stability.tables.claims.decide import ABSENT, Decision
from diffeo_stability.tables.claims.rows import claim_row
from diffeo_stability.tables.queries import CHANCE_ERROR_SHARE, CHANCE_LOSS_MARGIN, dataset_label


def excluded_runs(headline: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """One row counting the runs left out because R_f is undefined (output changes of float
    rounding size: a collapsed or nearly dead network); none when every run is defined."""
    if headline.empty or "n_undefined" not in headline:
        return []
    bad = headline[headline["n_undefined"] > 0]
    if bad.empty:
        return []
    runs = ", ".join(
        f"{dataset_label(r.dataset)}/{r.arch}/P={r.P}/{r.state} ({r.n_undefined})"
        for r in bad.itertuples()
    )
    n = int(bad["n_undefined"].sum())
    details = (
        f"{n} run{'s' if n != 1 else ''} excluded: output changes at float rounding "
        "(D_f, G_f, R_f undefined)"
    )
    return [
        claim_row(
            "runs excluded: R_f undefined",
            "",
            "R_f finite",
            Decision(ABSENT),
            bad,
            training,
            details=f"{details}: {runs}",
        )
    ]


def never_learned_runs(chance: pd.DataFrame, training: pd.DataFrame | None) -> list[dict]:
    """One row naming the runs left out because their training never learned (`chance`:
    training.csv rows, `queries.chance_runs`); none when every run learned."""
    if chance.empty:
        return []
    runs = ", ".join(
        f"{dataset_label(r.dataset)}/{r.arch}/P={r.P}/seed {r.seed} (final training loss "
        f"{r.final_train_loss:.3f}, ln K = {_chance_loss(r.dataset):.3f}; test error "
        f"{r.test_error:.3f})"
        for r in chance.itertuples()
    )
    n = len(chance)
    criterion = (
        f"not (final training loss >= ln K - {CHANCE_LOSS_MARGIN:g} and test error >= "
        f"{CHANCE_ERROR_SHARE:g} (1 - 1/K)), K classes"
    )
    return [
        claim_row(
            "runs excluded: training never learned",
            "",
            criterion,
            Decision(ABSENT),
            chance,
            training,
            details=f"{n} run{'s' if n != 1 else ''} excluded, at chance: {runs}",
        )
    ]


def _chance_loss(dataset: str) -> float:
    """ln(classes): the training loss of uniform outputs."""
    return math.log(DATASETS[dataset].num_classes)
