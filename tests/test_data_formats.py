"""Readers/writers of the original formats and the .npz storage, on synthetic data."""

from __future__ import annotations

import dataclasses
import gzip
import tarfile
from pathlib import Path

import numpy as np
import pytest

from diffeo_stability.data.formats import (
    encode_idx,
    parse_idx,
    read_cifar_tarball,
    read_image_folder,
    read_maybe_gzip,
    write_cifar_tarball,
    write_image_folder,
)
from diffeo_stability.data.images import ImageDataset, load_dataset, save_dataset
from diffeo_stability.data.registry import DATASETS
from diffeo_stability.data.synthetic import make_dataset
from diffeo_stability.errors import DataError


def assert_same(a: ImageDataset, b: ImageDataset) -> None:
    for key in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key), err_msg=key)
    assert a.classes == b.classes and a.name == b.name


def test_idx_round_trip_and_header() -> None:
    x = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    content = encode_idx(x)
    assert content[:4] == bytes([0, 0, 8, 3])
    assert content[4:16] == bytes([0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4])
    np.testing.assert_array_equal(parse_idx(content, "f"), x)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c[:-1], "needs 40 bytes, file has 39"),
        (lambda c: c + b"\x00", "file has 41"),
        (lambda c: b"\x00\x00\x0d" + c[3:], "not an unsigned-byte IDX"),
        (lambda c: c[:9], "header truncated"),
    ],
)
def test_idx_malformed_names_file(mutate, message: str) -> None:
    content = encode_idx(np.zeros((2, 3, 4), np.uint8))
    with pytest.raises(DataError, match=f"some/file.*{message}"):
        parse_idx(mutate(content), "some/file")


def test_truncated_gzip_names_file(tmp_path: Path) -> None:
    path = tmp_path / "a.gz"
    path.write_bytes(gzip.compress(encode_idx(np.ones((50, 7), np.uint8)))[:-10])
    with pytest.raises(DataError, match=r"a\.gz.*truncated"):
        read_maybe_gzip(path)


def test_plain_and_gzip_read_the_same(tmp_path: Path) -> None:
    content = encode_idx(np.ones((5, 7), np.uint8))
    (tmp_path / "p").write_bytes(content)
    (tmp_path / "p.gz").write_bytes(gzip.compress(content))
    assert read_maybe_gzip(tmp_path / "p") == read_maybe_gzip(tmp_path / "p.gz") == content


def test_cifar_tarball_round_trip(tmp_path: Path) -> None:
    dataset = make_dataset(DATASETS["synth-cifar10"], 23, 7, seed=1)
    path = tmp_path / "cifar-10-python.tar.gz"
    write_cifar_tarball(path, dataset)
    with tarfile.open(path) as tar:
        names = sorted(tar.getnames())
    assert names == sorted(
        f"cifar-10-batches-py/{n}"
        for n in ("batches.meta", "test_batch", *(f"data_batch_{i}" for i in range(1, 6)))
    )
    assert_same(read_cifar_tarball("synth-cifar10", path), dataset)


def test_cifar_tarball_truncated_or_incomplete(tmp_path: Path) -> None:
    dataset = make_dataset(DATASETS["synth-cifar10"], 20, 5, seed=1)
    good = tmp_path / "good.tar.gz"
    write_cifar_tarball(good, dataset)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DataError, match=r"cut\.tar\.gz"):
        read_cifar_tarball("x", cut)
    partial = tmp_path / "partial.tar.gz"
    with tarfile.open(good) as src, tarfile.open(partial, "w:gz") as dst:
        for member in src:
            if not member.name.endswith("test_batch"):
                dst.addfile(member, src.extractfile(member))
    with pytest.raises(DataError, match=r"partial\.tar\.gz.*test_batch"):
        read_cifar_tarball("x", partial)


def test_cifar_pickle_refuses_code(tmp_path: Path) -> None:
    import io
    import pickle

    evil = pickle.dumps({b"data": print}, protocol=2)
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
        info.size = len(evil)
        tar.addfile(info, io.BytesIO(evil))
    with pytest.raises(
        DataError, match=r"data_batch_1: cannot unpickle \(refusing to load .*print"
    ):
        read_cifar_tarball("x", path)


def test_image_folder_keeps_registry_class_order(tmp_path: Path) -> None:
    info = dataclasses.replace(
        DATASETS["synth-cifar10"], classes=("zebra", "apple", "mango"), name="toy"
    )
    dataset = make_dataset(info, 12, 6, seed=2)
    write_image_folder(tmp_path / "tree", dataset)
    assert sorted(p.name for p in (tmp_path / "tree" / "train").iterdir()) == [
        "apple",
        "mango",
        "zebra",
    ]
    back = read_image_folder("toy", tmp_path / "tree", info.classes, 3, 32)
    assert back.classes == ["zebra", "apple", "mango"]
    # PNG is lossless, so each class holds the same images (in the reader's fixed order)
    for split in ("train", "test"):
        x, y = getattr(dataset, f"x_{split}"), getattr(dataset, f"y_{split}")
        bx, by = getattr(back, f"x_{split}"), getattr(back, f"y_{split}")
        assert np.bincount(by, minlength=3).tolist() == np.bincount(y, minlength=3).tolist()
        for k in range(3):
            assert sorted(i.tobytes() for i in bx[by == k]) == sorted(
                i.tobytes() for i in x[y == k]
            )


