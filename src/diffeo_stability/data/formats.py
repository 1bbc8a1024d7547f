"""Readers and writers of the original dataset formats.

- IDX (MNIST, Fashion-MNIST): big-endian header `0 0 0x08 ndim`, ndim uint32 sizes, uint8 data;
  plain or gzipped.
- CIFAR-10 python version: a tar.gz holding `cifar-10-batches-py/{data_batch_1..5, test_batch,
  batches.meta}`, each a pickle of a dict with bytes keys (`b"data"`: uint8 (N, 3072) planes
  R, G, B row-major; `b"labels"`; `b"label_names"` in the meta file).
- Image folders: `{train,test}/<class>/*.png|jpg`, as a directory or inside a tar.gz, optionally
  under one top-level folder.
Every malformed input raises DataError naming the file.
"""

from __future__ import annotations

import gzip
import io
import pickle
import tarfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath

import numpy as np

from diffeo_stability.data.images import ImageDataset
from diffeo_stability.errors import DataError

IDX_UBYTE = 0x08
CIFAR_DIR = "cifar-10-batches-py"
CIFAR_TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
SPLITS = ("train", "test")
#: seed of the fixed order of the images read from class folders (`read_image_folder`)
FOLDER_ORDER_SEED = 0


def read_maybe_gzip(path: Path) -> bytes:
    """Content of `path`, gunzipped when it starts with the gzip magic; DataError if truncated."""
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as err:
        raise DataError(f"{path}: corrupted or truncated gzip file ({err})") from err


