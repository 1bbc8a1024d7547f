"""The claims table: every kind of claim's rows, in order, on the headline rows."""

from __future__ import annotations

import pandas as pd

from diffeo_stability.data.registry import DATASETS
from diffeo_stability.tables.claims.augmentation import augmentation_claims, standard_augmentation
from diffeo_stability.tables.claims.budget import budget_claims, longest_budget
from diffeo_stability.tables.claims.depth import depth_claims
from diffeo_stability.tables.claims.error_fit import fit_claims
from diffeo_stability.tables.claims.excluded import excluded_runs, never_learned_runs
from diffeo_stability.tables.claims.init import init_claims
from diffeo_stability.tables.claims.per_net import fc_claims, lenet_claims, sota_claims
from diffeo_stability.tables.claims.rows import COLUMNS
from diffeo_stability.tables.claims.size import R_FALLS_FROM_P, size_claims
from diffeo_stability.tables.claims.stripe_model import stripe_claims
from diffeo_stability.tables.headline import Headline
from diffeo_stability.tables.queries import chance_runs, full_size, select, without_runs

#: the paper's SOTA nets of Figs. 3 (right) and 6
SIZE_ARCHS = ["ResNet18", "EfficientNetB0"]


def evaluate_claims(
    logavg: pd.DataFrame | None,
    training: pd.DataFrame | None,
    stripe: pd.DataFrame | None,
    probe: Headline | None = None,
    seeds: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The claims table (columns COLUMNS) from the logavg.csv, training.csv, stripe.csv and
    seeds.csv frames, on the rows of the headline convention `probe` (default: `Headline()`).
    Claims that need per-seed values are 'not tested' without seeds.csv. Runs whose training
    never learned (training.csv) are left out of every claim, with a row naming them; from the
    means over seeds (logavg.csv: the depth claim) every row of their net at their P."""
    probe = probe or Headline()
    chance = chance_runs(training)
    logavg, seeds = without_runs(logavg, chance), without_runs(seeds, chance)
    every, training_all = probe.rows(seeds, c=probe.c), training  # every budget and option
    # the budget claims take each data set's own augmentation, the augmentation claims each
    # run's longest budget
    budgets, arms = standard_augmentation(every), longest_budget(every)
    # the other claims take one run per (net, P, seed): its longest budget under its data
    # set's own augmentation
    logavg, training, seeds = (
        standard_augmentation(longest_budget(t)) for t in (logavg, training, seeds)
    )
    headline = probe.rows(logavg, c=probe.c)
    per_seed = probe.rows(seeds, c=probe.c)
    trained_full = full_size(select(per_seed, state="trained"))
    rows = init_claims(per_seed, training)
    rows += sota_claims(trained_full, training, seeds, probe)
    rows += fc_claims(trained_full, training)
    rows += lenet_claims(trained_full, training)
    rows += fit_claims(per_seed, training)
    rows += size_claims(
        per_seed, training, "R_f falls with P", SIZE_ARCHS, "R", -1, min_P=R_FALLS_FROM_P
    )
    rows += size_claims(per_seed, training, "G_f rises with P", SIZE_ARCHS, "G", +1)
    rows += depth_claims(logavg, training, probe)
    rows += stripe_claims(stripe)
    rows += budget_claims(budgets, training_all)
    rows += augmentation_claims(arms, training_all)
    rows += excluded_runs(headline, training)
    rows += never_learned_runs(chance, training)
    return pd.DataFrame(rows, columns=COLUMNS)


def synthetic_line(logavg: pd.DataFrame | None) -> str:
    """'SYNTHETIC data (...): not a result' when a data set of `logavg` is synthetic, else ''."""
    if logavg is None or logavg.empty:
        return ""
    names = sorted(
        d for d in set(logavg["dataset"].astype(str)) if d in DATASETS and DATASETS[d].synthetic
    )
    return f"SYNTHETIC data ({', '.join(names)}): not a result" if names else ""
