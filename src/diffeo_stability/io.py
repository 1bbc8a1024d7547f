"""Atomic file output: a killed job never leaves a file that looks finished.

Every writer goes to a temporary file in the destination directory and renames it into place
(`os.replace` is atomic on POSIX within one filesystem).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from diffeo_stability.errors import BrokenFileError

T = TypeVar("T")


def read_checked(path: str | os.PathLike[str], reader: Callable[[Path], T], what: str) -> T:
    """`reader(path)`, or a BrokenFileError naming the file, what is wrong and what to do."""
    path = Path(path)
    if not path.is_file():
        raise BrokenFileError(f"{path}: the {what} is missing; rerun snakemake to rebuild it")
    try:
        return reader(path)
    except Exception as err:  # any reader failure means the file is unusable
        raise BrokenFileError(
            f"{path}: cannot read this {what} ({type(err).__name__}: {err}); it is probably "
            "truncated or corrupted (an interrupted job, a full disk): remove it and rerun "
            "snakemake to rebuild it"
        ) from err


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to `path`; rename it to `path` only if the block succeeds.

    The file gets the usual permissions (0666 minus the umask), not mkstemp's 0600.
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, dest)
    finally:
        tmp_path.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Write `obj` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def torch_save(path: str | os.PathLike[str], obj: Any) -> None:
    """`torch.save` to `path`, atomically."""
    import torch

    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def write_parquet(path: str | os.PathLike[str], frame: Any) -> None:
    """Write a pandas DataFrame as parquet (pyarrow), atomically."""
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False, engine="pyarrow")


def write_csv(path: str | os.PathLike[str], frame: Any) -> None:
    """Write a pandas DataFrame as CSV, atomically."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)
