"""Preflight check of a configuration on this machine, before a long run.

For each architecture of the config, on random images of the config's input shape (the largest
one the architecture sees; labels random):

1. the logits of the first training batch (train mode, configured forward and precision) must
   agree with float32 eager on the CPU within `TOLERANCE` (relative norm of the difference);
2. a short training burst (`steps` steps, augmentation and dropout off) with the configured
   precision, compile and memory format on the detected device, and the same steps in float32
   eager on the CPU from the same initial weights; their mean losses must agree within
   `TOLERANCE`;
3. R_f (delta point) of the initial net, probed in float32 on the device and on the CPU with the
   same diffeos and noise (drawn on the CPU), must agree within `TOLERANCE` too (after the burst
   the nets legitimately differ more: Adam turns bf16 rounding into lr-sized steps);
4. throughput: training images/s (augmentation as configured, after a warm-up epoch) and
   probing images/s (the configured probe reduced to its delta point, on the device).

The measured rates give the estimated compute of the whole config on this machine
(`diffeo_stability.preflight.cost`).
"""

from __future__ import annotations

import contextlib
import math
import platform
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from diffeo_stability.config import Run, run_hparams, training_runs
from diffeo_stability.data.images import ImageDataset
from diffeo_stability.data.registry import DATASETS
from diffeo_stability.device import strict_fp32
from diffeo_stability.preflight import cost
from diffeo_stability.probe.measure import probe_function, probing_mode
from diffeo_stability.probe.settings import ProbeSettings
from diffeo_stability.training.hparams import HParams
from diffeo_stability.training.trainer import RunConfig, Trainer

# largest relative difference to float32 eager on the CPU, of the burst's loss and of R_f, and
# of the logits (relative norm; bf16 and TF32 rounding accumulate through deep nets: 5 % on a
# CPU for EfficientNetB0 in bf16)
TOLERANCE = {"fp32": 0.01, "bf16": 0.05}
LOGITS_TOLERANCE = {"fp32": 0.05, "bf16": 0.2}
REFERENCE_OPTIONS = {
    "precision": "fp32",
    "compile": False,
    "cuda_graph": False,
    "memory_format": "contiguous",
}
COMPARE_PROBE = 16  # images of the R_f comparison
TIMING_PROBE = 128  # at most this many images in the timed probe


@dataclass
class ArchResult:
    """Outcome for one architecture; rates in images/s, nan where not measured."""

    arch: str
    run: Run
    options: str
    error: str | None = None
    logits_error: float = math.nan  # relative to float32 eager on the CPU
    loss: tuple[float, float] = (math.nan, math.nan)  # (configured, reference)
    R: tuple[float, float] = (math.nan, math.nan)
    rates: tuple[float, float] = (math.nan, math.nan)  # (training, probing)
    hours: tuple[float, float] = field(default=(math.nan, math.nan))

    @property
    def ok(self) -> bool:
        return self.error is None


def representative_run(config: dict[str, Any], arch: str) -> Run:
    """The arch's run on its largest input (side, channels), the first of those."""
    runs = [run for run in training_runs(config) if run.arch == arch]
    return max(runs, key=lambda r: (cost.effective_side(config, r), DATASETS[r.dataset].channels))


def random_data(dataset: str, n_train: int, n_test: int, seed: int = 0) -> ImageDataset:
    """uint8 noise images with `dataset`'s shape (N, C, n, n) and random labels of 10 classes."""
    info = DATASETS[dataset]
    rng = np.random.default_rng(seed)
    shape = (info.channels, info.image_size, info.image_size)
    x_train = rng.integers(0, 256, (n_train, *shape), dtype=np.uint8)
    x_test = rng.integers(0, 256, (n_test, *shape), dtype=np.uint8)
    y_train, y_test = rng.integers(0, 10, n_train), rng.integers(0, 10, n_test)
    return ImageDataset("preflight", x_train, y_train, x_test, y_test, [str(k) for k in range(10)])


@contextlib.contextmanager
def fp32_probing() -> Iterator[None]:
    """`strict_fp32` for the probe, the previous TF32 settings restored afterwards."""
    saved = (
        torch.backends.cuda.matmul.allow_tf32,
        torch.backends.cudnn.allow_tf32,
        torch.get_float32_matmul_precision(),
    )
    strict_fp32()
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved[:2]
        torch.set_float32_matmul_precision(saved[2])


@contextlib.contextmanager
def without_dropout(*models: torch.nn.Module) -> Iterator[None]:
    """Dropout and stochastic depth off (their masks come from device-specific generators)."""
    from torchvision.ops import StochasticDepth

    kinds = (torch.nn.modules.dropout._DropoutNd, StochasticDepth)
    modules = [m for model in models for m in model.modules() if isinstance(m, kinds)]
    saved = [m.p for m in modules]
    for module in modules:
        module.p = 0.0
    try:
        yield
    finally:
        for module, p in zip(modules, saved, strict=True):
            module.p = p