def parse_idx(content: bytes, source: str) -> np.ndarray:
    """Decode IDX bytes of unsigned-byte type into an array of the declared shape."""
    if len(content) < 4 or content[:2] != b"\x00\x00" or content[2] != IDX_UBYTE:
        raise DataError(f"{source}: not an unsigned-byte IDX file (magic {content[:4].hex()})")
    ndim = content[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(content) < header:
        raise DataError(f"{source}: IDX header truncated or has {ndim} dimensions")
    shape = tuple(int(d) for d in np.frombuffer(content, ">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape))
    if len(content) != expected:
        raise DataError(
            f"{source}: IDX shape {shape} needs {expected} bytes, file has {len(content)}"
        )
    return np.frombuffer(content, np.uint8, offset=header).reshape(shape)


def encode_idx(array: np.ndarray) -> bytes:
    """IDX bytes (unsigned-byte type) of a uint8 array."""
    if array.dtype != np.uint8:
        raise ValueError(f"IDX writer takes uint8, got {array.dtype}")
    header = bytes([0, 0, IDX_UBYTE, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    return header + np.ascontiguousarray(array).tobytes()


def read_idx_dataset(
    name: str, images: Sequence[Path], labels: Sequence[Path], classes: Sequence[str]
) -> ImageDataset:
    """Dataset from IDX files: `images`/`labels` are the (train, test) paths."""
    arrays = {}
    for split, img_path, lab_path in zip(SPLITS, images, labels, strict=True):
        x = parse_idx(read_maybe_gzip(img_path), str(img_path))
        y = parse_idx(read_maybe_gzip(lab_path), str(lab_path))
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise DataError(
                f"{img_path} {x.shape} and {lab_path} {y.shape} are not images (N, H, W) with "
                "N labels"
            )
        arrays[f"x_{split}"], arrays[f"y_{split}"] = x[:, None], y.astype(np.int64)
    return ImageDataset(name=name, classes=list(classes), **arrays).validate(str(images[0]))


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickler that rebuilds numpy arrays and builtins only, nothing executable."""

    ALLOWED = {
        ("_codecs", "encode"),  # how Python 3 writes bytes at protocol 2
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
    }

    def find_class(self, module: str, name: str):  # noqa: ANN201 (pickle protocol)
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def _unpickle(data: bytes, source: str) -> dict:
    try:
        obj = _NumpyOnlyUnpickler(io.BytesIO(data), encoding="bytes").load()
    except Exception as err:  # any decoding failure is a data problem
        raise DataError(f"{source}: cannot unpickle ({err})") from err
    if not isinstance(obj, dict):
        raise DataError(f"{source}: expected a pickled dict, got {type(obj).__name__}")
    return obj


def _cifar_batch(batch: dict, source: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except KeyError as err:
        raise DataError(f"{source}: batch lacks key {err}") from err
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise DataError(f"{source}: data {data.shape} / labels {labels.shape} are not (N, 3072)")
    return data.reshape(-1, 3, 32, 32), labels


def read_cifar_tarball(name: str, path: Path) -> ImageDataset:
    """Dataset from the CIFAR-10 python tarball (`cifar-10-python.tar.gz` layout)."""
    wanted = (*CIFAR_TRAIN_BATCHES, "test_batch", "batches.meta")
    found: dict[str, dict] = {}
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                base = PurePosixPath(member.name)
                if member.isfile() and base.parent.name == CIFAR_DIR and base.name in wanted:
                    data = tar.extractfile(member).read()  # type: ignore[union-attr]
                    found[base.name] = _unpickle(data, f"{path}:{member.name}")
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise DataError(f"{path}: corrupted or truncated tar archive ({err})") from err
    missing = [w for w in wanted if w not in found]
    if missing:
        raise DataError(f"{path}: missing {[f'{CIFAR_DIR}/{m}' for m in missing]}")
    train = [_cifar_batch(found[b], f"{path}:{b}") for b in CIFAR_TRAIN_BATCHES]
    x_test, y_test = _cifar_batch(found["test_batch"], f"{path}:test_batch")
    classes = [
        c.decode() if isinstance(c, bytes) else str(c)
        for c in found["batches.meta"].get(b"label_names", [])
    ]
    if not classes:
        raise DataError(f"{path}: batches.meta has no label_names")
    return ImageDataset(
        name=name,
        x_train=np.concatenate([x for x, _ in train]),
        y_train=np.concatenate([y for _, y in train]),
        x_test=x_test,
        y_test=y_test,
        classes=classes,
    ).validate(str(path))


def write_cifar_tarball(path: Path, dataset: ImageDataset) -> None:
    """Write `dataset` (3x32x32) in the CIFAR-10 python tarball layout, 5 train batches."""

    def batch(label: str, x: np.ndarray, y: np.ndarray) -> bytes:
        content = {
            b"batch_label": label.encode(),
            b"labels": y.tolist(),
            b"data": np.ascontiguousarray(x).reshape(len(x), -1),
            b"filenames": [f"{label}_{i:05d}.png".encode() for i in range(len(x))],
        }
        return pickle.dumps(content, protocol=2)

    meta = {
        b"label_names": [c.encode() for c in dataset.classes],
        b"num_cases_per_batch": -(-len(dataset.x_train) // 5),
        b"num_vis": 3 * 32 * 32,
    }
    chunks = np.array_split(np.arange(len(dataset.x_train)), 5)
    members = {
        **{
            b: batch(b, dataset.x_train[i], dataset.y_train[i])
            for b, i in zip(CIFAR_TRAIN_BATCHES, chunks, strict=True)
        },
        "test_batch": batch("test_batch", dataset.x_test, dataset.y_test),
        "batches.meta": pickle.dumps(meta, protocol=2),
    }
    with tarfile.open(path, "w:gz") as tar:
        for member, data in members.items():
            info = tarfile.TarInfo(f"{CIFAR_DIR}/{member}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _image_entries(root: Path) -> Iterator[tuple[PurePosixPath, bytes]]:
    """(relative path, file bytes) of every image file under a directory or inside a tar.gz."""
    if root.is_dir():
        for file in sorted(root.rglob("*")):
            if file.suffix.lower() in IMAGE_SUFFIXES and file.is_file():
                yield PurePosixPath(file.relative_to(root).as_posix()), file.read_bytes()
        return
    try:
        with tarfile.open(root, "r:*") as tar:
            for member in tar:
                if member.isfile() and PurePosixPath(member.name).suffix.lower() in IMAGE_SUFFIXES:
                    data = tar.extractfile(member).read()  # type: ignore[union-attr]
                    yield PurePosixPath(member.name), data
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise DataError(f"{root}: corrupted or truncated tar archive ({err})") from err


def _decode(data: bytes, mode: str, source: str) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return np.asarray(image.convert(mode))
    except (UnidentifiedImageError, OSError) as err:
        raise DataError(f"{source}: cannot decode image ({err})") from err


def read_image_folder(
    name: str, root: Path, classes: Sequence[str], channels: int, image_size: int
) -> ImageDataset:
    """Dataset from `{train,test}/<class>/*` images; labels follow the order of `classes`.

    The original sample order is not recoverable from class folders: the images are sorted by
    (class, path), then put in one fixed pseudo-random order per split (`FOLDER_ORDER_SEED`), so
    that any prefix of the test set (the probe measures the first n_probe images) mixes the
    classes as the original CIFAR-10 order does, instead of holding one class.
    """
    index = {c: k for k, c in enumerate(classes)}
    mode = "L" if channels == 1 else "RGB"
    items: dict[str, list[tuple[str, int, np.ndarray]]] = {s: [] for s in SPLITS}
    for rel, data in _image_entries(root):
        if len(rel.parts) < 3 or rel.parts[-3] not in items:
            continue
        split, cls = rel.parts[-3:-1]
        if cls not in index:
            raise DataError(f"{root}: unknown class folder {rel.parent} (classes: {list(classes)})")
        image = _decode(data, mode, f"{root}:{rel}")
        if image.shape[:2] != (image_size, image_size):
            raise DataError(f"{root}:{rel}: image is {image.shape[:2]}, expected {image_size}^2")
        items[split].append((str(rel), index[cls], image))
    arrays = {}
    for split, entries in items.items():
        if not entries:
            raise DataError(f"{root}: no images under {split}/<class>/")
        entries.sort(key=lambda e: (e[1], e[0]))
        order = np.random.default_rng([FOLDER_ORDER_SEED, SPLITS.index(split)])
        entries = [entries[k] for k in order.permutation(len(entries))]
        x = np.stack([e[2] for e in entries]).reshape(len(entries), image_size, image_size, -1)
        arrays[f"x_{split}"] = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        arrays[f"y_{split}"] = np.array([e[1] for e in entries], dtype=np.int64)
    return ImageDataset(name=name, classes=list(classes), **arrays).validate(str(root))


def write_image_folder(root: Path, dataset: ImageDataset, suffix: str = ".png") -> None:
    """Write `dataset` as `root/{train,test}/<class>/NNNNN<suffix>` (lossless for PNG)."""
    from PIL import Image

    for split in SPLITS:
        x, y = getattr(dataset, f"x_{split}"), getattr(dataset, f"y_{split}")
        for cls in dataset.classes:
            (root / split / cls).mkdir(parents=True, exist_ok=True)
        hwc = x.transpose(0, 2, 3, 1)
        for i, (image, label) in enumerate(zip(_squeeze_gray(hwc), y, strict=True)):
            Image.fromarray(image).save(root / split / dataset.classes[label] / f"{i:05d}{suffix}")


def _squeeze_gray(hwc: np.ndarray) -> Iterable[np.ndarray]:
    return hwc[..., 0] if hwc.shape[-1] == 1 else hwc
