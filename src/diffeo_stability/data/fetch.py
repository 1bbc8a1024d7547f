"""Find, verify and convert the original dataset files into `resources/data/{dataset}.npz`.

Sources, in order: mirror directories given explicitly, then those in the environment variable
`DIFFEO_DATA_MIRROR` (os.pathsep-separated), then the download cache, then the official URLs.
In a directory DIR the file NAME is looked for as DIR/NAME, DIR/<dataset>/NAME and (torchvision's
layout) DIR/<TorchvisionName>/raw/NAME, each also as NAME.gz. Checksums are md5 of the
uncompressed content, so re-gzipped copies verify. A file that fails verification is never used.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import shutil
import urllib.error
import urllib.request
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

from diffeo_stability.data.formats import read_cifar_tarball, read_idx_dataset, read_image_folder
from diffeo_stability.data.images import ImageDataset, label_counts, save_dataset
from diffeo_stability.data.registry import DatasetInfo, SourceFile
from diffeo_stability.errors import DataError
from diffeo_stability.io import atomic_path

log = logging.getLogger(__name__)

ENV_MIRROR = "DIFFEO_DATA_MIRROR"
CHUNK = 1 << 20  # bytes read at a time when hashing
DOWNLOAD_TIMEOUT_S = 60


def mirror_dirs(
    mirrors: Sequence[str | os.PathLike[str]], environ: Mapping[str, str] = os.environ
) -> list[Path]:
    """Explicit mirror directories followed by those listed in DIFFEO_DATA_MIRROR."""
    from_env = [p for p in environ.get(ENV_MIRROR, "").split(os.pathsep) if p]
    return [Path(m) for m in mirrors] + [Path(p) for p in from_env]


def candidate_paths(info: DatasetInfo, spec: SourceFile, directory: Path) -> list[Path]:
    """Every path where `spec` may sit in `directory`, in the order they are tried."""
    folders = [directory, directory / info.name]
    if info.torchvision_dir:
        folders.append(directory / info.torchvision_dir / "raw")
    names = [spec.name]
    if not spec.name.endswith(".gz"):
        names.append(f"{spec.name}.gz")
    if info.source_format == "image-folder":
        names.append(spec.name.removesuffix(".tar.gz"))  # an extracted tree
    return [folder / name for folder in folders for name in names]


def content_md5(path: Path, compressed: bool) -> str:
    """md5 hex digest of the content of `path`, gunzipped first when `compressed`."""
    digest = hashlib.md5()
    try:
        with gzip.open(path, "rb") if compressed else open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    except (EOFError, OSError, zlib.error) as err:
        raise DataError(f"{path}: unreadable, corrupted or truncated ({err})") from err
    return digest.hexdigest()


def _is_source(path: Path, info: DatasetInfo) -> bool:
    if path.is_dir():
        return info.source_format == "image-folder" and (path / "train").is_dir()
    return path.is_file()


def _check(path: Path, info: DatasetInfo, spec: SourceFile, name: str | None = None) -> str | None:
    """None if `path` (a copy named `name`, default its own) may be used as `spec`, else why not."""
    if spec.md5 is None:
        log.warning("%s: %s has no published checksum; using it unverified", info.name, path)
        return None
    try:
        actual = content_md5(path, compressed=(name or path.name) == f"{spec.name}.gz")
    except DataError as err:
        return f"unreadable, corrupted or truncated ({err.__cause__})"
    if actual != spec.md5:
        return f"md5 {actual} != expected {spec.md5}"
    log.info("%s: verified %s (md5 %s)", info.name, path, actual)
    return None


def _download(info: DatasetInfo, spec: SourceFile, url: str, cache: Path) -> Path:
    """Download `url` into `cache/<dataset>/` and keep it only if it verifies."""
    dest = cache / info.name / url.rsplit("/", 1)[-1]
    log.info("%s: downloading %s", info.name, url)
    with atomic_path(dest) as tmp:
        try:
            with (
                urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response,
                open(tmp, "wb") as handle,
            ):
                shutil.copyfileobj(response, handle, CHUNK)
        except (urllib.error.URLError, OSError) as err:
            raise DataError(f"{url}: download failed ({err})") from err
        problem = _check(tmp, info, spec, name=dest.name)
        if problem:
            raise DataError(f"{url}: {problem}")
    return dest


def locate_file(
    info: DatasetInfo,
    spec: SourceFile,
    directories: Sequence[Path],
    cache: Path | None,
    download: bool,
) -> Path:
    """Path of a verified copy of `spec`, from the directories, the cache or a download."""
    looked: list[str] = []
    searched = [*directories, *([cache] if cache else [])]
    for directory in searched:
        for path in candidate_paths(info, spec, directory):
            if not _is_source(path, info):
                looked.append(f"{path} (absent)")
                continue
            problem = _check(path, info, spec)
            if problem is None:
                return path
            looked.append(f"{path}: {problem}")
    if not download:
        looked.append("download skipped (--no-download)")
    elif not spec.urls:
        looked.append("no official download URL")
    elif cache is None:
        looked.append("download skipped (no cache directory)")
    for url in spec.urls if download and cache else ():
        try:
            return _download(info, spec, url, cache)
        except DataError as err:
            looked.append(str(err))
    expected = f"md5 {spec.md5} of the uncompressed content" if spec.md5 else "no checksum"
    files = ", ".join(f.name for f in info.files)
    raise DataError(
        f"{info.name}: no usable copy of {spec.name} (expected {expected}); "
        f"looked in: {'; '.join(looked) or 'no directories given'}. Put the original files "
        f"({files}) in a directory and name it with `data: {{mirrors: [DIR]}}` in the config "
        f"or `export {ENV_MIRROR}=DIR`"
    )


def parse_sources(info: DatasetInfo, paths: Sequence[Path]) -> ImageDataset:
    """Read the located original files of `info` (in the order of `info.files`)."""
    if info.source_format == "idx":
        return read_idx_dataset(info.name, paths[0::2], paths[1::2], info.classes)
    if info.source_format == "cifar-pickle":
        return read_cifar_tarball(info.name, paths[0])
    return read_image_folder(info.name, paths[0], info.classes, info.channels, info.image_size)


def check_against_registry(info: DatasetInfo, dataset: ImageDataset, source: str) -> None:
    """Image shape and class names must match `info`; so must the sizes for real datasets."""
    shape = (info.channels, info.image_size, info.image_size)
    problems = []
    if dataset.x_train.shape[1:] != shape:
        problems.append(f"images are {dataset.x_train.shape[1:]}, expected {shape}")
    if tuple(dataset.classes) != info.classes:
        problems.append(f"classes {dataset.classes} != {list(info.classes)}")
    sizes = (len(dataset.y_train), len(dataset.y_test))
    if not info.synthetic and sizes != (info.n_train, info.n_test):
        problems.append(f"train/test sizes {sizes} != {(info.n_train, info.n_test)}")
    if problems:
        raise DataError(f"{source}: " + "; ".join(problems))


def fetch_dataset(
    info: DatasetInfo,
    out: Path,
    mirrors: Sequence[str | os.PathLike[str]] = (),
    cache: Path | None = None,
    download: bool = True,
    environ: Mapping[str, str] = os.environ,
) -> ImageDataset:
    """Locate and verify `info`'s files, convert them, write `out` (.npz); return the dataset."""
    if info.synthetic:
        log.warning("%s is synthetic: no published checksum exists for it", info.name)
    directories = mirror_dirs(mirrors, environ)
    paths = [locate_file(info, spec, directories, cache, download) for spec in info.files]
    dataset = parse_sources(info, paths)
    check_against_registry(info, dataset, str(paths[0]))
    for split in ("train", "test"):
        counts = label_counts(getattr(dataset, f"y_{split}"), len(dataset.classes))
        log.info("%s %s: %d images, label counts %s", info.name, split, sum(counts), counts)
    save_dataset(out, dataset)
    log.info("%s: wrote %s", info.name, out)
    return dataset
