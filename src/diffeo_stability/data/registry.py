"""Registry of the datasets the workflow knows: original files, sizes, normalisation, augmentation.

Torch-free on purpose: the Snakefile and the config schema import it.

Checksums are md5 hex digests of the UNCOMPRESSED original content for the IDX files (so a
re-gzipped mirror still verifies) and of the archive itself for the CIFAR-10 tarball (the md5
published with it). Two kinds of entries have no published checksum (`md5=None`) and are
converted unverified, with a warning in the log:
- `cifar10-jpeg`: a JPEG (quality 75) re-encoding of CIFAR-10 in an image-folder tree
  `{train,test}/<class>/*.jpg`, read from the archive `cifar10-jpeg.tar.gz` or from the extracted
  folder `cifar10-jpeg/`. It is near-CIFAR data and is never labelled `cifar10`.
- `synth-mnist`, `synth-cifar10`: tiny learnable datasets written by `diffeo-stability synth-data`
  in the exact original formats (gzipped IDX; CIFAR python-pickle tarball), for tests and the
  smoke workflow. Their `n_train`/`n_test` are the generator's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

SourceFormat = Literal["idx", "cifar-pickle", "image-folder"]
Augmentation = Literal["crop_flip", "none"]
Normalization = tuple[tuple[float, ...], tuple[float, ...]]


@dataclass(frozen=True)
class SourceFile:
    """One original file: its name, md5 (None: unpublished) and official download URLs.

    `name` is the uncompressed name for IDX files (a mirror may hold `name` or `name.gz`);
    `urls` are tried in order.
    """

    name: str
    md5: str | None
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class DatasetInfo:
    """Static description of a dataset; images are `channels` x `image_size` x `image_size`."""

    name: str
    source_format: SourceFormat
    files: tuple[SourceFile, ...]
    n_train: int
    n_test: int
    image_size: int
    channels: int
    classes: tuple[str, ...]
    normalization: Normalization | None
    augmentation: Augmentation
    synthetic: bool = False
    torchvision_dir: str | None = None  # folder name in torchvision's layout DIR/<name>/raw/

    @property
    def num_classes(self) -> int:
        return len(self.classes)


IDX_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
CIFAR10_TARBALL = "cifar-10-python.tar.gz"
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
MNIST_CLASSES = tuple(str(d) for d in range(10))
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
CIFAR10_NORMALIZATION: Normalization = ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010))

_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
_FASHION_MIRRORS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)


def _idx_files(md5s: tuple[str | None, ...], mirrors: tuple[str, ...]) -> tuple[SourceFile, ...]:
    return tuple(
        SourceFile(name, md5, tuple(f"{m}{name}.gz" for m in mirrors))
        for name, md5 in zip(IDX_NAMES, md5s, strict=True)
    )


_CIFAR10 = DatasetInfo(
    name="cifar10",
    source_format="cifar-pickle",
    files=(
        SourceFile(
            CIFAR10_TARBALL,
            "c58f30108f718f92721af3b95e74349a",
            ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
        ),
    ),
    n_train=50000,
    n_test=10000,
    image_size=32,
    channels=3,
    classes=CIFAR10_CLASSES,
    normalization=CIFAR10_NORMALIZATION,
    augmentation="crop_flip",
)


DATASETS: dict[str, DatasetInfo] = {
    "mnist": DatasetInfo(
        name="mnist",
        source_format="idx",
        files=_idx_files(
            (
                "6bbc9ace898e44ae57da46a324031adb",
                "a25bea736e30d166cdddb491f175f624",
                "2646ac647ad5339dbf082846283269ea",
                "27ae3e4e09519cfbb04c329615203637",
            ),
            _MNIST_MIRRORS,
        ),
        n_train=60000,
        n_test=10000,
        image_size=28,
        channels=1,
        classes=MNIST_CLASSES,
        normalization=None,
        augmentation="none",
        torchvision_dir="MNIST",
    ),
    "fashionmnist": DatasetInfo(
        name="fashionmnist",
        source_format="idx",
        files=_idx_files(
            (
                "f4a8712d7a061bf5bd6d2ca38dc4d50a",
                "9018921c3c673c538a1fc5bad174d6f9",
                "8181f5470baa50b63fa0f6fddb340f0a",
                "15d484375f8d13e6eb1aabb0c3f46965",
            ),
            _FASHION_MIRRORS,
        ),
        n_train=60000,
        n_test=10000,
        image_size=28,
        channels=1,
        classes=FASHION_CLASSES,
        normalization=((0.5,), (0.5,)),
        augmentation="none",
        torchvision_dir="FashionMNIST",
    ),
    "cifar10": _CIFAR10,
    # the JPEG re-encoding (quality 75) of CIFAR-10: same shapes and classes, its own name
    "cifar10-jpeg": replace(
        _CIFAR10,
        name="cifar10-jpeg",
        source_format="image-folder",
        files=(SourceFile("cifar10-jpeg.tar.gz", None),),
    ),
    "synth-mnist": DatasetInfo(
        name="synth-mnist",
        source_format="idx",
        files=_idx_files((None,) * 4, ()),
        n_train=1024,
        n_test=256,
        image_size=28,
        channels=1,
        classes=MNIST_CLASSES,
        normalization=None,
        augmentation="none",
        synthetic=True,
    ),
    "synth-cifar10": DatasetInfo(
        name="synth-cifar10",
        source_format="cifar-pickle",
        files=(SourceFile(CIFAR10_TARBALL, None),),
        n_train=1024,
        n_test=256,
        image_size=32,
        channels=3,
        classes=CIFAR10_CLASSES,
        normalization=CIFAR10_NORMALIZATION,
        augmentation="crop_flip",
        synthetic=True,
    ),
}


def run_augmentation(option: str | None, dataset: str) -> str:
    """The augmentation a run trained with: its hyper-parameter `option`, "auto" (or None: a
    run written before the option) resolved to the data set's own (`DatasetInfo.augmentation`;
    "none" for a data set outside the registry, e.g. pretrained ImageNet nets)."""
    if option not in (None, "auto"):
        return str(option)
    return DATASETS[dataset].augmentation if dataset in DATASETS else "none"


def get_dataset(name: str) -> DatasetInfo:
    """Registry entry for `name`; raises ConfigError naming the allowed names."""
    from diffeo_stability.errors import lookup

    return lookup(DATASETS, name, "dataset")
