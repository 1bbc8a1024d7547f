"""Locating, verifying and converting original files (synthetic originals; real ones if present)."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import logging
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest

from diffeo_stability.cli import main
from diffeo_stability.data.fetch import ENV_MIRROR, fetch_dataset
from diffeo_stability.data.images import load_dataset
from diffeo_stability.data.registry import DATASETS, DatasetInfo
from diffeo_stability.data.synthetic import make_dataset, write_synthetic
from diffeo_stability.errors import DataError

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NO_ENV: dict[str, str] = {}
IMAGES = "train-images-idx3-ubyte"


def with_md5s(info: DatasetInfo, directory: Path) -> DatasetInfo:
    """`info` with the md5s of the uncompressed `<name>.gz` files in `directory` injected."""
    files = tuple(
        dataclasses.replace(
            f,
            md5=hashlib.md5(gzip.decompress((directory / f"{f.name}.gz").read_bytes())).hexdigest(),
        )
        for f in info.files
    )
    return dataclasses.replace(info, files=files, synthetic=False, n_train=40, n_test=20)


@pytest.fixture
def originals(tmp_path: Path) -> tuple[DatasetInfo, Path]:
    """Synthetic MNIST-format originals in tmp/orig, with their true md5s in the registry entry."""
    directory = tmp_path / "orig"
    write_synthetic(DATASETS["synth-mnist"], directory, 40, 20, seed=0)
    return with_md5s(DATASETS["synth-mnist"], directory), directory


def flip_byte(path: Path, offset: int = 500) -> None:
    content = bytearray(gzip.decompress(path.read_bytes()))
    content[offset] ^= 0xFF
    path.write_bytes(gzip.compress(bytes(content)))


def test_good_originals_convert(originals, tmp_path: Path, caplog) -> None:
    info, directory = originals
    out = tmp_path / "out" / "d.npz"
    with caplog.at_level(logging.INFO):
        dataset = fetch_dataset(info, out, [directory], download=False, environ=NO_ENV)
    expected = make_dataset(DATASETS["synth-mnist"], 40, 20, seed=0)
    loaded = load_dataset(out)
    for key in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(loaded, key), getattr(expected, key))
        np.testing.assert_array_equal(getattr(dataset, key), getattr(expected, key))
    assert caplog.text.count("verified") == 4
    assert "label counts [4, 4, 4, 4, 4, 4, 4, 4, 4, 4]" in caplog.text


def test_regzipped_and_plain_copies_verify(originals, tmp_path: Path) -> None:
    info, directory = originals
    other = tmp_path / "other"
    other.mkdir()
    for i, f in enumerate(info.files):
        content = gzip.decompress((directory / f"{f.name}.gz").read_bytes())
        if i % 2:
            (other / f.name).write_bytes(content)  # uncompressed
        else:  # different level and header: the archive md5 changes, the content md5 does not
            (other / f"{f.name}.gz").write_bytes(gzip.compress(content, compresslevel=1, mtime=7))
    assert (other / f"{IMAGES}.gz").read_bytes() != (directory / f"{IMAGES}.gz").read_bytes()
    fetch_dataset(info, tmp_path / "d.npz", [other], download=False, environ=NO_ENV)
    assert (tmp_path / "d.npz").exists()


def test_flipped_byte_is_refused(originals, tmp_path: Path) -> None:
    info, directory = originals
    flip_byte(directory / f"{IMAGES}.gz")
    out = tmp_path / "d.npz"
    expected_md5 = info.files[0].md5
    with pytest.raises(DataError) as err:
        fetch_dataset(info, out, [directory], download=False, environ=NO_ENV)
    message = str(err.value)
    assert f"{directory / IMAGES}.gz: md5 " in message
    assert f"!= expected {expected_md5}" in message
    actual = hashlib.md5(gzip.decompress((directory / f"{IMAGES}.gz").read_bytes())).hexdigest()
    assert actual in message
    assert not out.exists()


def test_truncated_gzip_is_refused(originals, tmp_path: Path) -> None:
    info, directory = originals
    path = directory / f"{IMAGES}.gz"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match=rf"{IMAGES}\.gz: unreadable, corrupted or truncated") as e:
        fetch_dataset(info, tmp_path / "d.npz", [directory], download=False, environ=NO_ENV)
    assert info.files[0].md5 in str(e.value)
    assert not (tmp_path / "d.npz").exists()


def test_missing_file_names_every_place(originals, tmp_path: Path) -> None:
    info, directory = originals
    info = dataclasses.replace(info, torchvision_dir="MNIST")
    (directory / f"{IMAGES}.gz").unlink()
    with pytest.raises(DataError) as err:
        fetch_dataset(info, tmp_path / "d.npz", [directory], download=False, environ=NO_ENV)
    message = str(err.value)
    for place in (
        directory / IMAGES,
        directory / f"{IMAGES}.gz",
        directory / info.name / IMAGES,
        directory / "MNIST" / "raw" / f"{IMAGES}.gz",
    ):
        assert f"{place} (absent)" in message
    assert "download skipped (--no-download)" in message
    assert f"no usable copy of {IMAGES} (expected md5 {info.files[0].md5}" in message
    assert "data: {mirrors: [DIR]}" in message and "DIFFEO_DATA_MIRROR=DIR" in message
    assert all(spec.name in message for spec in info.files)


def test_mirror_order_layouts_and_environment(originals, tmp_path: Path) -> None:
    info, directory = originals
    info = dataclasses.replace(info, torchvision_dir="MNIST")
    bad, good = tmp_path / "bad", tmp_path / "good"
    shutil.copytree(directory, bad / info.name)  # DIR/<dataset>/NAME layout
    flip_byte(bad / info.name / f"{IMAGES}.gz")
    shutil.copytree(directory, good / "MNIST" / "raw")  # torchvision's layout
    env = {ENV_MIRROR: f"{tmp_path / 'nowhere'}:{good}"}
    dataset = fetch_dataset(info, tmp_path / "d.npz", [bad], download=False, environ=env)
    assert len(dataset.y_train) == 40
    only_nowhere = {ENV_MIRROR: str(tmp_path / "nowhere")}
    with pytest.raises(DataError) as err:
        fetch_dataset(info, tmp_path / "e.npz", [bad], download=False, environ=only_nowhere)
    message = str(err.value)
    assert f"{bad / info.name / IMAGES}.gz: md5 " in message
    assert f"{tmp_path / 'nowhere' / 'MNIST' / 'raw' / IMAGES}.gz (absent)" in message
    assert message.index(str(bad)) < message.index(str(tmp_path / "nowhere"))


def test_download_goes_through_cache_and_is_verified(originals, tmp_path: Path) -> None:
    info, directory = originals
    files = tuple(
        dataclasses.replace(f, urls=((directory / f"{f.name}.gz").as_uri(),)) for f in info.files
    )
    cache = tmp_path / "cache"
    fetch_dataset(
        dataclasses.replace(info, files=files), tmp_path / "d.npz", cache=cache, environ=NO_ENV
    )
    assert sorted(p.name for p in (cache / info.name).iterdir()) == sorted(
        f"{f.name}.gz" for f in info.files
    )
    shutil.rmtree(cache)
    flip_byte(directory / f"{IMAGES}.gz")
    with pytest.raises(DataError, match=f"{IMAGES}.gz: md5 .* != expected {info.files[0].md5}"):
        fetch_dataset(
            dataclasses.replace(info, files=files), tmp_path / "e.npz", cache=cache, environ=NO_ENV
        )
    assert not any(p.name.startswith(IMAGES) for p in (cache / info.name).iterdir())


def test_cifar10_tarball_checksum_enforced(tmp_path: Path) -> None:
    write_synthetic(DATASETS["synth-cifar10"], tmp_path, 10, 5, seed=0)
    with pytest.raises(DataError, match="expected c58f30108f718f92721af3b95e74349a"):
        fetch_dataset(
            DATASETS["cifar10"], tmp_path / "c.npz", [tmp_path], download=False, environ=NO_ENV
        )


def test_image_folder_source_from_archive_or_tree(tmp_path: Path) -> None:
    info = dataclasses.replace(DATASETS["cifar10-jpeg"], n_train=20, n_test=10)
    write_synthetic(info, tmp_path / "src", 20, 10, seed=0)  # tree src/cifar10-jpeg/{train,test}
    tree = fetch_dataset(
        info, tmp_path / "a.npz", [tmp_path / "src"], download=False, environ=NO_ENV
    )
    archive_dir = tmp_path / "mirror" / "cifar10-jpeg"
    archive_dir.mkdir(parents=True)
    with tarfile.open(archive_dir / "cifar10-jpeg.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "src" / "cifar10-jpeg" / "train", arcname="train")
        tar.add(tmp_path / "src" / "cifar10-jpeg" / "test", arcname="test")
    archive = fetch_dataset(
        info, tmp_path / "b.npz", [tmp_path / "mirror"], download=False, environ=NO_ENV
    )
    np.testing.assert_array_equal(tree.x_train, archive.x_train)
    assert load_dataset(tmp_path / "b.npz").name == "cifar10-jpeg"
    with pytest.raises(DataError, match=r"train/test sizes \(20, 10\) != \(50000, 10000\)"):
        fetch_dataset(
            DATASETS["cifar10-jpeg"],
            tmp_path / "c.npz",
            [tmp_path / "src"],
            download=False,
            environ=NO_ENV,
        )


def test_cli_synth_then_fetch(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(ENV_MIRROR, raising=False)
    for name in ("synth-mnist", "synth-cifar10"):
        assert (
            main(
                [
                    "synth-data",
                    name,
                    "--out",
                    str(tmp_path / name),
                    "--n-train",
                    "30",
                    "--n-test",
                    "10",
                    "--seed",
                    "1",
                ]
            )
            == 0
        )
        out = tmp_path / f"{name}.npz"
        assert (
            main(
                [
                    "fetch-data",
                    name,
                    "--out",
                    str(out),
                    "--mirror",
                    str(tmp_path / name),
                    "--no-download",
                ]
            )
            == 0
        )
        dataset = load_dataset(out)
        info = DATASETS[name]
        assert dataset.x_train.shape == (30, info.channels, info.image_size, info.image_size)
        assert dataset.classes == list(info.classes) and dataset.name == name
    assert (
        main(
            [
                "fetch-data",
                "mnist",
                "--out",
                str(tmp_path / "m.npz"),
                "--mirror",
                str(tmp_path / "synth-mnist"),
                "--no-download",
            ]
        )
        == 1
    )
    assert main(["synth-data", "mnist", "--out", str(tmp_path / "x")]) == 1


PUBLISHED_COUNTS = {
    "mnist": (
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    ),
    "fashionmnist": ([6000] * 10, [1000] * 10),
}


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared data copies absent")
@pytest.mark.parametrize("name", sorted(PUBLISHED_COUNTS))
def test_real_idx_data_label_counts(name: str, tmp_path: Path) -> None:
    if not (SHARED_DATA / name).is_dir():
        pytest.skip(f"{SHARED_DATA / name} absent")
    out = tmp_path / f"{name}.npz"
    fetch_dataset(DATASETS[name], out, [SHARED_DATA], download=False, environ=NO_ENV)
    dataset = load_dataset(out)
    train, test = PUBLISHED_COUNTS[name]
    assert np.bincount(dataset.y_train, minlength=10).tolist() == train
    assert np.bincount(dataset.y_test, minlength=10).tolist() == test
    assert dataset.x_train.shape == (60000, 1, 28, 28) and dataset.x_train.max() == 255
