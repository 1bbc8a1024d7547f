"""Architectures of the paper. Importing this package does not import torch.

`ARCHITECTURES` / `get_arch` come from the pure-Python registry; `build_model`,
`load_checkpoint`, `layer_modules` and `count_parameters` are loaded lazily from `build.py`.
"""

from __future__ import annotations

from typing import Any

from diffeo_stability.models.registry import ARCHITECTURES, ArchSpec, get_arch

__all__ = [
    "ARCHITECTURES",
    "ArchSpec",
    "build_model",
    "count_parameters",
    "get_arch",
    "layer_modules",
    "load_checkpoint",
]
_LAZY = {"build_model", "count_parameters", "layer_modules", "load_checkpoint"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from diffeo_stability.models import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
