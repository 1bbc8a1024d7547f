"""Synthetic datasets: shapes, determinism, class structure that a small net learns."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from diffeo_stability.data.registry import DATASETS
from diffeo_stability.data.synthetic import make_dataset, make_images


def test_shapes_balance_and_determinism() -> None:
    x, y = make_images(50, 32, 3, 10, np.random.default_rng(0))
    assert x.shape == (50, 3, 32, 32) and x.dtype == np.uint8
    assert y.dtype == np.int64 and np.bincount(y).tolist() == [5] * 10
    x2, y2 = make_images(50, 32, 3, 10, np.random.default_rng(0))
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _ = make_images(50, 32, 3, 10, np.random.default_rng(1))
    assert not np.array_equal(x, x3)
    assert x.min() == 0 and x.max() == 255  # full dynamic range: noise floor and bright bars


def test_train_and_test_differ() -> None:
    dataset = make_dataset(DATASETS["synth-mnist"], 40, 40, seed=0)
    assert not np.array_equal(dataset.x_train, dataset.x_test)


def nearest_centroid_error(name: str) -> float:
    data = make_dataset(DATASETS[name], 1024, 256, seed=0)
    xtr = data.x_train.reshape(len(data.x_train), -1).astype(np.float64)
    xte = data.x_test.reshape(len(data.x_test), -1).astype(np.float64)
    centroids = np.stack([xtr[data.y_train == k].mean(0) for k in range(10)])
    dist = ((xte[:, None, :] - centroids[None]) ** 2).sum(-1)
    return float((dist.argmin(1) != data.y_test).mean())


@pytest.mark.parametrize("name", ["synth-mnist", "synth-cifar10"])
def test_classes_are_separable(name: str) -> None:
    assert nearest_centroid_error(name) < 0.3  # chance is 0.9


@pytest.mark.parametrize("name", ["synth-mnist", "synth-cifar10"])
def test_small_mlp_learns_in_few_epochs(name: str) -> None:
    torch.manual_seed(0)
    data = make_dataset(DATASETS[name], 512, 256, seed=1)
    xtr = torch.from_numpy(data.x_train).flatten(1).float() / 255
    xte = torch.from_numpy(data.x_test).flatten(1).float() / 255
    ytr = torch.from_numpy(data.y_train)
    net = torch.nn.Sequential(
        torch.nn.Linear(xtr.shape[1], 64), torch.nn.ReLU(), torch.nn.Linear(64, 10)
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(5):  # epochs
        for idx in torch.randperm(len(xtr)).split(32):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(net(xtr[idx]), ytr[idx]).backward()
            optimizer.step()
    with torch.no_grad():
        error = (net(xte).argmax(1).numpy() != data.y_test).mean()
    assert error < 0.3  # chance is 0.9
