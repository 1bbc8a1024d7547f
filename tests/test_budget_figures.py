"""The figures of the training budgets on the hand-made table of tests/budget_tables.py."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from budget_tables import NETS, budget_seed_table, budget_training_table

from diffeo_stability.figures.budget_panels import end_points, geometric_means, scale_note
from diffeo_stability.figures.registry import FIGURES


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("budgets")
    seeds = budget_seed_table()
    seeds.to_csv(folder / "seeds.csv", index=False)
    budget_training_table().to_csv(folder / "training.csv", index=False)
    # the longest runs' snapshots: their trained rows at E = 32, relabelled by epoch
    longest = seeds[(seeds["epochs"] == 32) & (seeds["state"] == "trained")]
    snapshots = [longest.assign(epoch=e, state="snapshot") for e in (1, 2, 4, 8, 16, 32)]
    pd.concat(snapshots).to_csv(folder / "training_time.csv", index=False)
    return {name: folder / f"{name}.csv" for name in ("seeds", "training", "training_time")}


def texts(fig) -> str:
    return " ".join(t.get_text() for t in fig.findobj(plt.Text))


def test_end_points_and_their_geometric_means() -> None:
    rows = end_points(budget_seed_table(), {})
    assert set(rows["state"]) == {"trained"} and sorted(set(rows["epochs"])) == [4, 8, 32]
    means = geometric_means(rows[rows["arch"] == "ResNet18"], "R")
    assert means.to_dict() == pytest.approx({4: 0.5, 8: 0.25, 32: 0.0625})
    note = scale_note(rows, budget_training_table())[0]
    assert "ResNet18 width 1/8" in note and "VGG11bn width 1/4" in note
    assert "3 seeds per net and budget" in note and "E = 4, 8, 32 epochs" in note


def test_the_budget_figure_draws_one_column_per_net(inputs) -> None:
    spec = FIGURES["long_budget"]
    fig = spec.draw([inputs["seeds"], inputs["training"], inputs["training_time"]], {})
    axes = [ax for ax in fig.axes if ax.lines]
    assert len(axes) == 4 * len(NETS) and "Missing" not in texts(fig)
    # SOTA nets first; each R_f panel: 3 seeds, their mean and 3 snapshot paths
    assert [ax.get_title().split(",")[0] for ax in fig.axes[: len(NETS)]] == [
        "ResNet18", "VGG11bn", "FullConnL4", "LeNet",
    ]  # fmt: skip
    assert len(fig.axes[0].lines) == 3 + 1 + 3
    assert "P = 50000" in texts(fig) and "width 1/8" in texts(fig)


def test_the_plane_figure_draws_the_law_and_the_fit_labelled(inputs) -> None:
    fig = FIGURES["long_plane"].draw([inputs["seeds"], inputs["training"]], {})
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert labels[: len(NETS)] == ["ResNet18", "VGG11bn", "FullConnL4", "LeNet"]
    assert any(label.startswith("paper's law") for label in labels)
    assert any(label.startswith("fit, E = 32") for label in labels)
    arrows = [t for t in fig.axes[0].texts if getattr(t, "arrow_patch", None) and not t.get_text()]
    assert len(arrows) == len(NETS) * 2  # three budgets: two arrows per net
    plt.close(fig)


@pytest.mark.parametrize("name", ["long_budget", "long_plane"])
def test_a_budget_figure_without_its_table_says_so(name, tmp_path) -> None:
    fig = FIGURES[name].draw([tmp_path / "seeds.csv"], {})
    assert "Missing (not drawn)" in texts(fig)
