"""Stripe model (Section 6): one job per (d, P, seed), then one table."""

STRIPE_CFG = config["stripe"]


rule stripe:
    output:
        STRIPE,
    log:
        f"{LOGS}/stripe/d{{d}}/P{{P}}/seed{{seed}}.log",
    conda:
        "../../envs/diffeo-stability.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=lambda wildcards, attempt: 60 * attempt,
    params:
        options=facade.cli_options(STRIPE_CFG["args"]),
        device=config["device"],
    shell:
        "OMP_NUM_THREADS={threads} python -m diffeo_stability stripe --d {wildcards.d} --P {wildcards.P}"
        " --seed {wildcards.seed} --out {output} --device {params.device} {params.options}"
        " > {log} 2>&1"


rule stripe_table:
    input:
        expand(STRIPE, d=STRIPE_CFG["d"], P=STRIPE_CFG["P"], seed=STRIPE_CFG["seeds"]),
    output:
        f"{TABLES}/stripe.csv",
    log:
        f"{LOGS}/stripe/table.log",
    conda:
        "../../envs/diffeo-stability.yaml"
    shell:
        "python -m diffeo_stability stripe-table --out {output} {input} > {log} 2>&1"
