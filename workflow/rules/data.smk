"""Datasets: synthetic originals (smoke/tests) and verified conversion to resources/data/*.npz."""


rule synth_data:
    output:
        directory(SYNTHETIC),
    log:
        f"{LOGS}/synth_data/{{dataset}}.log",
    priority: 10  # data first: a missing data set fails in the first minute
    conda:
        "../../envs/diffeo-stability.yaml"
    params:
        n_train=config["data"]["synthetic_train"],
        n_test=config["data"]["synthetic_test"],
    shell:
        "python -m diffeo_stability synth-data {wildcards.dataset} --out {output}"
        " --n-train {params.n_train} --n-test {params.n_test} > {log} 2>&1"


rule fetch_data:
    input:
        unpack(fetch_inputs),
    output:
        DATA,
    log:
        f"{LOGS}/fetch_data/{{dataset}}.log",
    priority: 10
    conda:
        "../../envs/diffeo-stability.yaml"
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        sources=fetch_sources,
    shell:
        "python -m diffeo_stability fetch-data {wildcards.dataset} --out {output}"
        " --cache resources/downloads {params.sources} > {log} 2>&1"
