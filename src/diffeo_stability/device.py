"""Choice of torch device, numerics settings, threads and per-device layouts."""

from __future__ import annotations

import ctypes
import logging

import torch

log = logging.getLogger(__name__)

# conv nets that train and evaluate faster channels-last on CPU (benchmarks/cost_table.py);
# LeNet and EfficientNetB0 gain nothing there, FC nets never use it
_CPU_CHANNELS_LAST = ("AlexNet", "VGG", "ResNet")
# glibc mallopt parameters (malloc.h) and the values set by `retain_freed_memory`: requests up
# to 32 MiB (glibc's largest mmap threshold on 64-bit) come from the heap, and up to 1 GiB of
# freed heap is kept, grown by 64 MiB at a time
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_MALLOPT_VALUES = {_M_MMAP_THRESHOLD: 32 * 2**20, _M_TRIM_THRESHOLD: 2**30, _M_TOP_PAD: 64 * 2**20}


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


def retain_freed_memory() -> bool:
    """Make glibc's malloc keep freed memory for reuse instead of handing it back to the kernel.

    A probe allocates and frees tensors of tens of MiB at every forward; by default glibc maps
    each one afresh (and trims the heap), so every page is faulted in again: 0.6-1.4 million
    page faults per probed point of ResNet18-1/4, 10-20 % of its time. Returns False (and
    changes nothing) where the C library is not glibc.
    """
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    applied = all(mallopt(param, value) == 1 for param, value in _MALLOPT_VALUES.items())
    log.debug("malloc keeps freed memory: %s", applied)
    return applied
