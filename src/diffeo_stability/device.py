"""Choice of torch device and numerics settings."""

from __future__ import annotations

import torch


def pick_device(preference: str = "auto") -> torch.device:
    """`auto` -> cuda when available, else cpu; otherwise the named device."""
    if preference == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(preference)


def memory_format(device: torch.device, arch: str) -> torch.memory_format:
    """The memory format of hyper-parameter memory_format="auto" for `arch` on `device`:
    channels-last on CUDA, contiguous elsewhere."""
    del arch  # the same choice for every architecture for now
    return torch.channels_last if device.type == "cuda" else torch.contiguous_format


def strict_fp32() -> None:
    """Disable TF32 so float32 matmuls and convolutions are true float32 (for measurements)."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
