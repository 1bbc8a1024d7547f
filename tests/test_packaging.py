"""The conda environment of the rules pins exactly what pyproject.toml pins."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_conda_env_pins_match_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {dep for dep in project["dependencies"] if not dep.startswith("snakemake")}
    env = yaml.safe_load((ROOT / "envs" / "diffeo-stability.yaml").read_text())
    pip = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    assert set(pip) == pins
    assert all("==" in dep for dep in project["dependencies"])


def test_the_report_dependency_is_installed_by_the_plain_install():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(dep.startswith("pygments==") for dep in project["dependencies"])
