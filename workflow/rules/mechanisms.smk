"""Mechanisms stage (the group-meeting slides): analyses of the initial and trained nets of the
selected runs (`mechanisms` config block), one table per run and analysis, then one table per
analysis; and the decomposition of the diffeo ensemble (no net)."""

NET_ANALYSES = facade.NET_ANALYSES
FIELD_ANALYSES = facade.FIELD_ANALYSES
MECHANISM_RUNS = facade.mechanism_runs(config, RUNS)
MECHANISM_RUN = (
    f"{RESULTS}/mechanisms/{{analysis}}/{{dataset}}/{{arch}}/P{{P}}{{variant}}/seed{{seed}}.csv"
)
MECHANISM_TABLE = f"{TABLES}/mechanisms/{{analysis}}.csv"
# a few numbers per net, quoted by the README's "Mechanisms" sentences
MECHANISM_SUMMARY = f"{TABLES}/mechanisms/summary.csv"
# the figure inputs of figures/registry.py -> paths (figures.smk merges them)
MECHANISM_INPUTS = {
    f"mechanisms_{name}": MECHANISM_TABLE.format(analysis=name)
    for name in NET_ANALYSES + FIELD_ANALYSES
}
# the headline convention: the R_f the stage measures (c, delta, interpolation, noise norms)
MECHANISM_CONVENTION = (
    f"--c {HEADLINE.c:g} --delta {HEADLINE.delta:g} --interpolation {HEADLINE.interpolation}"
    f" --cutoff-rule {config['probe']['cutoff_rule']}"
    f" --noise-norms {' '.join(config['probe']['noise_norms'])}"
)
MECHANISM_SETTINGS = facade.mechanisms_settings_option(config)


rule mechanisms_run:
    input:
        data=DATA,
        init=f"{TRAIN_DIR}/init.pt",
        trained=f"{TRAIN_DIR}/trained.pt",
    output:
        MECHANISM_RUN,
    log:
        f"{LOGS}/mechanisms/{{analysis}}/{{dataset}}/{{arch}}/P{{P}}{{variant}}/seed{{seed}}.log",
    wildcard_constraints:
        analysis="|".join(NET_ANALYSES),
    conda:
        "../../envs/diffeo-stability.yaml"
    threads: 1
    resources:
        gpu=GPU_PER_JOB,
        cpus_per_gpu=4,
        mem_mb=lambda wildcards, attempt: 16000 * attempt,
        runtime=lambda wildcards, attempt: 30 * attempt,
    params:
        run_dir=lambda wildcards, input: os.path.dirname(input.init),
        settings=MECHANISM_SETTINGS,
        device=config["device"],
    shell:
        "OMP_NUM_THREADS={threads} python -m diffeo_stability --threads {threads} mechanisms"
        " {wildcards.analysis} --run-dir {params.run_dir} --data {input.data} --out {output}"
        " --dataset {wildcards.dataset} --arch {wildcards.arch} --P {wildcards.P}"
        f" --seed {{wildcards.seed}} {{params.settings}} {MECHANISM_CONVENTION}"
        " --device {params.device} > {log} 2>&1"


rule mechanisms_table:
    input:
        lambda wildcards: [
            run_path(MECHANISM_RUN, r, analysis=wildcards.analysis) for r in MECHANISM_RUNS
        ],
    output:
        MECHANISM_TABLE,
    log:
        f"{LOGS}/mechanisms/{{analysis}}.log",
    wildcard_constraints:
        analysis="|".join(NET_ANALYSES),
    conda:
        "../../envs/diffeo-stability.yaml"
    shell:
        "python -m diffeo_stability mechanisms-table --out {output} {input} > {log} 2>&1"


rule mechanisms_diffeo_parts:
    output:
        MECHANISM_TABLE.format(analysis="diffeo_parts"),
    log:
        f"{LOGS}/mechanisms/diffeo_parts.log",
    conda:
        "../../envs/diffeo-stability.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        settings=MECHANISM_SETTINGS,
    shell:
        "OMP_NUM_THREADS={threads} python -m diffeo_stability --threads {threads} mechanisms"
        f" diffeo_parts --out {{output}} {{params.settings}} {MECHANISM_CONVENTION}"
        " > {log} 2>&1"


rule mechanisms_summary:
    input:
        [MECHANISM_TABLE.format(analysis=name) for name in NET_ANALYSES],
    output:
        MECHANISM_SUMMARY,
    log:
        f"{LOGS}/mechanisms/summary.log",
    conda:
        "../../envs/diffeo-stability.yaml"
    params:
        convention=f"--statistic {HEADLINE.statistic} --noise-norm {HEADLINE.noise_norm}"
        f" --delta {HEADLINE.delta:g}",
    shell:
        "python -m diffeo_stability mechanisms-summary --out {output} {params.convention}"
        " {input} > {log} 2>&1"
