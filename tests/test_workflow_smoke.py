"""End to end: the smoke config through the whole workflow on CPU, then incremental rebuilds.

One module-scoped run (a few minutes on 2 cores) serves every test here.
"""

from __future__ import annotations

import os
import resource
import time
import zipfile
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
import yaml
from workflow_helpers import CONFIGS, planned_jobs, snakemake

from diffeo_stability.config import validate_config
from diffeo_stability.mechanisms.settings import ANALYSES
from diffeo_stability.preflight import cost

pytestmark = pytest.mark.slow

SMOKE = CONFIGS / "smoke.yaml"
FIGURES = [
    "fig1_diffeo_phase_space",
    "fig2_illustration",
    "fig3_sota_stability",
    "fig4_primitive_nets",
    "fig5_error_vs_rf",
    "fig6_noise_diffeo_vs_P",
    "fig7_stripe_model",
    "appendix/bijectivity_probability",
    "appendix/delta_vs_T",
    "appendix/interpolation",
    "appendix/depth",
    "appendix/df_gf_vs_error",
    "appendix/fig5_errorbars",
    "appendix/fig6_errorbars",
    "appendix/robustness",
    "mechanisms/local_nets_vs_P",
    "mechanisms/local_nets_sizes",
    "mechanisms/neuron_stability",
    "mechanisms/training_time",
    "mechanisms/lowpass_filters",
    *(f"mechanisms/{name}" for name in ANALYSES),
]
TABLES = [
    "training.csv",
    "stability.parquet",
    "logavg.csv",
    "stripe.csv",
    "claims.csv",
    "training_time.csv",
    "filter_spectrum.csv",
    *(f"mechanisms/{name}.csv" for name in ANALYSES),
]


#: the smoke run's wall time and CPU time (Snakemake and every job), seconds
MEASURED: dict[str, float] = {}


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("smoke")
    cpu, start = _children_cpu_s(), time.monotonic()
    # CPU only: let both cores run train/probe jobs (the default profile allows one GPU job)
    snakemake(
        "--cores",
        "2",
        "--resources",
        "gpu=2",
        "--configfile",
        str(SMOKE),
        workdir=workdir,
        timeout=1500,
    )
    MEASURED["wall_s"] = time.monotonic() - start
    MEASURED["cpu_s"] = _children_cpu_s() - cpu
    return workdir


@pytest.mark.parametrize("stem", FIGURES)
def test_every_figure_is_a_valid_nonempty_pdf_and_png(smoke_run, stem):
    pdf = (smoke_run / "results" / "smoke" / "figures" / f"{stem}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") and len(pdf) > 2000
    image = mpimg.imread(smoke_run / "results" / "smoke" / "figures" / f"{stem}.png")
    assert image.ndim == 3 and min(image.shape[:2]) > 100
    assert np.std(image[..., :3]) > 0.01, "blank image"


def test_the_cost_estimate_is_within_1_5x_of_the_smoke_run(smoke_run):
    """The cost model's job time for the smoke config (static CPU rates and the per-job
    start-up) against the CPU time the run took: CPU time, not wall time, so that a loaded
    machine, which stretches the wall time, does not decide the outcome."""
    config = validate_config(yaml.safe_load(SMOKE.read_text()))
    estimate_s = 3600 * (
        cost.total_hours(cost.estimate_hours(config, cost.table_rates("cpu")))
        + cost.startup_hours(config)
    )
    ratio = estimate_s / MEASURED["cpu_s"]
    assert 1 / 1.5 <= ratio <= 1.5, (
        f"estimate {estimate_s:.0f} s of job time, run {MEASURED['cpu_s']:.0f} s of CPU time "
        f"({MEASURED['wall_s']:.0f} s of wall time on 2 cores, load {os.getloadavg()[0]:.1f})"
    )