def compare_R(trainer: Trainer, images: torch.Tensor, settings: ProbeSettings) -> float:
    """R_f (median, per-image noise, output) of the trainer's initial net on CPU `images`, probed
    as initial nets are (batch-norm on batch statistics), perturbations drawn on the CPU and
    the net run on its own device in float32."""
    model, device = trainer.model, trainer.device
    with fp32_probing(), probing_mode(model, batch_stats=True):
        rows = probe_function(
            lambda x: model(x.to(device)).float().cpu(),
            images,
            settings,
            seed=0,
            state="init",
            batch_stats=True,
        )
    row = rows[(rows.statistic == "median") & (rows.noise_norm == "per_image") & rows.is_output]
    return float(row.R.iloc[0])


def logits(trainer: Trainer, x: torch.Tensor) -> torch.Tensor:
    """The training forward (train mode, autocast) of uint8 images x on the CPU, as float32;
    with gradients on, as in training, so that a compiled forward is not compiled again."""
    trainer.model.train()
    with trainer.autocast():
        return trainer.forward(trainer._batch(x.to(trainer.device))).float().detach().cpu()


def _relative(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


def _options(hp: HParams, trainer: Trainer) -> str:
    graphs = " cuda-graph" if hp.cuda_graph and trainer.device.type == "cuda" else ""
    layout = "channels-last" if trainer.memory_format == torch.channels_last else "contiguous"
    compiled = " compiled" if trainer.forward is not trainer.model else ""
    return f"{hp.precision} {layout}{compiled}{graphs}"


def _timed(function, images: int) -> float:
    """Images/s of one call of `function` (which must synchronise the device)."""
    tic = time.perf_counter()
    function()
    return images / max(time.perf_counter() - tic, 1e-9)


def _trainers(
    config: dict[str, Any], run: Run, hp: HParams, data: ImageDataset, device: torch.device
) -> tuple[Trainer, Trainer]:
    """The run's trainer as configured on `device`, and the float32 eager one on the CPU, from
    the same initial weights."""
    info = DATASETS[run.dataset]
    weights = config["training"]["weights"].get(run.arch)

    def trainer(hparams: HParams, on: torch.device) -> Trainer:
        setup = RunConfig(
            run.arch,
            None,
            0,
            hparams,
            Path("."),
            info.normalization,
            info.augmentation,
            on,
            weights=weights,
        )
        return Trainer(data, setup)

    return trainer(hp, device), trainer(replace(hp, **REFERENCE_OPTIONS), torch.device("cpu"))


def _compare(
    result: ArchResult,
    configured: Trainer,
    reference: Trainer,
    data: ImageDataset,
    probe: ProbeSettings,
) -> None:
    """Steps 1-3: logits, the burst's loss and R_f of the configured trainer against the
    reference; the first disagreement beyond tolerance is recorded in `result.error`."""
    precision = configured.hp.precision
    settings = replace(probe, cutoffs=probe.cutoffs[:1], interpolations=probe.interpolations[:1])
    images = torch.from_numpy(data.x_test[:COMPARE_PROBE]).float() / 255
    result.R = (compare_R(configured, images, settings), compare_R(reference, images, settings))
    first = torch.from_numpy(data.x_train[: configured.hp.batch_size])
    augmentation = configured.augmentation
    configured.augmentation = reference.augmentation = "none"
    with without_dropout(configured.model, reference.model):
        out, ref = logits(configured, first), logits(reference, first)
        result.loss = (configured.train_epoch(), reference.train_epoch())
    configured.augmentation = augmentation
    result.logits_error = float((out - ref).norm() / ref.norm().clamp_min(1e-12))
    tolerance = TOLERANCE[precision]
    if not result.logits_error <= LOGITS_TOLERANCE[precision]:
        result.error = (
            f"logits differ from float32 eager on the CPU by {result.logits_error:.3g} "
            f"(relative norm), more than {LOGITS_TOLERANCE[precision]:.0%}"
        )
    compared = [("loss", result.loss)]
    if math.isfinite(result.R[1]):  # else undefined on the reference too (constant output)
        compared.append(("R_f", result.R))
    for name, (value, ref) in compared:
        if not (math.isfinite(value) and _relative(value, ref) <= tolerance):
            result.error = (
                f"{name} {value:.5g} differs from float32 eager on the CPU ({ref:.5g}) by more "
                f"than {tolerance:.0%}"
            )


def _rates(configured: Trainer, data: ImageDataset, probe: ProbeSettings) -> tuple[float, float]:
    """Step 4: training and probing images/s of the configured trainer (after a warm-up)."""
    configured.train_epoch()  # warm-up: compilation, CUDA graph capture, autotuning
    train_rate = _timed(configured.train_epoch, len(data.x_train))
    n_probe = min(probe.n_probe, TIMING_PROBE)
    on_device = configured.x_test[:n_probe].float().div(255)
    passes = cost.probe_call_passes(n_probe, len(probe.interpolations), len(probe.cutoffs), 1)

    def probe_once() -> None:
        with fp32_probing():
            probe_function(configured.model, on_device, probe, seed=0)

    return train_rate, _timed(probe_once, passes)


def check_arch(config: dict[str, Any], arch: str, device: torch.device, steps: int) -> ArchResult:
    """Steps 1-4 of the module docstring for `arch`; exceptions propagate."""
    run = representative_run(config, arch)
    hp = run_hparams(config, run)
    data = random_data(run.dataset, steps * hp.batch_size, TIMING_PROBE)
    configured, reference = _trainers(config, run, hp, data, device)
    result = ArchResult(arch, run, _options(hp, configured))
    # the configured probe at its delta point only: the output, the per-image noise norm, no
    # adversarial search
    probe = replace(
        ProbeSettings.from_config(config["probe"]),
        sweep_points=0,
        layers=False,
        noise_norms=("per_image",),
        adversarial=False,
    )
    _compare(result, configured, reference, data, probe)
    result.rates = _rates(configured, data, probe)
    return result


def run_preflight(config: dict[str, Any], device: torch.device, steps: int = 3) -> list[ArchResult]:
    """Check every architecture of the (validated) config; failures are recorded, not raised."""
    archs = sorted({run.arch for run in training_runs(config)})
    results = []
    for arch in archs:
        try:
            result = check_arch(config, arch, device, steps)
        except Exception as err:  # reported per architecture: the preflight's purpose
            message = str(err).strip().splitlines()[0] if str(err).strip() else ""
            run = representative_run(config, arch)
            result = ArchResult(arch, run, "-", error=f"{type(err).__name__}: {message}")
        results.append(result)
    rates = {r.arch: (r.rates, cost.effective_side(config, r.run)) for r in results}

    def measured(arch: str, side: float) -> tuple[float, float]:
        (train, forward), at = rates[arch]
        return cost.scaled(train, at, side), cost.scaled(forward, at, side)

    for arch, hours in cost.estimate_hours(config, measured).items():
        next(r for r in results if r.arch == arch).hours = hours
    return results


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"


def _duration(hours: float) -> str:
    """'12.3 min' under an hour, '1,234.5 h' above, 'n/a' when not measured."""
    if not math.isfinite(hours):
        return "n/a"
    return f"{hours * 60:.1f} min" if hours < 1 else f"{hours:,.1f} h"


def report(
    results: list[ArchResult], device: torch.device, name: str, startup: float, cores: int
) -> str:
    """The table printed by `diffeo-stability preflight`: `startup` is the job hours of the
    per-job start-up (`cost.startup_hours`), `cores` the CPU cores that run jobs at once."""
    head = (
        "arch",
        "input",
        "options",
        "status",
        "logits err",
        "burst loss (fp32 cpu)",
        "R_f init (fp32 cpu)",
        "train img/s",
        "probe img/s",
        "training",
        "eval+probe",
    )
    rows = []
    for r in results:
        info = DATASETS[r.run.dataset]
        rows.append(
            (
                r.arch,
                f"{info.channels}x{info.image_size}x{info.image_size}",
                r.options,
                "ok" if r.ok else "FAILED",
                f"{r.logits_error:.2g}",
                f"{r.loss[0]:.4f} ({r.loss[1]:.4f})",
                f"{r.R[0]:.4g} ({r.R[1]:.4g})",
                f"{r.rates[0]:,.0f}",
                f"{r.rates[1]:,.0f}",
                _duration(r.hours[0]),
                _duration(r.hours[1]),
            )
        )
    widths = [max(len(str(row[k])) for row in [head, *rows]) for k in range(len(head))]
    lines = [
        f"preflight of {name} on {device} ({device_name(device)}); torch {torch.__version__}",
        "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)),
        *("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows),
    ]
    lines += [f"  {r.arch}: {r.error}" for r in results if not r.ok]
    train = sum(r.hours[0] for r in results)
    forward = sum(r.hours[1] for r in results)
    total = train + forward + startup
    wall = (
        f"; on {cores} CPU cores (--cores {cores}, one job per core) about "
        f"{_duration(cost.wall_hours(total, cores))} of wall time"
        if device.type == "cpu"
        else ""
    )
    lines.append(
        f"estimated compute of {name} on this machine: {_duration(total)} of job time "
        f"({_duration(train)} training, {_duration(forward)} test evaluation and probing, "
        f"{_duration(startup)} job start-up){wall}"
        if math.isfinite(total)
        else f"estimated compute of {name}: n/a (some architectures failed)"
    )
    lines.append(
        "tolerance to float32 eager on the CPU: loss and R_f "
        + ", ".join(f"{v:.0%} ({k})" for k, v in TOLERANCE.items())
        + "; logits "
        + ", ".join(f"{v:.0%} ({k})" for k, v in LOGITS_TOLERANCE.items())
        + "; rates on random images, scaled to other runs by (input side x width factor)^2"
    )
    return "\n".join(lines)
