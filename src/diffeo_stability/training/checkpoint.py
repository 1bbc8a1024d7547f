"""The resumable training state `checkpoint.pt`: written atomically every epoch, read on restart."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch

from diffeo_stability.errors import BrokenFileError, ConfigError
from diffeo_stability.io import read_checked, torch_save

log = logging.getLogger(__name__)


def rng_states(generators: dict[str, torch.Generator]) -> dict[str, torch.Tensor | list]:
    """Global CPU / CUDA RNG states and those of the named generators (for dropout, order, ...)."""
    states: dict[str, Any] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    states |= {name: gen.get_state() for name, gen in generators.items()}
    return states


def restore_rng_states(states: dict[str, Any], generators: dict[str, torch.Generator]) -> None:
    """Inverse of `rng_states`."""
    torch.set_rng_state(states["torch"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
    for name, gen in generators.items():
        gen.set_state(states[name])


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write the resumable state atomically (a kill leaves the previous epoch's file intact)."""
    torch_save(path, state)


def load_state(path: Path, identity: dict[str, Any]) -> dict[str, Any] | None:
    """The saved state if `path` exists, else None; ConfigError if it belongs to another run.

    An unreadable file is set aside as `<path>.broken` (kept for inspection) and None is
    returned: the run restarts from scratch, and says so.
    """
    if not path.is_file():
        return None
    try:
        state = read_checked(path, _load, "resume checkpoint")
    except BrokenFileError as err:
        aside = path.with_name(path.name + ".broken")
        path.replace(aside)
        log.warning("%s\nmoved it to %s; training restarts from scratch", err, aside)
        return None
    if state["identity"] != identity:
        raise ConfigError(
            f"{path} belongs to a different run ({state['identity']}, this run: {identity}); "
            "delete it to start afresh"
        )
    log.info("resuming from %s after epoch %d", path, state["epoch"])
    return state


def _load(path: Path) -> dict[str, Any]:
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or "identity" not in state:
        raise ValueError("not a resume checkpoint (no 'identity' entry)")
    return state