def test_every_table_is_written(smoke_run):
    tables = smoke_run / "results" / "smoke" / "tables"
    for name in TABLES:
        assert (tables / name).stat().st_size > 0, name
    stability = pd.read_parquet(tables / "stability.parquet")
    assert set(stability["state"]) == {"init", "trained"}
    # R is finite except where output changes are of float rounding size (a collapsed net, or
    # one that ignores the perturbations): then it is NaN, never a number made of rounding
    # noise. The rule is relative to the outputs' norm; on the smoke nets the unresolved
    # statistics are < 1e-10 and a pair norm < 1e-12 is always unresolved (margins of 20x+)
    undefined = ~np.isfinite(stability["R"])
    smallest = stability[["pair_norm", "D_raw", "G_raw"]].min(axis=1)
    assert not (undefined & (smallest > 1e-9)).any()
    assert stability.loc[stability["pair_norm"] < 1e-12, "R"].isna().all()
    assert np.isfinite(stability.loc[stability["state"] == "init", "R"]).all()
    assert len(pd.read_csv(tables / "training.csv")) == 19 + 4 * 2 + 3  # and the local nets
    over_training = pd.read_csv(tables / "training_time.csv")
    assert sorted(set(over_training["epoch"])) == [0, 2, 4, 8]
    assert len(over_training.groupby(["arch", "seed"])) == 4
    spectrum = pd.read_csv(tables / "filter_spectrum.csv")
    assert set(spectrum["arch"]) == {"ResNet18"}  # LeNet's filters are 5x5
    assert spectrum["layer"].nunique() == 17
    for name in ANALYSES:  # the smoke ResNet18 (synth-cifar10, P = full), both states
        table = pd.read_csv(tables / "mechanisms" / f"{name}.csv")
        if name != "diffeo_parts":
            assert set(table["arch"]) == {"ResNet18"} and set(table["state"]) == {"init", "trained"}


def test_report_gathers_figures_and_claims(smoke_run):
    report = smoke_run / "report.zip"
    snakemake("--report", str(report), "--configfile", str(SMOKE), workdir=smoke_run)
    names = zipfile.ZipFile(report).namelist()
    assert sum(n.endswith(".png") for n in names) >= len(FIGURES)
    assert any(n.endswith("claims.csv") for n in names)


def test_nothing_left_to_do_after_the_run(smoke_run):
    assert planned_jobs("--configfile", str(SMOKE), workdir=smoke_run) == {}


def test_changing_a_plot_option_redraws_only_that_figure(smoke_run, tmp_path):
    config = yaml.safe_load(SMOKE.read_text())
    config["figures"]["options"]["fig5_error_vs_rf"]["c"] = "5"
    path = tmp_path / "plot.yaml"
    path.write_text(yaml.safe_dump(config))
    jobs = planned_jobs("--configfile", str(path), workdir=smoke_run)
    assert {rule for rule in jobs if rule != "all"} == {"figure_fig5_error_vs_rf"}


def test_adding_a_seed_trains_and_probes_only_the_new_runs(smoke_run, tmp_path):
    config = yaml.safe_load(SMOKE.read_text())
    config["experiments"]["sota"]["seeds"] = [0, 1]
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(config))
    jobs = planned_jobs("--configfile", str(path), workdir=smoke_run)
    new_runs = 2 * 2 * 2 - 1  # 2 datasets x 2 archs x 2 P, seed 1; ResNet18 synth-cifar10 full
    # seed 1 is there already (the over_training grid)
    assert jobs["train"] == new_runs and jobs["probe"] == new_runs
    assert jobs["aggregate"] == 1
    assert "fetch_data" not in jobs and "stripe" not in jobs
    assert "figure_fig1_diffeo_phase_space" not in jobs and "figure_fig7_stripe_model" not in jobs


def test_a_deleted_probe_and_training_folder_are_planned_again(smoke_run, tmp_path):
    results = smoke_run / "results" / "smoke"
    probe = results / "probe/synth-cifar10/LeNet/P64/seed0.parquet"
    train = results / "train/synth-mnist/FullConnL4/Pfull/seed0"
    probe.rename(tmp_path / "probe.parquet")
    train.rename(tmp_path / "train")
    try:
        jobs = planned_jobs("--configfile", str(SMOKE), workdir=smoke_run)
    finally:  # put them back for the other tests of the module
        (tmp_path / "probe.parquet").rename(probe)
        (tmp_path / "train").rename(train)
    assert jobs["train"] == 1 and jobs["probe"] == 2 and jobs["aggregate"] == 1


def test_a_deleted_snapshot_retrains_its_run_only(smoke_run, tmp_path):
    results = smoke_run / "results" / "smoke"
    snapshot = results / "train/synth-cifar10/LeNet/Pfull/seed1/snapshots/epoch4.pt"
    snapshot.rename(tmp_path / "epoch4.pt")
    try:
        jobs = planned_jobs("--configfile", str(SMOKE), workdir=smoke_run)
    finally:
        (tmp_path / "epoch4.pt").rename(snapshot)
    trainings = {rule: n for rule, n in jobs.items() if rule.split("_")[0] == "train"}
    assert trainings == {"train_synth_cifar10_LeNet_Pfull_seed1": 1}
    assert jobs["probe_snapshots"] == 1 and jobs["probe"] == 1
