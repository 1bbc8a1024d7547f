"""A hand-made per-seed table of nets trained at several budgets E (seeds.csv with `epochs`),
whose claims over the budget have known verdicts (tests/test_budget_claims.py), also drawn by
the figures of the budgets (tests/test_figures.py)."""

from __future__ import annotations

import pandas as pd

BUDGETS = (4, 8, 32)
#: seed -> multiplicative scatter of R_f (mean log 0: the geometric mean is the nominal value)
SCATTER = {0: 0.9, 1: 1.0, 2: 1 / 0.9}
#: net -> (R_f at budget E, test error given R_f)
NETS = {
    # falls as 1/E, 0.0625 at E = 32 (in [1e-2, 1e-1]); on the paper's law exactly
    "ResNet18": (lambda E: 0.5 * 4 / E, lambda R: 0.2 * R**0.5),
    # flat at 0.3 (outside the range; no fall); error flat at 0.6: b = 0, 5.5x the law
    "VGG11bn": (lambda E: 0.3, lambda R: 0.6),
    # flat at 2: stays >= 1
    "LeNet": (lambda E: 2.0, lambda R: 0.55),
    # falls as E^-1/2 to 0.35 at E = 32: below 1
    "FullConnL4": (lambda E: (4 / E) ** 0.5, lambda R: 0.5),
}


def budget_seed_table(dataset: str = "cifar10", P: str = "50000") -> pd.DataFrame:
    """Trained headline rows (output layer, delta = 1, c = 3, bilinear, median, per-image
    noise norm) of `NETS` at `BUDGETS`, 3 seeds, with init rows that claims must ignore."""
    rows = []
    for arch, (R_of, error_of) in NETS.items():
        for E in BUDGETS:
            for seed, k in SCATTER.items():
                R = R_of(E) * k
                for state, value, error in (("trained", R, error_of(R)), ("init", 1.5, 0.9)):
                    rows.append(
                        dict(
                            dataset=dataset, arch=arch, P=P, n_train=int(P), epochs=E,
                            state=state, interpolation="bilinear", c=3.0, cutoff_rule="code",
                            T=1e-3, delta=1.0, point="delta1", layer=5, layer_name="out",
                            is_output=True, statistic="median", noise_norm="per_image",
                            seed=seed, R=value, D=value, G=1.0, test_error=error,
                        )
                    )  # fmt: skip
    return pd.DataFrame(rows)


def budget_training_table(dataset: str = "cifar10", P: str = "50000") -> pd.DataFrame:
    """training.csv rows of the same runs (epochs, widths)."""
    widths = {"ResNet18": 0.125, "VGG11bn": 0.25}
    return pd.DataFrame(
        [
            dict(dataset=dataset, arch=arch, P=P, n_train=int(P), seed=seed, epochs=E,
                 width_factor=widths.get(arch, 1.0), test_error=0.3, final_test_error=0.3)
            for arch in NETS
            for E in BUDGETS
            for seed in SCATTER
        ]
    )  # fmt: skip
