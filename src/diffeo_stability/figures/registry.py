"""The figures, one entry each: read by the workflow (figures.smk), the CLI
(`diffeo-stability figure NAME`) and config validation (figures.options).

Torch- and matplotlib-free: the Snakefile imports it while building the DAG. Adding a figure
is one `FigureSpec` below, its module figures/<module>.py defining
`draw(inputs, options) -> matplotlib.figure.Figure`, and its caption workflow/report/<name>.rst.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

from diffeo_stability.tables.headline import Headline

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: the inputs a figure may read (figures.smk maps each name to its path)
INPUTS = {
    "logavg": "tables/logavg.csv: R_f, D_f, G_f and test errors per run, averaged over seeds",
    "training": "tables/training.csv: one row per training run (the epochs in a figure's banner)",
    "stripe": "tables/stripe.csv: the stripe-model runs",
    "illustration": "resources/data/<dataset>.npz of a data set the experiments use (Fig. 2)",
    "training_time": "tables/training_time.csv: R_f, D_f, G_f, test error of runs' snapshots",
    "filter_spectrum": "tables/filter_spectrum.csv: 3x3 filter energy per Laplacian eigenvalue",
    "neuron_stability": "mechanisms/neuron_stability.csv: alpha per state, layer and kind",
    "local_nets": "tables/logavg.csv, when the experiments train simple local nets",
    "budgets": "tables/seeds.csv, when an experiment trains at several budgets (`epochs`)",
    "augmentations": "tables/logavg.csv, when an experiment trains under augmentation options",
    "adversarial": "tables/logavg.csv, when some probe measures adversarial diffeos",
    **{
        f"mechanisms_{name}": f"tables/mechanisms/{name}.csv: the mechanisms stage's {name} rows"
        for name in ("distance", "operations", "spectra", "shuffle", "filters", "diffeo_parts")
    },
}
#: report categories
DIFFEOS, MAIN, APPENDIX = "1 diffeomorphisms", "2 main figures", "3 appendix"
MECHANISMS = "4 mechanisms (group-meeting slides)"
#: the options that select the headline R_f (`Headline.from_options`)
HEADLINE = tuple(field.name for field in fields(Headline))


@dataclass(frozen=True)
class FigureSpec:
    """One figure: drawn by figures/<module>.py from `inputs` (keys of INPUTS) into
    <results>/figures/<stem>.pdf and .png, shown in the report under `category`; `options`
    are the `--set` keys its draw() reads besides `note`, which every figure of the runs'
    data sets (any `inputs`, `note` not False) reads: a figure computed from no run output
    (Fig. 1, the diffeomorphism appendices) shows no data of the config, so no note about
    them, and one that shows no trained net (Fig. 2's data image, Fig. 7's stripe model)
    states what it shows instead of the config's note about the runs. `module` and `stem`
    default to `name`."""

    name: str
    inputs: tuple[str, ...]
    category: str
    options: tuple[str, ...]
    module: str = ""  # "" = `name`
    stem: str = ""  # "" = `name`
    note: bool = True  # reads the config's note (when it has inputs)

    def __post_init__(self) -> None:
        object.__setattr__(self, "module", self.module or self.name)
        object.__setattr__(self, "stem", self.stem or self.name)

    @property
    def keys(self) -> frozenset[str]:
        """Every option key the figure reads: `options`, and `note` when it has inputs and
        reads the note."""
        return frozenset({*self.options, "note"} if self.inputs and self.note else self.options)

    @property
    def caption(self) -> str:
        """The report caption, a file of workflow/report/."""
        return f"{self.name}.rst"

    def option_problems(self, keys: Iterable[str], where: str) -> list[str]:
        """One message per key of `keys` the figure does not read, prefixed by `where`."""
        allowed = ", ".join(sorted(self.keys))
        return [
            f"{where}: unknown option {key!r}; allowed: {allowed}"
            for key in sorted(set(keys) - self.keys)
        ]

    def draw(self, inputs: Sequence[str | Path], options: Mapping[str, str]) -> Figure:
        """Import the figure's module and draw it; then give every log axis two labelled
        ticks at least (`log_ticks`, imported here: the registry is matplotlib-free)."""
        module = importlib.import_module(f"diffeo_stability.figures.{self.module}")
        log_ticks = importlib.import_module("diffeo_stability.figures.log_ticks")
        return log_ticks.label_log_axes(module.draw(list(inputs), options))


FIGURES: dict[str, FigureSpec] = {
    spec.name: spec
    for spec in (
        FigureSpec(
            name="fig1_diffeo_phase_space",
            inputs=(),
            category=DIFFEOS,
            options=(
                "size",
                "rows",
                "columns",
                "samples",
                "seed",
                "image",
                "criterion",
                "probe_cuts",
            ),
        ),
        FigureSpec(
            name="fig2_illustration",
            inputs=("illustration",),
            category=MAIN,
            options=("index", "c", "delta", "interpolation", "seed"),
            note=False,
        ),
        FigureSpec(
            name="fig3_sota_stability",
            inputs=("logavg", "training"),
            category=MAIN,
            options=(*HEADLINE, "archs", "datasets", "sweep_dataset", "size_datasets"),
        ),
        FigureSpec(
            name="fig4_primitive_nets",
            inputs=("logavg", "training"),
            category=MAIN,
            options=(*HEADLINE, "archs", "datasets"),
        ),
        FigureSpec(
            name="fig5_error_vs_rf",
            inputs=("logavg", "training"),
            category=MAIN,
            options=(*HEADLINE, "dataset", "archs", "errorbars"),
        ),
        FigureSpec(
            name="fig6_noise_diffeo_vs_P",
            inputs=("logavg", "training"),
            category=MAIN,
            options=(*HEADLINE, "archs", "datasets", "errorbars"),
        ),
        FigureSpec(
            name="fig7_stripe_model",
            inputs=("stripe",),
            category=MAIN,
            options=("d", "fit_p_min"),
            note=False,
        ),
        FigureSpec(
            name="appendix_bijectivity_probability",
            module="appendix_bijectivity",
            stem="appendix/bijectivity_probability",
            inputs=(),
            category=DIFFEOS,
            options=("samples", "seed", "rows", "columns", "criterion"),
        ),
        FigureSpec(
            name="appendix_delta_vs_T",
            stem="appendix/delta_vs_T",
            inputs=(),
            category=DIFFEOS,
            options=("n", "cuts", "samples", "points", "seed"),
        ),
        FigureSpec(
            name="appendix_interpolation",
            stem="appendix/interpolation",
            inputs=(),
            category=DIFFEOS,
            options=("size", "c", "deltas", "image", "seed"),
        ),
        FigureSpec(
            name="appendix_depth",
            stem="appendix/depth",
            inputs=("logavg", "training"),
            category=APPENDIX,
            options=(*HEADLINE, "dataset", "archs", "layer_statistic"),
        ),
        FigureSpec(
            name="appendix_df_gf_vs_error",
            stem="appendix/df_gf_vs_error",
            inputs=("logavg", "training"),
            category=APPENDIX,
            options=(*HEADLINE, "dataset", "archs"),
        ),
        FigureSpec(
            name="appendix_fig5_errorbars",
            stem="appendix/fig5_errorbars",
            inputs=("logavg", "training"),
            category=APPENDIX,
            options=(*HEADLINE, "dataset", "archs"),
        ),
        FigureSpec(
            name="appendix_fig6_errorbars",
            stem="appendix/fig6_errorbars",
            inputs=("logavg", "training"),
            category=APPENDIX,
            options=(*HEADLINE, "archs", "datasets"),
        ),
        FigureSpec(
            name="appendix_fig5_vs_P",
            stem="appendix/fig5_vs_P",
            inputs=("logavg", "training"),
            category=APPENDIX,
            options=(*HEADLINE, "datasets", "archs"),
        ),
        FigureSpec(
            name="appendix_fig5_datasets",
            stem="appendix/fig5_datasets",
            inputs=("logavg", "training"),
            category=APPENDIX,
            options=(*HEADLINE, "datasets", "archs"),
        ),
        FigureSpec(
            name="appendix_robustness",
            stem="appendix/robustness",
            inputs=("logavg", "training"),
            category=APPENDIX,
            options=(*HEADLINE, "dataset", "archs", "deltas"),
        ),
        FigureSpec(
            name="mechanisms_training_time",
            stem="mechanisms/training_time",
            inputs=("training_time", "training"),
            category=MECHANISMS,
            options=HEADLINE,
        ),
        FigureSpec(
            name="mechanisms_lowpass_filters",
            stem="mechanisms/lowpass_filters",
            inputs=("filter_spectrum", "training"),
            category=MECHANISMS,
            options=(),
        ),
        FigureSpec(
            name="mechanisms_distance",
            stem="mechanisms/distance",
            inputs=("mechanisms_distance", "training"),
            category=MECHANISMS,
            options=(*HEADLINE, "dataset", "archs"),
        ),
        FigureSpec(
            name="mechanisms_operations",
            stem="mechanisms/operations",
            inputs=("mechanisms_operations", "training"),
            category=MECHANISMS,
            options=(*HEADLINE, "dataset", "archs"),
        ),
        FigureSpec(
            name="mechanisms_spectra",
            stem="mechanisms/spectra",
            inputs=("mechanisms_spectra", "training"),
            category=MECHANISMS,
            options=("dataset", "archs"),
        ),
        FigureSpec(
            name="mechanisms_shuffle",
            stem="mechanisms/shuffle",
            inputs=("mechanisms_shuffle", "training"),
            category=MECHANISMS,
            options=(*HEADLINE, "dataset", "archs"),
        ),
        FigureSpec(
            name="mechanisms_diffeo_parts",
            stem="mechanisms/diffeo_parts",
            inputs=("mechanisms_diffeo_parts",),
            category=MECHANISMS,
            options=(),
            note=False,  # the ensemble's parts: no trained net, no data set of the runs
        ),
        FigureSpec(
            name="mechanisms_local_P",
            stem="mechanisms/local_nets_vs_P",
            inputs=("local_nets", "training"),
            category=MECHANISMS,
            options=(*HEADLINE, "datasets"),
        ),
        FigureSpec(
            name="mechanisms_local_sizes",
            stem="mechanisms/local_nets_sizes",
            inputs=("local_nets", "training"),
            category=MECHANISMS,
            options=(*HEADLINE, "dataset", "P"),
        ),
        FigureSpec(
            name="mechanisms_neuron_stability",
            stem="mechanisms/neuron_stability",
            inputs=("neuron_stability", "training"),
            category=MECHANISMS,
            options=(),
        ),
        FigureSpec(
            name="mechanisms_filters",
            stem="mechanisms/filters",
            inputs=("mechanisms_filters", "training"),
            category=MECHANISMS,
            options=("dataset", "archs"),
        ),
        FigureSpec(
            name="long_budget",
            stem="long_budget",
            inputs=("budgets", "training", "training_time"),
            category=MAIN,
            options=HEADLINE,
        ),
        FigureSpec(
            name="long_plane",
            stem="long_plane",
            inputs=("budgets", "training"),
            category=MAIN,
            options=HEADLINE,
        ),
        FigureSpec(
            name="augmentation_standard",
            stem="augmentation/standard_vs_none",
            inputs=("augmentations", "training"),
            category=APPENDIX,
            options=HEADLINE,
        ),
        FigureSpec(
            name="augmentation_diffeo",
            stem="augmentation/diffeo",
            inputs=("augmentations", "training"),
            category=MAIN,
            options=HEADLINE,
        ),
        FigureSpec(
            name="augmentation_adversarial",
            stem="augmentation/adversarial",
            inputs=("adversarial", "training"),
            category=MAIN,
            options=HEADLINE,
        ),
    )
}


#: inputs of a config whose grid trains several runs per (dataset, arch, P, seed): training
#: budgets, augmentation options
SEVERAL_RUNS_INPUTS = ("budgets", "augmentations")


def built_figures(inputs: Collection[str]) -> list[FigureSpec]:
    """The figures whose inputs are all among `inputs` (those a config makes: the figures over
    training time need runs with snapshots). A config with several runs per (dataset, arch,
    P, seed) (`SEVERAL_RUNS_INPUTS`) draws only the figures that read them (with augmentation
    options also that of adversarial diffeos, which takes each run under its data set's own
    augmentation): the others take one run per cell."""
    several = set(SEVERAL_RUNS_INPUTS) & set(inputs)
    kept = several | ({"adversarial"} if "augmentations" in several else set())
    return [
        figure
        for figure in FIGURES.values()
        if set(figure.inputs) <= set(inputs) and (not several or kept & set(figure.inputs))
    ]
