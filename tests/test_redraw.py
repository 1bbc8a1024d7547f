"""`diffeo-stability redraw` on a SYNTHETIC directory of tables (made-up numbers, not results):
it draws the figures whose inputs are present, with the options the config gives them, into
the workflow's stems, and leaves the others out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_diffeo_figures import TINY

from diffeo_stability.cli import main
from diffeo_stability.commands import redraw
from diffeo_stability.figures.registry import FIGURES, INPUTS, FigureSpec
from diffeo_stability.workflow import OPTIONAL_TABLES, Headline, figure_option_values

ROOT = Path(__file__).resolve().parents[1]


def test_every_table_input_has_its_file_in_the_published_layout() -> None:
    """Every table input has one file: always made (`TABLE_FILES`) or made by some configs
    only (`workflow.OPTIONAL_TABLES`)."""
    assert set(redraw.TABLE_FILES).isdisjoint(OPTIONAL_TABLES)
    assert set(redraw.TABLE_FILES) | set(OPTIONAL_TABLES) == set(INPUTS) - {"illustration"}


@pytest.fixture
def small_config(tmp_path: Path) -> Path:
    """config/cpu.yaml with small options for the figures computed from no table."""
    config = yaml.safe_load((ROOT / "config" / "cpu.yaml").read_text())
    for name, spec in FIGURES.items():
        if spec.module in TINY:
            config["figures"]["options"][name] = TINY[spec.module]
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_redraw_draws_the_figures_of_the_tables_present(small_config, tmp_path, monkeypatch):
    tables = tmp_path / "tables"
    tables.mkdir()
    rows = [{"d": 5, "P": P, "seed": s, "R": 3 / P * (1 + s)} for P in (32, 64) for s in (0, 1)]
    pd.DataFrame(rows).to_csv(tables / "stripe.csv", index=False)
    drawn = {}
    draw = FigureSpec.draw

    def record(spec, inputs, options):
        drawn[spec.stem] = dict(options)
        return draw(spec, inputs, options)

    monkeypatch.setattr(FigureSpec, "draw", record)
    argv = ["redraw", "--config", str(small_config), "--tables", str(tables)]
    argv += ["--out", str(tmp_path / "out"), "--substitute", "cifar10=cifar10-jpeg"]
    assert main([*argv, "--data-dir", str(tmp_path / "no-data")]) == 0

    expected = {spec.stem for spec in FIGURES.values() if set(spec.inputs) <= {"stripe"}}
    assert set(drawn) == expected  # no table of the runs, no data set: none of theirs
    assert {"fig7_stripe_model", "fig1_diffeo_phase_space", "appendix/delta_vs_T"} <= expected
    for stem in expected:
        assert (tmp_path / "out" / f"{stem}.png").is_file()
    # the options are the workflow's: the config's (here small ones), no note where none is read
    assert drawn["fig1_diffeo_phase_space"] == TINY["fig1_diffeo_phase_space"]
    assert "note" not in drawn["fig7_stripe_model"]


def test_redraw_passes_the_config_note_to_the_figures_that_read_one(small_config, tmp_path):
    config = redraw.read_config(small_config, {"cifar10": "cifar10-jpeg"})
    options = figure_option_values(
        "fig5_error_vs_rf", Headline.of_config(config), config["figures"]
    )
    assert options["note"] == "cifar10-jpeg used in place of cifar10"
    assert options["dataset"] == "cifar10-jpeg"


def test_redraw_refuses_an_unknown_figure(small_config, tmp_path):
    argv = ["redraw", "--config", str(small_config), "--tables", str(tmp_path)]
    assert main([*argv, "--out", str(tmp_path / "out"), "--only", "fig99"]) == 1
