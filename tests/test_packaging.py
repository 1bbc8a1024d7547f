"""Packaging: the conda environment of the rules pins exactly what pyproject.toml pins; the
sources are formatted (ruff, snakefmt) and lint-clean."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
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


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("ruff", ["format", "--check", "src", "tests", "benchmarks"]),
        ("ruff", ["check", "src", "tests", "benchmarks"]),
        ("snakefmt", ["--check", "Snakefile", "workflow"]),
    ],
)
def test_the_sources_are_formatted_and_lint_clean(tool: str, args: list[str]) -> None:
    """The formatters and the linter of the test extras find nothing to change."""
    executable = Path(sys.executable).parent / tool
    result = subprocess.run(
        [str(executable), *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
