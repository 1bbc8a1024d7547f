"""Optional ImageNet probe on a tiny synthetic image folder with random weights."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torchvision
from PIL import Image

from diffeo_stability.commands import probe_imagenet as command
from diffeo_stability.probe.imagenet import centre_square, imagenet_blocks, load_images
from diffeo_stability.tables.columns import PROBE_COLUMNS


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three RGB images of different aspect ratios in class sub-folders."""
    root = tmp_path_factory.mktemp("imagenet")
    rng = np.random.default_rng(0)
    for i, (w, h) in enumerate([(40, 30), (30, 50), (36, 36)]):
        (root / f"n0{i}").mkdir()
        pixels = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(root / f"n0{i}" / f"img{i}.png")
    return root


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_centre_square_crops_the_middle(tmp_path: Path) -> None:
    pixels = np.zeros((10, 30, 3), dtype=np.uint8)
    pixels[:, 10:20] = 255  # the central 10 x 10 square is white, the sides black
    Image.fromarray(pixels).save(tmp_path / "wide.png")
    assert (centre_square(tmp_path / "wide.png", 10) == 255).all()


def test_blocks_end_with_the_classifier() -> None:
    net = torchvision.models.resnet101(weights=None)
    names = [name for name, _ in imagenet_blocks("resnet101", net)]
    assert names == ["stem", "layer1", "layer2", "layer3", "layer4", "fc"]


def test_probe_efficientnet_with_random_weights(folder: Path, tmp_path: Path) -> None:
    torch.manual_seed(0)
    weights = tmp_path / "b2.pth"
    torch.save(torchvision.models.efficientnet_b2(weights=None).state_dict(), weights)
    out = tmp_path / "out.parquet"
    command.run(
        parse(
            "--images",
            str(folder),
            "--weights",
            str(weights),
            "--arch",
            "efficientnet_b2",
            "--out",
            str(out),
            "--size",
            "32",
            "--settings",
            '{"n_probe": 3, "cutoffs": [3], "interpolations": ["bilinear"], "sweep_points": 0}',
            "--device",
            "cpu",
        )
    )
    rows = pd.read_parquet(out)
    assert {k: str(v) for k, v in rows.dtypes.items()} == PROBE_COLUMNS
    assert (rows.dataset == "imagenet").all() and rows.test_error.isna().all()
    assert set(rows.point) == {"delta1"}  # no sweep by default
    assert rows.layer.max() == 10 and rows[rows.is_output].layer_name.unique() == ["classifier"]
    assert np.isfinite(rows.R).all()
    assert load_images(folder, 2, 16).shape == (2, 3, 16, 16)


def test_missing_folder_or_weights_skips_with_no_output(
    folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out.parquet"
    with caplog.at_level(logging.WARNING):
        command.run(
            parse(
                "--images",
                str(tmp_path / "absent"),
                "--weights",
                str(tmp_path / "none.pth"),
                "--arch",
                "resnet101",
                "--out",
                str(out),
                "--size",
                "32",
            )
        )
    assert not out.exists()
    assert "skipping" in caplog.text and "weights file" in caplog.text
    assert "image folder" in caplog.text
