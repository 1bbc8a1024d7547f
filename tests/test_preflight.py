"""`diffeo-stability preflight`, the compute estimate and the long-run warning of the DAG."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml
from workflow_helpers import ROOT, planned_jobs, snakemake

from diffeo_stability import cli
from diffeo_stability.commands.preflight import load_config
from diffeo_stability.config import Run
from diffeo_stability.errors import ConfigError
from diffeo_stability.preflight import cost
from diffeo_stability.training.trainer import Trainer

SMOKE = ROOT / "config" / "smoke.yaml"


def test_preflight_passes_on_the_smoke_config(capsys):
    assert cli.main(["preflight", "--configfile", str(SMOKE), "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    for arch in ("ResNet18", "EfficientNetB0", "FullConnL2", "FullConnL4", "LeNet"):
        assert any(line.startswith(arch) and "  ok  " in line for line in out.splitlines()), arch
    assert "estimated compute of" in out and "min" in out and "FAILED" not in out


def test_preflight_names_the_failing_architectures(tmp_path, monkeypatch, capsys, caplog):
    """A forward that raises (FullConnL2) and one with wrong numerics on the configured path
    only (LeNet, logits x 3 under bf16): both named, exit status 1."""
    config = yaml.safe_load(SMOKE.read_text())
    config["experiments"] = {
        "one": {
            "datasets": ["synth-mnist"],
            "archs": ["LeNet", "FullConnL2"],
            "P": ["full"],
            "seeds": [0],
        }
    }
    config["training"]["families"] = {f: {"precision": "bf16"} for f in ("fc", "conv")}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(config))
    compiled = Trainer._compiled

    def broken(self, model):
        if self.config.arch == "FullConnL2":
            raise RuntimeError("injected forward failure")
        if self.hp.precision == "bf16":
            return lambda x: model(x) * 3
        return compiled(self, model)

    monkeypatch.setattr(Trainer, "_compiled", broken)
    assert cli.main(["preflight", "--configfile", str(path), "--device", "cpu"]) == 1
    captured = capsys.readouterr()
    assert "FullConnL2: RuntimeError: injected forward failure" in captured.out
    assert "LeNet: logits differ from float32 eager on the CPU by 2 " in captured.out
    assert "failed for: FullConnL2" in caplog.text and "LeNet (logits differ" in caplog.text


def test_image_pass_counts():
    config = load_config(SMOKE)
    run = Run("synth-cifar10", "LeNet", 64, 0)  # 8 epochs, 128 test images, n_probe 32
    passes = cost.run_passes(config, run)
    assert passes.train == 8 * 64
    # init loss on the training set, test set 9 times, probe: 2 states x 2 interpolations x
    # 32 x (1 clean + 3 x 2 cutoffs x (1 delta + 4 sweep points))
    assert passes.forward == 64 + 128 * 9 + 2 * 2 * 32 * (1 + 3 * 2 * 5)
    assert cost.scaled(100.0, 32, 64) == 25.0


def test_long_run_warning_for_the_paper_config_on_a_cpu_only():
    paper = load_config(ROOT / "config" / "paper.yaml") | {"device": "cpu"}
    warning = cost.long_run_warning(paper, "config/paper.yaml")
    assert warning and "hours of compute on a CPU" in warning
    assert "snakemake preflight --configfile config/paper.yaml" in warning
    assert cost.long_run_warning(load_config(SMOKE), "config/smoke.yaml") is None


@pytest.mark.parametrize("name", ["smoke", "cpu-check"])
def test_the_job_count_of_the_cost_model_is_the_dags(tmp_path, name):
    """The start-up term counts every job the workflow runs (the final `all` is no process)."""
    jobs = planned_jobs("--configfile", str(ROOT / "config" / f"{name}.yaml"), workdir=tmp_path)
    assert cost.job_count(load_config(ROOT / "config" / f"{name}.yaml")) == jobs.total() - 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="the warning is about CPU-only machines")
def test_dry_run_prints_the_warning_for_paper_not_smoke(tmp_path):
    """Printed when the DAG is built (target `preflight`: a one-job DAG), not refusing."""
    paper = ROOT / "config" / "paper.yaml"
    out = snakemake("-n", "preflight", "--configfile", str(paper), workdir=tmp_path)
    assert "hours of compute on a CPU" in out.stdout + out.stderr
    out = snakemake("-n", "preflight", "--configfile", str(SMOKE), workdir=tmp_path)
    assert "hours of compute" not in out.stdout + out.stderr
    assert "preflight --configfile" in out.stdout + out.stderr  # the planned job


def test_bad_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="missing.yaml not found"):
        load_config(Path(tmp_path / "missing.yaml"))
