"""Column schemas of the probe tables (torch-free): what a probe file and the stability table hold.

Written by `probe.measure.probe_function` (the measurement columns) and `probe.training_run`
(plus the run's columns); read by `tables.aggregate`.
"""

from __future__ import annotations

#: the probe option `adversarial` (`probe.adversarial`; NaN where not measured: rows of other
#: points and layers, or the option off): D_adv, G_adv (worst-case noise of the adversarial
#: diffeos' pixel norms), R_adv = D_adv / G_adv, R_adv_G = D_adv / G (the row's random noise),
#: adv_diffeo_norm = the mean ||tau_adv x - x|| (docs/conventions.md)
ADVERSARIAL_COLUMNS: dict[str, str] = {
    "D_adv": "float64",
    "G_adv": "float64",
    "R_adv": "float64",
    "R_adv_G": "float64",
    "adv_diffeo_norm": "float64",
}
#: columns written by `probe_function` (the measurement), in order, with their dtypes.
MEASUREMENT_COLUMNS: dict[str, str] = {
    "state": "object",
    "interpolation": "object",
    "c": "float64",
    "cutoff_rule": "object",
    "T": "float64",
    "delta": "float64",
    "point": "object",
    "layer": "int64",
    "layer_name": "object",
    "is_output": "bool",
    "statistic": "object",
    "noise_norm": "object",
    "D": "float64",
    "G": "float64",
    "R": "float64",
    "D_raw": "float64",
    "G_raw": "float64",
    "pair_norm": "float64",
    "diffeo_norm": "float64",
    "noise_norm_value": "float64",
    "n_probe": "int64",
    **ADVERSARIAL_COLUMNS,
}
#: the columns of results/probe/... .parquet and results/tables/stability.parquet. P is the
#: training-set size in images, an integer (`table_size`): a run of the whole training set
#: (P "full" in the config and its directory `Pfull`) has the full set's size, = n_train.
RUN_COLUMNS: dict[str, str] = {
    "dataset": "object",
    "arch": "object",
    "P": "int64",
    "n_train": "int64",
    # the run's training budget (its hparams' epochs; 0 when its metrics.json is absent): runs
    # of one (dataset, arch, P, seed) at several budgets differ only here
    "epochs": "int64",
    # the augmentation it trained with (`data.registry.run_augmentation`: "auto" resolved to the
    # data set's own): runs of one (dataset, arch, P, seed) under several options differ here
    "augmentation": "object",
    "seed": "int64",
}
PROBE_COLUMNS: dict[str, str] = {**RUN_COLUMNS, **MEASUREMENT_COLUMNS, "test_error": "float64"}


def table_size(P: str | int, n_train: int | None) -> int | None:
    """The P column of a table: the run's P as an integer, "full" resolved to `n_train` (the
    full set's size; None when it is not known)."""
    if str(P) == "full":
        return None if n_train is None else int(n_train)
    return int(P)


#: the columns of a probe of one snapshot of a run: the epoch after which its weights were kept
#: (0: the initial net)
SNAPSHOT_PROBE_COLUMNS: dict[str, str] = {**PROBE_COLUMNS, "epoch": "int64"}
