"""One rule per figure (PDF + PNG, the PNG shown in the report), and the claims table."""

import yaml

from diffeo_stability.figures.captions import scale_caption

FIGURES_DIR = f"{RESULTS}/figures"
LOGAVG = f"{TABLES}/logavg.csv"
TRAINING = f"{TABLES}/training.csv"
STRIPE_TABLE = f"{TABLES}/stripe.csv"
# the test image of Fig. 2: the first data set of the registry that the experiments use
ILLUSTRATION_DATASET = next(d for d in DATASETS if d in {r.dataset for r in RUNS})

# the config's scale, stated in every report caption when it differs from config/paper.yaml
SCALE = scale_caption(
    config, validate_config(yaml.safe_load((Path(workflow.basedir) / "config/paper.yaml").read_text()))
)

# figure name -> (output stem under FIGURES_DIR, inputs, report category)
FIGURE_SPECS = {
    "fig1_diffeo_phase_space": ("fig1_diffeo_phase_space", [], "1 diffeomorphisms"),
    "fig2_illustration": (
        "fig2_illustration",
        [DATA.format(dataset=ILLUSTRATION_DATASET)],
        "2 main figures",
    ),
    "fig3_sota_stability": ("fig3_sota_stability", [LOGAVG], "2 main figures"),
    "fig4_primitive_nets": ("fig4_primitive_nets", [LOGAVG], "2 main figures"),
    "fig5_error_vs_rf": ("fig5_error_vs_rf", [LOGAVG], "2 main figures"),
    "fig6_noise_diffeo_vs_P": ("fig6_noise_diffeo_vs_P", [LOGAVG], "2 main figures"),
    "fig7_stripe_model": ("fig7_stripe_model", [STRIPE_TABLE], "2 main figures"),
    "appendix_bijectivity_probability": (
        "appendix/bijectivity_probability",
        [],
        "1 diffeomorphisms",
    ),
    "appendix_delta_vs_T": ("appendix/delta_vs_T", [], "1 diffeomorphisms"),
    "appendix_interpolation": ("appendix/interpolation", [], "1 diffeomorphisms"),
    "appendix_depth": ("appendix/depth", [LOGAVG], "3 appendix"),
    "appendix_df_gf_vs_error": ("appendix/df_gf_vs_error", [LOGAVG], "3 appendix"),
    "appendix_fig5_errorbars": ("appendix/fig5_errorbars", [LOGAVG], "3 appendix"),
    "appendix_fig6_errorbars": ("appendix/fig6_errorbars", [LOGAVG], "3 appendix"),
    "appendix_robustness": ("appendix/robustness", [LOGAVG], "3 appendix"),
}


for _name, (_stem, _inputs, _category) in FIGURE_SPECS.items():

    rule:
        name:
            f"figure_{_name}"
        input:
            _inputs,
        output:
            pdf=f"{FIGURES_DIR}/{_stem}.pdf",
            png=report(
                f"{FIGURES_DIR}/{_stem}.png",
                caption=f"../report/{_name}.rst",
                category=_category,
            ),
        params:
            name=_name,
            stem=lambda wildcards, output: output.pdf.removesuffix(".pdf"),
            options=figure_options(_name),
            # only figures of the training runs state their scale (a param: a new seed must not
            # redraw the figures that do not depend on the runs)
            scale=SCALE if LOGAVG in _inputs else "",
        conda:
            "../../envs/diffeo-stability.yaml"
        log:
            f"{LOGS}/figures/{_name}.log",
        resources:
            mem_mb=4000,
            runtime=30,
        shell:
            "python -m diffeo_stability figure {params.name} --out {params.stem} --input {input}"
            " {params.options} > {log} 2>&1"


rule claims:
    input:
        logavg=LOGAVG,
        training=TRAINING,
        stripe=STRIPE_TABLE,
    output:
        csv=report(f"{TABLES}/claims.csv", caption="../report/claims.rst", category="0 claims"),
        markdown=f"{TABLES}/claims.md",
    params:
        scale=SCALE,
        headline=headline_option(),
    conda:
        "../../envs/diffeo-stability.yaml"
    log:
        f"{LOGS}/claims.log",
    shell:
        "python -m diffeo_stability claims --logavg {input.logavg} --training {input.training}"
        " --stripe {input.stripe} --out {output.csv} --markdown {output.markdown}"
        " {params.headline} > {log} 2>&1"
