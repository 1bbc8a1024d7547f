"""The mechanisms figures drawn from the PUBLISHED CPU tables (docs/results/cpu, read-only,
with the CPU config's figure options): the banner states the runs' scale, every log axis has
at least two labelled ticks, and nothing overprints (`test_figure_layout.layout_problems`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from test_figure_labels import PUBLISHED, published_options
from test_figure_layout import _drawn_ticks, layout_problems

from diffeo_stability.figures.registry import FIGURES

NAMES = sorted(name for name in FIGURES if name.startswith("mechanisms_"))
#: where the published run keeps each input of the mechanisms figures
PATHS = {
    "training": PUBLISHED / "training.csv",
    "training_time": PUBLISHED / "training_time.csv",
    "filter_spectrum": PUBLISHED / "filter_spectrum.csv",
    "local_nets": PUBLISHED / "logavg.csv",
    "neuron_stability": PUBLISHED / "mechanisms" / "neuron_stability.csv",
    **{
        f"mechanisms_{name}": PUBLISHED / "mechanisms" / f"{name}.csv"
        for name in ("distance", "operations", "spectra", "shuffle", "filters", "diffeo_parts")
    },
}


def _draw(name: str):
    spec = FIGURES[name]
    options = {k: v for k, v in published_options(name).items() if k in spec.keys}
    fig = spec.draw([PATHS[key] for key in spec.inputs], options)
    fig.draw_without_rendering()
    return fig


@pytest.mark.parametrize("name", NAMES)
def test_a_published_mechanisms_figure_states_its_runs_and_reads_well(name: str) -> None:
    fig = _draw(name)
    banner = fig._suptitle.get_text() if fig._suptitle else ""
    if name == "mechanisms_diffeo_parts":  # no net, no data set: no banner, no note
        assert banner == ""
    else:
        assert banner.startswith("Runs drawn: ")
        assert all(part in banner for part in ("P = ", " epochs", "width factor", "seed"))
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "log" and ax.axison and ax.has_data():
                labels = [t.label1.get_text() for t in _drawn_ticks(axis)]
                assert len([t for t in labels if t.strip()]) >= 2, (ax.get_title(), labels)
    assert layout_problems(fig) == []
    plt.close(fig)
