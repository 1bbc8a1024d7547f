"""Settings of the analyses over training time: the config's `mechanisms.training_time` block.

The snapshots of training runs (hyper-parameter `snapshot_epochs`) are probed at the headline
point (c, interpolation, noise norm, delta of `probe.headline` / `probe.delta`) on `n_probe`
test images, and their 3x3 filters projected on the Laplacian eigenbasis. Which runs: the
configured runs with snapshot_epochs that match every filter given (datasets, archs, P, seeds;
absent = any). Which epochs: `epochs` (0 = the initial net), by default 0 and every snapshot
epoch of the run. No run with snapshots: the analyses (and their figures) are left out.

Torch-free: read when the config is validated, before the DAG.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from diffeo_stability.data.registry import DATASETS
from diffeo_stability.errors import ConfigError
from diffeo_stability.models.registry import ARCHITECTURES

#: where the block sits in the config
KEY = "mechanisms.training_time"


@dataclass(frozen=True)
class TrainingTimeSettings:
    """Filters of the runs (None = any), the epochs probed (None = 0 and every snapshot epoch)
    and the probe images per snapshot (the first `n_probe` test images)."""

    datasets: tuple[str, ...] | None = None
    archs: tuple[str, ...] | None = None
    P: tuple[int | str, ...] | None = None
    seeds: tuple[int, ...] | None = None
    epochs: tuple[int, ...] | None = None
    n_probe: int = 200

    @classmethod
    def from_block(cls, block: Mapping[str, Any]) -> TrainingTimeSettings:
        """From the config block; ConfigError naming the key of every wrong value."""
        known = {field.name for field in fields(cls)}
        problems = [
            f"{KEY}: unknown key {key!r}; allowed: {', '.join(sorted(known))}"
            for key in sorted(set(block) - known)
        ]
        checks = {
            "datasets": lambda v: isinstance(v, str) and v in DATASETS,
            "archs": lambda v: isinstance(v, str) and v in ARCHITECTURES,
            "P": lambda v: v == "full" or _is_int(v, 1),
            "seeds": lambda v: _is_int(v, 0),
            "epochs": lambda v: _is_int(v, 0),
        }
        values: dict[str, Any] = {}
        for key, valid in checks.items():
            value = block.get(key)
            if value is None:
                continue
            if not isinstance(value, list) or not value or not all(map(valid, value)):
                problems.append(f"{KEY}.{key}: {value!r} must be a non-empty list of {_WHAT[key]}")
            else:
                values[key] = tuple(value)
        epochs = values.get("epochs", ())
        if list(epochs) != sorted(set(epochs)):
            problems.append(f"{KEY}.epochs: {list(epochs)} must be strictly increasing")
        n_probe = block.get("n_probe", cls.n_probe)
        if not _is_int(n_probe, 2):
            problems.append(f"{KEY}.n_probe: {n_probe!r} must be an integer of at least 2")
        if problems:
            raise ConfigError("\n  ".join(problems))
        return cls(**values, n_probe=n_probe)

    @property
    def filtered(self) -> bool:
        """Whether the block names runs (then it must select at least one with snapshots)."""
        return any(getattr(self, key) is not None for key in ("datasets", "archs", "P", "seeds"))

    def selects(self, dataset: str, arch: str, P: int | str, seed: int) -> bool:
        """Whether a run passes every filter given."""
        wanted = {"datasets": dataset, "archs": arch, "P": P, "seeds": seed}
        return all(
            getattr(self, key) is None or v in getattr(self, key) for key, v in wanted.items()
        )

    def probed_epochs(self, snapshot_epochs: list[int], run: str) -> tuple[int, ...]:
        """The epochs probed of a run with these snapshot epochs (0 = its initial net);
        ConfigError naming the run when one of `epochs` is not kept."""
        kept = (0, *snapshot_epochs)
        if self.epochs is None:
            return kept
        absent = [e for e in self.epochs if e not in kept]
        if absent:
            raise ConfigError(
                f"{KEY}.epochs: {absent} not kept by run {run} (its snapshot_epochs: "
                f"{snapshot_epochs}); add them to its snapshot_epochs (training.overrides)"
            )
        return self.epochs


_WHAT = {
    "datasets": "data sets of the registry",
    "archs": "architectures of the registry",
    "P": "training-set sizes (positive integers or 'full')",
    "seeds": "seeds (integers >= 0)",
    "epochs": "epochs (integers >= 0; 0 = the initial net)",
}


def _is_int(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum
