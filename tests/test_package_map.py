"""The rules of the package map (CONTRIBUTING.md): tables never draw and never import torch; the
diffeo math knows no network; measuring never trains; figures read tables; the config and the
figures never import each other, and the Snakefile imports one facade (`workflow`)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "diffeo_stability"

#: stage package -> the imports its modules must not make (top-level names or package paths)
FORBIDDEN = {
    "tables": (
        "torch",
        "torchvision",
        "matplotlib",
        "diffeo_stability.figures",
        "diffeo_stability.probe",
        "diffeo_stability.training",
        "diffeo_stability.diffeo",
        "diffeo_stability.models.build",
        "diffeo_stability.data.images",
    ),
    "diffeo": (
        "diffeo_stability.models",
        "diffeo_stability.training",
        "diffeo_stability.probe",
        "diffeo_stability.data",
        "diffeo_stability.stripe",
    ),
    "probe": ("diffeo_stability.training", "diffeo_stability.figures"),
    "mechanisms": ("diffeo_stability.training", "diffeo_stability.figures"),
    "figures": (
        "diffeo_stability.training",
        "diffeo_stability.probe",
        "diffeo_stability.models.build",
        "diffeo_stability.data.images",
    ),
    "training": ("diffeo_stability.probe", "diffeo_stability.figures", "diffeo_stability.tables"),
    "config": (
        "matplotlib",
        "diffeo_stability.figures",
        "diffeo_stability.training",
        "diffeo_stability.preflight",
        "diffeo_stability.probe.measure",
        "diffeo_stability.workflow",
    ),
}
#: figures never read the config (the workflow hands them options)
FORBIDDEN["figures"] += ("diffeo_stability.config", "diffeo_stability.workflow")


def imports(path: Path) -> set[str]:
    """Dotted names imported anywhere in `path` (lazy imports inside functions included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


#: stage package -> torch-free modules of a forbidden package it may import all the same: the
#: config builds every run's `HParams`, which live with the training stage they describe
ALLOWED = {"config": ("diffeo_stability.training.hparams",)}


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    """'module imports name' for each forbidden import in `package` (but `ALLOWED`)."""
    out = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        for name in sorted(imports(path)):
            if within(name, forbidden) and not within(name, ALLOWED.get(package, ())):
                out.append(f"{path.relative_to(PACKAGE)} imports {name}")
    return out


#: the top level (CONTRIBUTING.md): entry points and what several stages share
TOP_LEVEL = {
    "__init__", "__main__", "cli", "workflow", "stopping", "settings", "device", "io", "errors",
}  # fmt: skip


def test_the_top_level_holds_only_entry_points_and_shared_modules() -> None:
    assert {path.stem for path in PACKAGE.glob("*.py")} == TOP_LEVEL


def test_an_allowed_module_does_not_open_its_package() -> None:
    assert within("diffeo_stability.training.hparams.HParams", ALLOWED["config"])
    assert not within("diffeo_stability.training.trainer", ALLOWED["config"])


#: the one figure that reads a data set: Fig. 2 draws a test image (its docstring says why)
EXCEPTIONS = {
    "figures/fig2_illustration.py imports diffeo_stability.data.images",
    "figures/fig2_illustration.py imports diffeo_stability.data.images.load_dataset",
}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_stage_packages_keep_to_their_imports(package: str) -> None:
    assert set(violations(package, FORBIDDEN[package])) - EXCEPTIONS == set()


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from diffeo_stability.training.trainer import train\n")
    assert "diffeo_stability.training.trainer" in imports(module)


def heavy_imports(code: str) -> list[str]:
    """Which of torch and matplotlib a fresh interpreter has loaded after running `code`."""
    check = (
        "import json, sys\nprint(json.dumps(sorted({'torch', 'matplotlib'} & set(sys.modules))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code + check], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_importing_the_tables_loads_neither_torch_nor_matplotlib() -> None:
    code = (
        "import importlib, pkgutil\n"
        "import diffeo_stability.tables as t\n"
        "for m in pkgutil.iter_modules(t.__path__):\n"
        "    importlib.import_module('diffeo_stability.tables.' + m.name)\n"
    )
    assert heavy_imports(code) == []


def test_the_settings_and_the_workflow_facade_load_neither_torch_nor_matplotlib() -> None:
    """What the Snakefile imports while it builds the DAG: the facade and, through it, every
    settings dataclass (probe, ImageNet, hyper-parameters) and the config package."""
    code = (
        "import diffeo_stability.workflow, diffeo_stability.probe.settings\n"
        "import diffeo_stability.training.hparams, diffeo_stability.config.scale\n"
    )
    assert heavy_imports(code) == []


def test_the_rules_import_one_facade() -> None:
    """workflow/rules/*.smk and the Snakefile import nothing of the package but its facade."""
    root = PACKAGE.parents[1]
    lines = [
        f"{path.name}: {line.strip()}"
        for path in [root / "Snakefile", *sorted((root / "workflow" / "rules").glob("*.smk"))]
        for line in path.read_text().splitlines()
        if line.lstrip().startswith(("import diffeo_stability", "from diffeo_stability"))
    ]
    assert lines == [
        "Snakefile: from diffeo_stability import workflow as facade",
        "common.smk: from diffeo_stability import workflow as facade",
    ]
