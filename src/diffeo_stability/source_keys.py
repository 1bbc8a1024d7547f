"""Names read from the package's own sources without importing them (torch-free, for the DAG).

- `stripe_options()`: the fields of `stripe.model.StripeConfig`, i.e. the options of `diffeo-stability
  stripe` (the config's `stripe.args`, less the grid keys d, P, seed).
- `figure_options(name)`: the option keys one figure reads (`options.get("key")`,
  `option_float(options, "key", ...)`, ...), in its module and the figure modules it imports.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from diffeo_stability.figures import FIGURES

PACKAGE = Path(__file__).resolve().parent
_KEY_PATTERNS = (
    r"options\.get\(\s*[\"'](\w+)[\"']",
    r"options\[\s*[\"'](\w+)[\"']\s*\]",
    r"[\"'](\w+)[\"']\s+in\s+options\b",
    r"option_\w+\(\s*options,\s*[\"'](\w+)[\"']",
)
_FIGURE_IMPORTS = (
    r"from diffeo_stability\.figures\.(\w+) import",
    r"from diffeo_stability\.figures import ((?:\w+(?:, )?)+)",
)


def stripe_options() -> set[str]:
    """Field names of the StripeConfig dataclass in stripe/model.py."""
    tree = ast.parse((PACKAGE / "stripe" / "model.py").read_text())
    config = next(
        node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "StripeConfig"
    )
    return {
        node.target.id
        for node in config.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }


@functools.cache
def _module_keys(module: str) -> frozenset[str]:
    """Option keys read in figures/<module>.py and the figure modules it imports."""
    text = (PACKAGE / "figures" / f"{module}.py").read_text()
    keys = {key for pattern in _KEY_PATTERNS for key in re.findall(pattern, text)}
    imported = {
        name.strip()
        for pattern in _FIGURE_IMPORTS
        for match in re.findall(pattern, text)
        for name in match.split(",")
    }
    for other in imported - {module, "FIGURES"}:
        keys |= _module_keys(other)
    return frozenset(keys)


def figure_options(name: str) -> set[str]:
    """The option keys figure `name` (a key of FIGURES) reads; `note` is read by every one."""
    return set(_module_keys(FIGURES[name].rsplit(".", 1)[1])) | {"note"}
