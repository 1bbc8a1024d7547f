"""The default target fits the machine (config/cpu.yaml without a GPU), and `data.substitute`
reads one data set in place of another everywhere in a config, outputs named by the set used."""

from __future__ import annotations

import copy
import re

import pytest
import yaml
from workflow_helpers import CONFIGS, snakemake

from diffeo_stability.config import validate_config
from diffeo_stability.errors import ConfigError
from diffeo_stability.preflight.cost import detected_device_type
from diffeo_stability.preflight.default_experiment import CPU_CONFIG, GPU_CONFIG, default_experiment

#: the published CPU run: the offline JPEG copy of CIFAR-10 in place of the original
PUBLISHED = "data={substitute: {cifar10: cifar10-jpeg}, mirrors: [../shared/data]}"


@pytest.mark.parametrize(
    ("device", "picked", "other"),
    [("cpu", CPU_CONFIG, GPU_CONFIG), ("cuda", GPU_CONFIG, CPU_CONFIG)],
)
def test_the_default_experiment_names_itself_why_and_the_others(device, picked, other):
    choice = default_experiment(device)
    assert choice.configfile == picked
    assert f"running {picked}" in choice.message and f"--configfile {other}" in choice.message
    assert "--configfile config/paper.yaml" in choice.message


@pytest.mark.skipif(detected_device_type("auto") != "cpu", reason="this machine has a GPU")
def test_without_a_gpu_the_default_target_is_the_cpu_experiment_on_downloaded_cifar10(tmp_path):
    result = snakemake("-n", "-p", "--cores", "all", workdir=tmp_path)
    assert "running config/cpu.yaml" in result.stderr
    fetches = re.findall(r"fetch-data (\S+) .*", result.stdout)
    assert sorted(f.split()[0] for f in fetches) == ["cifar10", "fashionmnist", "mnist"]
    # downloaded: no mirror, downloads allowed
    assert all("--mirror" not in f and "--no-download" not in f for f in fetches)
    assert "results/cpu/figures/fig5_error_vs_rf.pdf" in result.stdout


def test_the_published_cpu_run_reads_cifar10_jpeg_under_its_own_name(tmp_path):
    result = snakemake(
        "-n",
        "-p",
        "--configfile",
        str(CONFIGS / "cpu.yaml"),
        "--config",
        PUBLISHED,
        workdir=tmp_path,
    )
    text = result.stdout
    assert "fetch-data cifar10-jpeg" in text and "--mirror ../shared/data" in text
    assert "fetch-data cifar10 " not in text and "/train/cifar10/" not in text
    assert "results/cpu/train/cifar10-jpeg/ResNet18/P50000/seed0/metrics.json" in text
    assert "dataset=cifar10-jpeg" in text and "cifar10-jpeg used in place of cifar10" in text


def test_substitution_rewrites_every_place_that_names_a_data_set():
    config = yaml.safe_load((CONFIGS / "cpu.yaml").read_text())
    config["data"]["substitute"] = {"cifar10": "cifar10-jpeg"}
    validate_config(config)
    again = validate_config(copy.deepcopy(config))  # applying it twice changes nothing more
    assert again == config
    text = yaml.safe_dump(
        {k: config[k] for k in ("experiments", "training", "probe", "mechanisms")}
    )
    assert "cifar10-jpeg" in text and not re.search(r"\bcifar10\b(?!-)", text)
    for options in config["figures"]["options"].values():
        for key, value in options.items():
            if "dataset" in key:
                assert "cifar10" not in value.replace("cifar10-jpeg", ""), (key, value)
    assert config["figures"]["note"].endswith("cifar10-jpeg used in place of cifar10")


@pytest.mark.parametrize(
    ("substitute", "expected"),
    [
        ({"cifar10": "mnist"}, "differ in image shape or classes"),
        ({"mnist": "synth-mnist", "synth-mnist": "mnist"}, "is itself replaced"),
        ({"cifar10": "imagenet"}, "data.substitute.cifar10: 'imagenet' is not allowed"),
    ],
)
def test_a_substitution_that_cannot_hold_is_refused(substitute, expected):
    config = yaml.safe_load((CONFIGS / "cpu.yaml").read_text())
    config["data"]["substitute"] = substitute
    with pytest.raises(ConfigError, match=re.escape(expected)):
        validate_config(config)
