"""The claims table: every kind of claim's rows, in order, on the headline rows."""

from __future__ import annotations

import pandas as pd

from diffeo_stability.data.registry import DATASETS
from diffeo_stability.tables.claims.error_fit import fit_claims
from diffeo_stability.tables.claims.excluded import excluded_runs
from diffeo_stability.tables.claims.init import init_claims
from diffeo_stability.tables.claims.per_net import fc_claims, sota_claims
from diffeo_stability.tables.claims.rows import COLUMNS
from diffeo_stability.tables.claims.size import size_claims
from diffeo_stability.tables.claims.stripe_model import stripe_claims
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import full_size, select


def evaluate_claims(
    logavg: pd.DataFrame | None,
    training: pd.DataFrame | None,
    stripe: pd.DataFrame | None,
    probe: Headline | None = None,
) -> pd.DataFrame:
    """The claims table (columns COLUMNS) from logavg.csv, training.csv and stripe.csv frames,
    on the rows of the headline convention `probe` (default: `Headline()`)."""
    probe = probe or Headline()
    headline = probe.rows(logavg, c=probe.c)
    trained_full = full_size(select(headline, state="trained"))
    rows = init_claims(headline, training)
    rows += sota_claims(trained_full, training, logavg, probe)
    rows += fc_claims(trained_full, training)
    rows += fit_claims(headline, training)
    rows += size_claims(headline, training, "R_f falls with P (ResNet18)", ["ResNet18"], "R", -1)
    rows += size_claims(
        headline, training, "G_f rises with P", ["ResNet18", "EfficientNetB0"], "G", +1
    )
    rows += stripe_claims(stripe)
    rows += excluded_runs(headline, training)
    return pd.DataFrame(rows, columns=COLUMNS)


def synthetic_line(logavg: pd.DataFrame | None) -> str:
    """'SYNTHETIC data (...): not a result' when a data set of `logavg` is synthetic, else ''."""
    if logavg is None or logavg.empty:
        return ""
    names = sorted(
        d for d in set(logavg["dataset"].astype(str)) if d in DATASETS and DATASETS[d].synthetic
    )
    return f"SYNTHETIC data ({', '.join(names)}): not a result" if names else ""
