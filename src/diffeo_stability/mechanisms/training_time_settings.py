"""Settings of the analyses over training time: the config's `mechanisms.training_time` block.

The snapshots of training runs (hyper-parameter `snapshot_epochs`) are probed at the headline
point (c, interpolation, noise norm of `probe.headline`; `probe.delta`, `probe.cutoff_rule`) on
`n_probe` test images, and their 3x3 filters projected on the Laplacian eigenbasis. Which runs:
the configured runs with snapshot_epochs that match every filter given (datasets, archs, P,
seeds; absent = any). Which epochs: `epochs` (0 = the initial net), by default 0 and every
snapshot epoch of the run. No run with snapshots: the analyses (and their figures) are left out.

Torch-free: built when the config is validated (`config.blocks.BLOCKS`), before the DAG; the
rules across sections (a run keeping the epochs probed, n_probe within its test set) are
`config.checks.training_time_problems`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from diffeo_stability.data.registry import DATASETS
from diffeo_stability.errors import SettingError
from diffeo_stability.models.registry import ARCHITECTURES
from diffeo_stability.probe.settings import ProbeSettings
from diffeo_stability.settings import Settings, check_choice, check_each, check_int
from diffeo_stability.tables.headline import Headline

#: where the block sits in the config
KEY = "mechanisms.training_time"


@dataclass(frozen=True)
class TrainingTimeSettings(Settings):
    """Filters of the runs (None = any), the epochs probed (None = 0 and every snapshot epoch)
    and the probe images per snapshot (the first `n_probe` test images)."""

    datasets: tuple[str, ...] | None = None
    archs: tuple[str, ...] | None = None
    P: tuple[int | str, ...] | None = None
    seeds: tuple[int, ...] | None = None
    epochs: tuple[int, ...] | None = None
    n_probe: int = 200

    def __post_init__(self) -> None:
        checks = {
            "datasets": partial(check_choice, allowed=tuple(DATASETS)),
            "archs": partial(check_choice, allowed=tuple(ARCHITECTURES)),
            "P": partial(check_int, minimum=1, allow=("full",)),
            "seeds": partial(check_int, minimum=0),
            "epochs": partial(check_int, minimum=0),
        }
        for key, check in checks.items():
            if getattr(self, key) is not None:
                check_each(key, getattr(self, key), check)
        epochs = list(self.epochs or ())
        if epochs != sorted(set(epochs)):
            raise SettingError("epochs", f"{epochs} must be strictly increasing")
        check_int("n_probe", self.n_probe, 2)

    @classmethod
    def config_defaults(cls) -> dict[str, Any]:
        """The defaults of the keys that have a value (an absent filter selects any run)."""
        return {k: v for k, v in super().config_defaults().items() if v is not None}

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

    def probed_epochs(self, snapshot_epochs: tuple[int, ...]) -> tuple[int, ...]:
        """The epochs probed of a run with these snapshot epochs (0 = its initial net)."""
        return (0, *snapshot_epochs) if self.epochs is None else self.epochs

    def probe_settings(self, probe: ProbeSettings, headline: Headline) -> ProbeSettings:
        """What a snapshot probe job measures: `probe` (the config's section: its delta and
        cut-off rule) at the headline's c, interpolation and noise norm only, on this block's
        n_probe images, no sweep, no per-block rows, no adversarial columns."""
        return replace(
            probe,
            n_probe=self.n_probe,
            cutoffs=(headline.c,),
            interpolations=(headline.interpolation,),
            noise_norms=(headline.noise_norm,),
            sweep_points=0,
            layers=False,
            adversarial=False,
        )
