"""The workflow's DAG for every shipped config, lint, and config errors caught before any job."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from workflow_helpers import (
    CONFIGS,
    ROOT,
    fake_built_outputs,
    planned_jobs,
    readme_commands,
    snakemake,
)

from diffeo_stability.cli import build_parser
from diffeo_stability.preflight.default_experiment import default_experiment


@pytest.mark.parametrize(
    ("name", "trainings", "n_figures"),
    [
        ("smoke", 19 + 4 * 2 + 3, 19 + 3 + 6),  # the local nets and their mechanisms figures
        ("cpu-check", 12, 17 + 6),
        # ResNet18, EfficientNetB0 (1 seed on the two MNISTs), FullConnL4 + LeNet, comparison,
        # the local nets (both grids)
        ("cpu", 3 * 5 * 2 + (2 * 5 + 5 * 2) + 3 * 2 * 5 * 2 + 6 * 2 + 2 * 4 * 2 + 6, 19 + 3 + 6),
        ("config", 81, 17 + 6),
        ("cpu-long", 4 * 2 * 3, 2),  # four nets, 2 seeds, 3 budgets: the budget figures only
        # two nets x 4 P x 2 seeds x 4 options, 8 more nets at 50k: the augmentation figures
        ("cpu-aug", 2 * 4 * 2 * 4 + 8, 3),
        ("paper", 2 * 2 * 3 * 8 * 16 + 15 * 5 - 4 * 5, 17 + 6),
    ],
)
def test_dry_run_lists_the_expected_training_jobs(tmp_path, name, trainings, n_figures):
    start = time.monotonic()
    jobs = planned_jobs("--configfile", str(CONFIGS / f"{name}.yaml"), workdir=tmp_path)
    elapsed = time.monotonic() - start
    # runs with snapshots have a train rule each (train_<run>), the others share `train`
    assert sum(n for rule, n in jobs.items() if rule.split("_")[0] == "train") == trainings
    assert jobs["probe"] == trainings
    assert jobs["aggregate"] == 1 and jobs["claims"] == 1
    figures = [rule for rule in jobs if rule.startswith("figure_")]
    # smoke and cpu keep snapshots (two figures over training) and train local nets (three
    # mechanisms figures, neuron stability included); every config: the six of trained nets
    assert len(figures) == n_figures
    if name == "paper":
        assert elapsed < 30, f"the paper DAG took {elapsed:.1f} s to build"


def test_lint_reports_nothing(tmp_path):
    result = snakemake(
        "--lint", "--configfile", str(CONFIGS / "smoke.yaml"), workdir=tmp_path, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_bad_config_fails_before_any_job_runs(tmp_path):
    bad = yaml.safe_load((CONFIGS / "smoke.yaml").read_text())
    bad["experiments"]["sota"]["archs"] = ["ResNet18", "ResNet9"]
    bad["probe"]["interpolations"] = ["bicubic"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    result = snakemake(
        "--cores", "1", "--configfile", str(path), workdir=tmp_path / "work", check=False
    )
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert "experiments.sota.archs[1]: 'ResNet9' is not allowed" in message
    assert "probe.interpolations[0]: 'bicubic' is not allowed" in message
    assert "allowed values: bilinear, gaussian, nearest" in message
    assert not (tmp_path / "work" / "results").exists()
    assert not (tmp_path / "work" / "resources").exists()


def test_readme_commands_are_the_ones_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci in readme


def test_imagenet_probe_joins_the_dag_only_when_configured(tmp_path):
    config = yaml.safe_load((CONFIGS / "smoke.yaml").read_text())
    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump(config))
    assert "probe_imagenet" not in planned_jobs("--configfile", str(plain), workdir=tmp_path)
    (tmp_path / "images").mkdir()
    (tmp_path / "resnet101.pth").write_bytes(b"")
    config["imagenet"] = {
        "images": str(tmp_path / "images"),
        "weights": {"resnet101": str(tmp_path / "resnet101.pth")},
    }
    with_imagenet = tmp_path / "imagenet.yaml"
    with_imagenet.write_text(yaml.safe_dump(config))
    jobs = planned_jobs("--configfile", str(with_imagenet), workdir=tmp_path)
    assert jobs["probe_imagenet"] == 1


def test_a_deleted_probe_and_training_folder_are_rebuilt_with_everything_downstream(tmp_path):
    smoke = ("--configfile", str(CONFIGS / "smoke.yaml"))
    fake_built_outputs(*smoke, workdir=tmp_path)
    assert planned_jobs(*smoke, workdir=tmp_path) == {}
    (tmp_path / "results/smoke/probe/synth-cifar10/LeNet/P64/seed0.parquet").unlink()
    shutil.rmtree(tmp_path / "results/smoke/train/synth-mnist/FullConnL4/Pfull/seed0")
    jobs = planned_jobs(*smoke, workdir=tmp_path)
    assert jobs["train"] == 1 and jobs["probe"] == 2
    assert jobs["aggregate"] == 1 and jobs["claims"] == 1 and jobs["figure_fig5_error_vs_rf"] == 1
    message = snakemake("-n", *smoke, workdir=tmp_path).stderr
    assert "5 intermediate output(s) are missing" in message
    assert "results/smoke/probe/synth-cifar10/LeNet/P64/seed0.parquet" in message


def test_two_configs_write_under_their_own_results_roots(tmp_path):
    smoke = fake_built_outputs("--configfile", str(CONFIGS / "smoke.yaml"), workdir=tmp_path)
    check = snakemake(
        "--summary", "--configfile", str(CONFIGS / "cpu-check.yaml"), workdir=tmp_path
    )
    check = [line.split("\t")[0] for line in check.stdout.splitlines()[1:]]
    assert all(p.startswith(("results/smoke/", "resources/")) for p in smoke)
    assert all(p.startswith(("results/cpu-check/", "resources/")) for p in check)
    assert "results/cpu-check/tables/claims.csv" in check
    # the smoke outputs stay up to date while another config is planned next to them
    assert planned_jobs("--configfile", str(CONFIGS / "smoke.yaml"), workdir=tmp_path) == {}


def test_a_config_without_results_key_writes_under_its_file_name(tmp_path):
    config = yaml.safe_load((CONFIGS / "smoke.yaml").read_text())
    del config["results"]
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(config))
    result = snakemake("--summary", "--configfile", str(path), workdir=tmp_path / "work")
    assert "results/mine/tables/claims.csv" in result.stdout


def test_every_readme_snakemake_command_works(tmp_path):
    commands = [words[1:] for words in readme_commands("snakemake")]
    assert len(commands) >= 10, commands
    for args in commands:
        paths = [str(ROOT / a) if a.startswith(("config/", "profiles/")) else a for a in args]
        dry = ["-n"]
        if "--report" in args:  # the report reads the (fake) outputs of its config
            given = args[args.index("--configfile") + 1] if "--configfile" in args else None
            config = ROOT / (given or default_experiment().configfile)
            fake_built_outputs("--configfile", str(config), workdir=tmp_path)
            dry = []
        result = snakemake(*dry, *paths, workdir=tmp_path, check=False, timeout=300)
        assert result.returncode == 0, f"snakemake {' '.join(args)}:\n{result.stderr[-3000:]}"
    assert (tmp_path / "results" / "report.zip").stat().st_size > 0


def test_readme_commands_give_targets_before_configfile_and_use_the_venv():
    """`--configfile` takes one or more files: a target after it would be read as a config
    file. Bare `snakemake` / `diffeo-stability` is "command not found" outside the venv."""
    for program in ("snakemake", "diffeo-stability"):
        for words in readme_commands(program):
            assert words[0] == f".venv/bin/{program}", " ".join(words)
            if "--configfile" in words:
                after = words[words.index("--configfile") + 1 :]
                files = list(itertools.takewhile(lambda w: not w.startswith("-"), after))
                assert len(files) == 1, f"a target after --configfile: {' '.join(words)}"


def test_every_readme_diffeo_stability_command_parses_and_is_installed():
    """Each README `diffeo-stability` command: its arguments parse, the files it names exist,
    and the installed script runs the command (`--help`: a real run takes minutes)."""
    commands = readme_commands("diffeo-stability")
    assert commands, "the README shows no diffeo-stability command"
    script = Path(sys.executable).parent / "diffeo-stability"
    for words in commands:
        args = build_parser(words[1]).parse_args(words[1:])
        for value in vars(args).values():
            if isinstance(value, Path):
                assert (ROOT / value).is_file(), f"{value} of {' '.join(words)}"
        shown = subprocess.run([str(script), words[1], "--help"], capture_output=True, timeout=120)
        assert shown.returncode == 0, shown.stderr


def test_data_jobs_run_first():
    rules = (ROOT / "workflow" / "rules" / "data.smk").read_text()
    for name in ("synth_data", "fetch_data"):
        block = rules.split(f"rule {name}:")[1].split("\nrule ")[0]
        assert re.search(r"priority: [1-9]", block), name


def test_a_nested_number_given_with_config_is_a_number(tmp_path):
    result = snakemake(
        "-n",
        "-p",
        "--configfile",
        str(CONFIGS / "smoke.yaml"),
        "--config",
        "probe={delta: 0.5}",
        workdir=tmp_path,
    )
    assert '"n_probe": 32' in result.stdout and '"deltas": [0.5]' in result.stdout


def test_a_bad_setting_fails_in_the_dry_run_naming_its_key(tmp_path):
    """c > 1 is checked before the DAG is built, not in each probe job after the training."""
    result = snakemake(
        "-n",
        "--configfile",
        str(CONFIGS / "smoke.yaml"),
        "--config",
        "probe={cutoffs: [0.8, 3]}",
        workdir=tmp_path,
        check=False,
    )
    assert result.returncode != 0
    assert "probe.cutoffs: 0.8 must be a number > 1" in result.stdout + result.stderr


def test_cpu_jobs_hold_no_gpu_and_get_their_threads(tmp_path):
    """On `device: cpu` training/probing jobs hold no `gpu`, so `--cores N` runs N of them."""
    result = snakemake("-n", "-p", "--configfile", str(CONFIGS / "smoke.yaml"), workdir=tmp_path)
    output = result.stdout + result.stderr
    for rule in ("train", "probe"):
        jobs = output.split(f"rule {rule}:")[1:]
        assert jobs and all(", gpu=0," in job.split("\n\n")[0] for job in jobs)
        assert f"python -m diffeo_stability --threads 1 {rule} " in output


def test_the_config_headline_reaches_the_claims_and_the_figures(tmp_path):
    config = yaml.safe_load((CONFIGS / "smoke.yaml").read_text())
    config["probe"]["headline"] = {"noise_norm": "mean", "c": 5}
    config["probe"]["noise_norms"] = ["per_image", "mean"]  # the headline's norm is measured
    path = tmp_path / "text.yaml"
    path.write_text(yaml.safe_dump(config))
    result = snakemake("-n", "-p", "--configfile", str(path), workdir=tmp_path)
    claims = next(line for line in result.stdout.splitlines() if " claims --logavg" in line)
    assert '"c": 5.0' in claims and '"noise_norm": "mean"' in claims
    assert '"cutoff_rule": "code"' in claims
    fig5 = next(line for line in result.stdout.splitlines() if "figure fig5_error_vs_rf" in line)
    assert "c=5" in fig5 and "noise_norm=mean" in fig5
