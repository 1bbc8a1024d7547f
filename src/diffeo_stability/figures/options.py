"""Figure options: the `--set KEY=VALUE` strings of `diffeo-stability figure`, parsed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from diffeo_stability.tables.queries import DATASET_LABELS, PAPER_DATASETS


def option_list(options: Mapping[str, str], key: str, default: Iterable[str]) -> list[str]:
    """A comma-separated option as a list of names ("" or absent -> `default`)."""
    value = options.get(key, "").strip()
    return [v.strip() for v in value.split(",") if v.strip()] if value else list(default)


def option_float(options: Mapping[str, str], key: str, default: float) -> float:
    """A float option."""
    return float(options.get(key, default))


def option_bool(options: Mapping[str, str], key: str, default: bool) -> bool:
    """A yes/no option ("1", "true", "yes", "on" are true)."""
    value = options.get(key)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def datasets_option(options: Mapping[str, str], frame: pd.DataFrame | None) -> list[str]:
    """The `datasets` option; "all" means every data set present in `frame`, in paper order."""
    wanted = option_list(options, "datasets", PAPER_DATASETS)
    if wanted != ["all"]:
        return wanted
    present = [] if frame is None or frame.empty else sorted(set(frame["dataset"]))
    order = {name: i for i, name in enumerate(DATASET_LABELS)}
    return sorted(present, key=lambda d: (order.get(d, len(order)), d))
