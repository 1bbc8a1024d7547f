"""A hand-made per-seed table of the augmentation experiment (seeds.csv with `augmentation` and
the adversarial columns), whose claims have known verdicts (tests/test_augmentation_claims.py),
also drawn by the augmentation figures (tests/test_augmentation_figures.py).

ResNet18 and LeNet at three P under the four options; eight more nets at the largest P under
crop_flip. Seeds scatter R_f and eps_t by SCATTER[seed] ** +-1 (sign by option), so ratios between
options scatter over seeds as (SCATTER[seed] ** -2): geometric mean 1, a finite interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diffeo_stability.tables.aggregate import log_average

ARMS = ("none", "crop_flip", "diffeo", "crop_flip+diffeo")
SIGN = {"none": 1, "crop_flip": -1, "diffeo": -1, "crop_flip+diffeo": 1}
SIZES = (1600, 5000, 50000)
#: config/cpu.yaml's epochs at each P
EPOCHS = {1600: 50, 5000: 16, 50000: 4}
SCATTER = {0: 0.95, 1: 1.0, 2: 1 / 0.95}
#: net -> (R_f under crop_flip, {option: R_f ratio to crop_flip}, {option: eps_t ratio})
ARM_NETS = {
    # crop_flip / none = 1.2 (mild: yes); diffeo halves R_f (yes) and lowers eps by 0.8 (yes)
    "ResNet18": (0.1, {"none": 1 / 1.2, "diffeo": 0.5 / 1.2, "crop_flip+diffeo": 0.5},
                 {"none": 1.0, "diffeo": 0.8, "crop_flip+diffeo": 0.8}),
    # crop_flip / none = 4 (mild: no); diffeo raises R_f by 1.5 (no), eps unchanged (undecided)
    "LeNet": (2.0, {"none": 0.25, "diffeo": 1.5 * 0.25, "crop_flip+diffeo": 1.5},
              {"none": 1.0, "diffeo": 1.0, "crop_flip+diffeo": 1.0}),
}  # fmt: skip
#: the other nets at the largest P under crop_flip: net -> typical R_f
COMPARISON_NETS = {
    "FullConnL2": 1.5, "FullConnL4": 0.02, "FullConnL6": 0.4, "AlexNet": 0.9,
    "VGG11": 0.05, "VGG11bn": 1.1, "VGG16bn": 0.03, "EfficientNetB0": 0.6,
}  # fmt: skip
#: every net's adversarial R_f under crop_flip at the largest P, on the law eps = 0.2 sqrt(R_adv)
#: (so corr(log eps, log R_adv) = 1) while the typical R_f above hardly correlates with eps
ADVERSARIAL = {
    "ResNet18": 0.02, "LeNet": 2.0, "FullConnL2": 3.0, "FullConnL4": 1.5, "FullConnL6": 2.5,
    "AlexNet": 0.5, "VGG11": 0.3, "VGG11bn": 0.08, "VGG16bn": 0.2, "EfficientNetB0": 0.04,
}  # fmt: skip


def _row(arch: str, P: int, arm: str, seed: int, R: float, R_adv: float, error: float) -> dict:
    """One trained headline row (output, delta = 1, c = 3, bilinear, median, per-image norm)."""
    return dict(
        dataset="cifar10", arch=arch, P=P, n_train=P, epochs=EPOCHS[P], augmentation=arm,
        state="trained",
        interpolation="bilinear", c=3.0, cutoff_rule="code", T=1e-3, delta=1.0, point="delta1",
        layer=5, layer_name="out", is_output=True, statistic="median", noise_norm="per_image",
        seed=seed, R=R, D=R, G=1.0, test_error=error, R_adv=R_adv, D_adv=3 * R_adv,
        G_adv=3.0, R_adv_G=3 * R_adv,
    )  # fmt: skip


def augmentation_seed_table() -> pd.DataFrame:
    """The per-seed table of the module docstring, with init rows that claims must ignore."""
    rows = []
    for arch, (R_standard, R_ratio, error_ratio) in ARM_NETS.items():
        adv = ADVERSARIAL[arch]
        for P in SIZES:
            size_factor = (50000 / P) ** 0.25  # R_f and eps fall with P
            for arm in ARMS:
                for seed, k in SCATTER.items():
                    R = R_standard * R_ratio.get(arm, 1.0) * size_factor * k ** SIGN[arm]
                    error = (
                        0.2
                        * np.sqrt(adv)
                        * size_factor
                        * error_ratio.get(arm, 1.0)
                        * k ** SIGN[arm]
                    )
                    rows.append(_row(arch, P, arm, seed, R, adv * size_factor, error))
    for arch, R in COMPARISON_NETS.items():
        for seed, k in SCATTER.items():
            adv = ADVERSARIAL[arch]
            rows.append(_row(arch, 50000, "crop_flip", seed, R * k, adv, 0.2 * np.sqrt(adv) * k))
    trained = pd.DataFrame(rows)
    init = trained.assign(state="init", R=1.5, D=1.5, R_adv=1.5, test_error=0.9)
    return pd.concat([trained, init], ignore_index=True)


def augmentation_training_table() -> pd.DataFrame:
    """training.csv rows of the same runs (epochs, widths)."""
    seeds = augmentation_seed_table().query("state == 'trained'")
    runs = seeds[["dataset", "arch", "P", "n_train", "augmentation", "seed"]].drop_duplicates()
    epochs = runs["n_train"].map(EPOCHS)
    widths = runs["arch"].map({"ResNet18": 0.125, "EfficientNetB0": 0.125}).fillna(1.0)
    return runs.assign(epochs=epochs, width_factor=widths, test_error=0.3, final_test_error=0.3)


def augmentation_logavg() -> pd.DataFrame:
    """The geometric means over seeds of `augmentation_seed_table`, per option (logavg.csv)."""
    seeds = augmentation_seed_table()
    return pd.concat(
        [log_average(rows).assign(augmentation=arm) for arm, rows in seeds.groupby("augmentation")],
        ignore_index=True,
    )
