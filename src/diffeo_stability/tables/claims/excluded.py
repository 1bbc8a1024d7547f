"""The runs left out of every claim because their R_f is undefined."""

from __future__ import annotations

import pandas as pd

from diffeo_stability.tables.claims.decide import ABSENT, Decision
from diffeo_stability.tables.claims.rows import claim_row
from diffeo_stability.tables.queries import dataset_label


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
