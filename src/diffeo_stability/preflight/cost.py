"""Image-pass counts of a configuration and its estimated compute on a device.

Torch-free: the Snakefile calls `long_run_warning` when it builds the DAG. Counted per training
run (stripe model and ImageNet probes left out):

- training image-passes (forward + backward): epochs x n_train;
- forward-only image-passes: the loss at initialisation on the training set, the test set
  before training and at every evaluated epoch (`eval_every`, `snapshot_epochs`), and the
  probe (2 states x interpolations x [n_probe clean + cutoffs x points x 3 n_probe deformed /
  noisy], points = delta + sweep, with the run's `probe.overrides`).

Hours = training passes / training rate + forward passes / probing rate, with rates in
images/s of the network at its `effective_side` (input side x width factor); a rate measured
at side s is scaled by (s / side)^2 to another side (the cost of a conv net grows with the
image area and the square of its width); plus STARTUP_S for every job of the workflow
(`job_count`: interpreter start, imports, reading the inputs), which dominates small configs.
Job hours run `--cores N` at a time (one thread per job): `wall_hours` is the wall time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diffeo_stability.config import (
    Run,
    mechanisms_settings,
    optional_table_inputs,
    run_hparams,
    run_probe_settings,
    training_runs,
)
from diffeo_stability.config.grid import test_set_size, training_set_size, training_time_runs
from diffeo_stability.data.registry import DATASETS
from diffeo_stability.mechanisms.neuron_settings import neuron_stability_settings
from diffeo_stability.mechanisms.settings import (
    FIELD_ANALYSES,
    NET_ANALYSES,
    selected_runs,
)
from diffeo_stability.models.registry import ARCHITECTURES, local_cost_factor
from diffeo_stability.probe.settings import ProbeSettings

# (training, probing) images/s per architecture, for the warning at DAG time; at RATE_SIDE px,
# those of transfer nets at TRANSFER_SIDE px (their resized input).
# "cpu": measured with `preflight.check_arch` (fp32, eager, batches of 16, one thread) on the
# development machine, its 2 cores shared with other jobs (load ~8): pessimistic.
# "cuda": NOT MEASURED, an estimate: GPU_RESNET18 (CIFAR ResNet18 in bf16, channels-last, on an
# H100-class GPU) scaled by each architecture's CPU cost relative to ResNet18, capped at
# GPU_MAX_RATE (small nets are bound by kernel launches).
RATE_SIDE = 32
TRANSFER_SIDE = 224
CPU_RATES: dict[str, tuple[float, float]] = {
    "FullConnL2": (2017.0, 1377.0),
    "FullConnL4": (2987.0, 1643.0),
    "FullConnL6": (5537.0, 1692.0),
    "LeNet": (1532.0, 1175.0),
    "AlexNet": (21.2, 146.0),
    "VGG11": (20.5, 84.9),
    "VGG11bn": (20.0, 79.6),
    "VGG16": (10.8, 64.5),
    "VGG16bn": (6.3, 25.2),
    "VGG19": (8.2, 44.9),
    "VGG19bn": (4.5, 23.2),
    "ResNet18": (8.2, 28.3),
    "ResNet34": (2.0, 9.0),
    "ResNet50": (2.3, 6.3),
    "EfficientNetB0": (9.1, 37.5),
    "EfficientNetB0-transfer": (1.7, 3.7),
    "EfficientNetB2-transfer": (0.7, 1.5),  # not measured: B0-transfer x 0.4 (FLOPs at 224 px)
    # the simple local nets at their default sizes (h 16, f_s 5, p_s 4; other sizes scaled by
    # `local_cost_factor`): one-thread batch-16 steps timed beside LeNet, scaled to its entry
    # (probing: LeNet's probe overhead per image plus the net's own forward time)
    "LocalCNN": (1600.0, 1200.0),
    "LocalCNN-readout": (15000.0, 1200.0),
    "LocalLCN": (530.0, 660.0),
    "LocalLCN-readout": (1370.0, 660.0),
}
#: CPU seconds every job spends besides its image-passes (interpreter start, imports of torch,
#: pandas or matplotlib: 1.7-3.0 s alone; reading its inputs). The smoke config's 60 jobs took
#: 230 s of CPU time, 2.7 s per job beyond the image-pass model's 67 s (2026-12-02, 2 cores
#: under load 9-15; tests/test_workflow_smoke.py checks the estimate against each smoke run)
STARTUP_S = 2.5
GPU_RESNET18 = (25000.0, 80000.0)
GPU_MAX_RATE = 50000.0
WARN_HOURS = 12.0

RateFunction = Callable[[str, float], tuple[float, float]]


@dataclass(frozen=True)
class Passes:
    """Image-passes of some training runs: `train` forward + backward, `forward` only."""

    train: int
    forward: int


def effective_side(config: dict[str, Any], run: Run) -> float:
    """Side in px of the images the network sees (transfer nets resize to input_size) times
    its width factor: the cost of a conv net grows as (side x width)^2."""
    hp = run_hparams(config, run)
    return (hp.input_size or DATASETS[run.dataset].image_size) * hp.width_factor


def probe_call_passes(n_probe: int, interpolations: int, cutoffs: int, points: int) -> int:
    """Forward image-passes of one `probe.probe_function` call (one state)."""
    return interpolations * n_probe * (1 + 3 * cutoffs * points)


#: forward-pass equivalents of one forward and backward pass of the probe images (measured:
#: 2.2 for ResNet18 1/8 on a CPU, in evaluation mode and on batch statistics alike)
BACKWARD_PASSES = 2.2


def adversarial_passes(settings: ProbeSettings, n_probe: int) -> int:
    """Forward image-pass equivalents of the adversarial searches of one state (none when the
    option is off): per point, a diffeo and a noise search of `restarts` x (`steps` forward
    and backward passes and the last iterate's forward), and the noise's extra candidate."""
    if not settings.adversarial:
        return 0
    points = len(settings.adversarial_cutoffs) * len(settings.deltas)
    search = settings.adversarial_restarts * (settings.adversarial_steps * BACKWARD_PASSES + 1)
    return round(points * n_probe * (2 * search + 1))


def probe_passes(config: dict[str, Any], run: Run, n_test: int) -> int:
    """Forward image-passes of probing one run (both states, its `probe.overrides`)."""
    settings = run_probe_settings(config, run)
    n_probe = min(settings.n_probe, n_test)
    points = 1 + settings.sweep_points
    typical = probe_call_passes(
        n_probe, len(settings.interpolations), len(settings.cutoffs), points
    )
    return 2 * (typical + adversarial_passes(settings, n_probe))


def run_passes(config: dict[str, Any], run: Run) -> Passes:
    """Image-passes of one training run and its probe."""
    hp = run_hparams(config, run)
    epochs = hp.epochs
    evaluated = set(range(hp.eval_every, epochs + 1, hp.eval_every)) | {epochs}
    evaluations = len(evaluated | set(hp.snapshot_epochs))  # and the snapshot epochs
    n_test = test_set_size(config, run.dataset)
    n_train = training_set_size(config, run.dataset) if run.P == "full" else int(run.P)
    forward = n_train + n_test * (evaluations + 1) + probe_passes(config, run, n_test)
    return Passes(epochs * n_train, forward)


def scaled(rate: float, measured_side: float, side: float) -> float:
    """A rate measured at `measured_side` px, scaled to `side` px by the image area."""
    return rate * (measured_side / side) ** 2


def estimate_hours(config: dict[str, Any], rates: RateFunction) -> dict[str, tuple[float, float]]:
    """arch -> (training hours, forward/probing hours) of the whole config;
    `rates(arch, side)` gives (training, probing) images/s at that input side."""
    hours: dict[str, tuple[float, float]] = {}
    for run in training_runs(config):
        passes = run_passes(config, run)
        train_rate, probe_rate = rates(run.arch, effective_side(config, run))
        before = hours.get(run.arch, (0.0, 0.0))
        hours[run.arch] = (
            before[0] + passes.train / train_rate / 3600,
            before[1] + passes.forward / probe_rate / 3600,
        )
    return hours


def table_rates(device_type: str) -> RateFunction:
    """The static rate table of `device_type` ("cpu" measured, "cuda" estimated)."""

    def rates(arch: str, side: float) -> tuple[float, float]:
        spec = ARCHITECTURES[arch]
        measured_at = TRANSFER_SIDE if spec.family == "transfer" else RATE_SIDE
        table = CPU_RATES[spec.variant_of or arch]  # a local net's sizes scale its rates
        cpu = [scaled(r, measured_at, side) / local_cost_factor(spec) for r in table]
        if device_type == "cpu":
            return cpu[0], cpu[1]
        reference = CPU_RATES["ResNet18"]
        gpu = [
            min(g * c / r, GPU_MAX_RATE)
            for g, c, r in zip(GPU_RESNET18, cpu, reference, strict=True)
        ]
        return gpu[0], gpu[1]

    return rates


def detected_device_type(preference: str) -> str:
    """ "cuda" or "cpu" for the config's `device`, without importing torch ("auto": cuda when
    the NVIDIA driver lists a GPU)."""
    if preference != "auto":
        return preference.split(":")[0]
    gpus = Path("/proc/driver/nvidia/gpus")
    return "cuda" if gpus.is_dir() and any(gpus.iterdir()) else "cpu"


def job_count(config: dict[str, Any]) -> int:
    """Jobs of the config's default target, each a process (the final `all` left out): train
    and probe per training run, fetch_data per data set (and synth_data for a synthetic one),
    the stripe runs and their table, the ImageNet probes, aggregate, claims, the mechanisms
    (a snapshot probe per run of `mechanisms.training_time` and its two tables; the neuron
    stability measure when configured; the analyses of trained nets: one job per selected run
    and net analysis, one table per analysis, the diffeo parts, the summary), and one job per
    figure whose inputs the config produces (those over training time only with snapshots,
    that of neuron stability only with its measure, the tables only some configs make:
    `config.grid.optional_table_inputs`; `figures.registry.built_figures` decides)."""
    from diffeo_stability.figures.registry import built_figures  # metadata, as config reads it

    runs = training_runs(config)
    neuron = neuron_stability_settings(config) is not None
    produced = {"logavg", "training", "stripe", "illustration"}
    produced |= {f"mechanisms_{name}" for name in (*NET_ANALYSES, *FIELD_ANALYSES)}
    produced |= set(optional_table_inputs(config, runs))
    produced |= {"neuron_stability"} if neuron else set()
    snapshot_runs = len(training_time_runs(config))
    produced |= {"training_time", "filter_spectrum"} if snapshot_runs else set()
    trained_nets = len(selected_runs(mechanisms_settings(config), runs))
    mechanisms = neuron + (snapshot_runs + 2 if snapshot_runs else 0)
    mechanisms += (trained_nets + 1) * len(NET_ANALYSES) + 2
    figures = len(built_figures(produced))
    data_jobs = sum(1 + DATASETS[name].synthetic for name in {run.dataset for run in runs})
    stripe = config["stripe"]
    stripe_jobs = len(stripe["P"]) * len(stripe["seeds"]) + 1
    imagenet = len(config["imagenet"]["weights"]) if config["imagenet"]["images"] else 0
    return 2 * len(runs) + data_jobs + stripe_jobs + imagenet + 2 + mechanisms + figures


def startup_hours(config: dict[str, Any]) -> float:
    """Job hours of the per-job start-up (STARTUP_S x `job_count`)."""
    return job_count(config) * STARTUP_S / 3600


def total_hours(hours: dict[str, tuple[float, float]]) -> float:
    return sum(train + forward for train, forward in hours.values())


def wall_hours(job_hours: float, cores: int) -> float:
    """Wall time of `job_hours` run `cores` jobs at a time (one thread each)."""
    return job_hours / max(cores, 1)


def long_run_warning(config: dict[str, Any], name: str) -> str | None:
    """A warning when `config` (file `name`) needs more than WARN_HOURS of compute on the
    detected device by the static rate table; None otherwise."""
    device = detected_device_type(config["device"])
    hours = estimate_hours(config, table_rates(device))
    total = total_hours(hours) + startup_hours(config)
    if total <= WARN_HOURS:
        return None
    train = sum(h[0] for h in hours.values())
    gpu = total_hours(estimate_hours(config, table_rates("cuda"))) + startup_hours(config)
    where = "a CPU (measured rates)" if device == "cpu" else "one GPU (estimated rates)"
    return (
        f"{name}: about {total:,.0f} hours of compute on {where} ({train:,.0f} h training, "
        f"{total - train:,.0f} h test evaluation, probing and job start-up); on one GPU about "
        f"{gpu:,.0f} h (estimated). Smaller configs: config/cpu.yaml, config/smoke.yaml (see "
        "README 'Configs'); measure this machine first: snakemake preflight --configfile "
        f"{name}. The run is not stopped."
    )
