"""Choice of torch device, numerics settings, threads and per-device layouts."""

from __future__ import annotations

import torch

# conv nets that train and evaluate faster channels-last on CPU (benchmarks/cost_table.py);
# LeNet and EfficientNetB0 gain nothing there, FC nets never use it
_CPU_CHANNELS_LAST = ("AlexNet", "VGG", "ResNet")


def pick_device(preference: str = "auto") -> torch.device:
    """`auto` -> cuda when available, else cpu; otherwise the named device."""
    if preference == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(preference)


def strict_fp32() -> None:
    """Disable TF32 so float32 matmuls and convolutions are true float32 (for measurements)."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")


def memory_format(device: torch.device, arch: str) -> torch.memory_format:
    """Layout of images and conv weights for `arch` on `device`: channels-last for conv nets
    on CUDA and, on CPU, for the families measured faster that way; contiguous otherwise."""
    from diffeo_stability.models import get_arch

    if get_arch(arch).family == "fc":
        return torch.contiguous_format
    if device.type == "cuda" or arch.startswith(_CPU_CHANNELS_LAST):
        return torch.channels_last
    return torch.contiguous_format


def eval_batch_size(device: torch.device) -> int:
    """Images per forward for the per-epoch test error (CPU caches favour small batches)."""
    return 1024 if device.type == "cuda" else 128