def test_image_folder_order_mixes_the_classes(tmp_path: Path) -> None:
    """Class folders lose the original order; the reader's fixed order must not be grouped by
    class, or the probe's first n_probe test images would all be of one class."""
    info = dataclasses.replace(DATASETS["synth-cifar10"], name="toy")
    dataset = make_dataset(info, 10, 200, seed=4)
    dataset = dataclasses.replace(
        dataset,
        x_test=dataset.x_test[np.argsort(dataset.y_test, kind="stable")],
        y_test=np.sort(dataset.y_test),
    )  # written class by class, as the folders of the JPEG copy are
    write_image_folder(tmp_path / "tree", dataset)
    first = read_image_folder("toy", tmp_path / "tree", info.classes, 3, 32)
    again = read_image_folder("toy", tmp_path / "tree", info.classes, 3, 32)
    np.testing.assert_array_equal(first.y_test, again.y_test)  # the same order every time
    assert len(set(first.y_test[:20].tolist())) >= 5


def test_image_folder_from_tarball_with_top_folder(tmp_path: Path) -> None:
    info = DATASETS["synth-mnist"]
    dataset = make_dataset(info, 20, 10, seed=3)
    write_image_folder(tmp_path / "top", dataset)
    archive = tmp_path / "tree.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "top", arcname="top")
    from_dir = read_image_folder("m", tmp_path / "top", info.classes, 1, 28)
    from_tar = read_image_folder("m", archive, info.classes, 1, 28)
    assert_same(from_dir, from_tar)
    assert from_tar.x_train.shape == (20, 1, 28, 28)


def test_image_folder_errors(tmp_path: Path) -> None:
    info = DATASETS["synth-cifar10"]
    dataset = make_dataset(info, 10, 10, seed=4)
    write_image_folder(tmp_path / "t", dataset)
    (tmp_path / "t" / "train" / "unicorn").mkdir()
    first = sorted((tmp_path / "t" / "train").glob("*/*.png"))[0]
    first.rename(tmp_path / "t" / "train" / "unicorn" / "x.png")
    with pytest.raises(DataError, match="unknown class folder train/unicorn"):
        read_image_folder("c", tmp_path / "t", info.classes, 3, 32)
    with pytest.raises(DataError, match="expected 28"):
        read_image_folder("c", tmp_path / "t", (*info.classes, "unicorn"), 3, 28)
    (tmp_path / "t" / "train" / "cat" / "bad.jpg").write_bytes(b"not an image")
    with pytest.raises(DataError, match="bad.jpg: cannot decode"):
        read_image_folder("c", tmp_path / "t", (*info.classes, "unicorn"), 3, 32)


@pytest.mark.parametrize(("name", "stored_ndim"), [("synth-mnist", 3), ("synth-cifar10", 4)])
def test_npz_round_trip(tmp_path: Path, name: str, stored_ndim: int) -> None:
    dataset = make_dataset(DATASETS[name], 15, 5, seed=5)
    path = tmp_path / f"{name}.npz"
    save_dataset(path, dataset)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp files, no .npz.npz
    with np.load(path) as raw:
        assert raw["x_train"].ndim == stored_ndim and raw["x_train"].dtype == np.uint8
        assert raw["y_train"].dtype == np.int64 and str(raw["dataset"]) == name
        if stored_ndim == 4:
            assert raw["x_train"].shape[-1] == 3
    assert_same(load_dataset(path), dataset)


def test_npz_validation(tmp_path: Path) -> None:
    dataset = make_dataset(DATASETS["synth-mnist"], 10, 5, seed=6)
    save_dataset(tmp_path / "ok.npz", dataset)
    with np.load(tmp_path / "ok.npz") as raw:
        arrays = dict(raw)
    np.savez(tmp_path / "nokey.npz", **{k: v for k, v in arrays.items() if k != "y_test"})
    with pytest.raises(DataError, match=r"nokey\.npz.*missing keys \['y_test'\]"):
        load_dataset(tmp_path / "nokey.npz")
    np.savez(tmp_path / "short.npz", **{**arrays, "y_train": arrays["y_train"][:-1]})
    with pytest.raises(DataError, match=r"short\.npz.*y_train"):
        load_dataset(tmp_path / "short.npz")
    np.savez(tmp_path / "label.npz", **{**arrays, "y_test": arrays["y_test"] + 10})
    with pytest.raises(DataError, match=r"label\.npz.*outside \[0, 10\)"):
        load_dataset(tmp_path / "label.npz")
    with pytest.raises(DataError, match=r"absent\.npz"):
        load_dataset(tmp_path / "absent.npz")
    bad = dataclasses.replace(dataset, x_train=dataset.x_train.astype(np.float32))
    with pytest.raises(DataError, match="x_train is float32"):
        save_dataset(tmp_path / "bad.npz", bad)
    assert not (tmp_path / "bad.npz").exists()
