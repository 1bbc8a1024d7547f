"""The experiment `snakemake` runs when no --configfile is given: the one that fits the machine.

With an NVIDIA GPU, `config/config.yaml` (the GPU-sized default); without one,
`config/cpu.yaml` (the paper's image experiments at CPU scale), so that the README's first
command finishes on the machine at hand. Torch-free: the Snakefile calls it before reading any
config (the GPU is detected from the driver, as for the long-run warning).
"""

from __future__ import annotations

from typing import NamedTuple

from diffeo_stability.preflight.cost import detected_device_type

GPU_CONFIG = "config/config.yaml"
CPU_CONFIG = "config/cpu.yaml"
PAPER_CONFIG = "config/paper.yaml"


class DefaultExperiment(NamedTuple):
    """The config file picked (relative to the repository) and the sentence that says why."""

    configfile: str
    message: str


def default_experiment(device_type: str | None = None) -> DefaultExperiment:
    """The config for `device_type` ("cuda" or "cpu"; None: detect it) and a message naming it,
    the reason, and the command line that picks each other experiment."""
    device_type = device_type or detected_device_type("auto")
    if device_type == "cuda":
        picked, why = GPU_CONFIG, "an NVIDIA GPU was found"
        what = "the GPU-sized default experiment"
        other = f"--configfile {CPU_CONFIG} for the CPU-scale one"
    else:
        picked, why = CPU_CONFIG, "no NVIDIA GPU was found (/proc/driver/nvidia/gpus)"
        what = "the paper's image experiments at CPU scale"
        other = f"--configfile {GPU_CONFIG} for the GPU-sized default"
    message = (
        f"No --configfile given and {why}: running {picked}, {what}. Choose another with "
        f"{other}, --configfile {PAPER_CONFIG} for the paper's full statistics (README, "
        "'Configs'; targets go before --configfile)."
    )
    return DefaultExperiment(picked, message)
