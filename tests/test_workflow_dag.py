"""The workflow's DAG for every shipped config, lint, and config errors caught before any job."""

from __future__ import annotations

import time

import pytest
import yaml
from workflow_helpers import CONFIGS, ROOT, planned_jobs, snakemake


@pytest.mark.parametrize(
    ("name", "trainings"),
    [
        ("smoke", 17),
        ("cpu-check", 12),
        ("config", 81),
        ("paper", 2 * 2 * 3 * 8 * 16 + 15 * 5 - 4 * 5),
    ],
)
def test_dry_run_lists_the_expected_training_jobs(tmp_path, name, trainings):
    start = time.monotonic()
    jobs = planned_jobs("--configfile", str(CONFIGS / f"{name}.yaml"), workdir=tmp_path)
    elapsed = time.monotonic() - start
    assert jobs["train"] == trainings
    assert jobs["probe"] == trainings
    assert jobs["aggregate"] == 1 and jobs["claims"] == 1
    figures = [rule for rule in jobs if rule.startswith("figure_")]
    assert len(figures) == 15
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


def test_cpu_jobs_hold_no_gpu_and_get_their_threads(tmp_path):
    """On `device: cpu` training/probing jobs hold no `gpu`, so `--cores N` runs N of them."""
    result = snakemake("-n", "-p", "--configfile", str(CONFIGS / "smoke.yaml"), workdir=tmp_path)
    output = result.stdout + result.stderr
    for rule in ("train", "probe"):
        jobs = output.split(f"rule {rule}:")[1:]
        assert jobs and all(", gpu=0," in job.split("\n\n")[0] for job in jobs)
        assert f"python -m diffeo_stability --threads 1 {rule} " in output
