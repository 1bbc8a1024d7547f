"""One rule per figure of `figures.registry.FIGURES` (PDF + PNG, the PNG shown in the report), and
the claims table."""

import yaml

FIGURES_DIR = f"{RESULTS}/figures"
LOGAVG = f"{TABLES}/logavg.csv"
TRAINING = f"{TABLES}/training.csv"
STRIPE_TABLE = f"{TABLES}/stripe.csv"
# the test image of Fig. 2: the first data set of the registry that the experiments use
ILLUSTRATION_DATASET = facade.illustration_dataset(RUNS)

# the config's scale, stated in every report caption when it differs from config/paper.yaml
SCALE = facade.scale_caption(
    config,
    facade.validate_workflow_config(
        yaml.safe_load((Path(workflow.basedir) / "config/paper.yaml").read_text())
    ),
)

# the registry's figure inputs -> paths: those the config makes (a mechanisms stage without
# selected runs makes none)
FIGURE_INPUTS = {
    "logavg": LOGAVG,
    "training": TRAINING,
    "stripe": STRIPE_TABLE,
    "illustration": DATA.format(dataset=ILLUSTRATION_DATASET),
    **TRAINING_TIME_INPUTS,
    **MECHANISM_LOCAL_INPUTS,
    **MECHANISM_INPUTS,
}
# the tables only some configs make (local nets, budgets, augmentation options, adversarial
# diffeos), read by the figures of those (`workflow.optional_table_inputs`; a config with
# budgets or options draws only their figures: `workflow.built_figures`)
FIGURE_INPUTS.update(
    {name: f"{TABLES}/{file}" for name, file in facade.optional_table_inputs(config, RUNS).items()}
)
# inputs computed from the training runs: their figures state the config's scale
RUN_INPUTS = {
    "logavg",
    "training_time",
    "filter_spectrum",
    "local_nets",
    "budgets",
    "augmentations",
    "adversarial",
}


for _figure in built_figures():

    rule:
        name:
            f"figure_{_figure.name}"
        input:
            [FIGURE_INPUTS[name] for name in _figure.inputs],
        output:
            pdf=f"{FIGURES_DIR}/{_figure.stem}.pdf",
            png=report(
                f"{FIGURES_DIR}/{_figure.stem}.png",
                caption=f"../report/{_figure.caption}",
                category=_figure.category,
            ),
        log:
            f"{LOGS}/figures/{_figure.name}.log",
        conda:
            "../../envs/diffeo-stability.yaml"
        resources:
            mem_mb=4000,
            runtime=30,
        params:
            name=_figure.name,
            stem=lambda wildcards, output: output.pdf.removesuffix(".pdf"),
            options=figure_options(_figure.name),
            # only figures of the training runs state their scale (a param: a new seed must not
            # redraw the figures that do not depend on the runs)
            scale=SCALE if RUN_INPUTS & set(_figure.inputs) else "",
        shell:
            "python -m diffeo_stability figure {params.name} --out {params.stem} --input {input}"
            " {params.options} > {log} 2>&1"


rule claims:
    input:
        logavg=LOGAVG,
        training=TRAINING,
        stripe=STRIPE_TABLE,
        seeds=f"{TABLES}/seeds.csv",
    output:
        csv=report(f"{TABLES}/claims.csv", caption="../report/claims.rst", category="0 claims"),
        markdown=f"{TABLES}/claims.md",
    log:
        f"{LOGS}/claims.log",
    conda:
        "../../envs/diffeo-stability.yaml"
    params:
        scale=SCALE,
        headline=headline_option(),
    shell:
        "python -m diffeo_stability claims --logavg {input.logavg} --training {input.training}"
        " --stripe {input.stripe} --seeds {input.seeds} --out {output.csv}"
        " --markdown {output.markdown}"
        " {params.headline} > {log} 2>&1"
