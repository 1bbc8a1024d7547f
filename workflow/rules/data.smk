"""Datasets: synthetic originals (smoke/tests) and verified conversion to resources/data/*.npz."""


rule synth_data:
    priority: 10  # data first: a missing data set fails in the first minute
    output:
        directory(SYNTHETIC),
    params:
        n_train=config["data"]["synthetic_train"],
        n_test=config["data"]["synthetic_test"],
    conda:
        "../../envs/diffeo-stability.yaml"
    log:
        f"{LOGS}/synth_data/{{dataset}}.log",
    shell:
        "python -m diffeo_stability synth-data {wildcards.dataset} --out {output}"
        " --n-train {params.n_train} --n-test {params.n_test} > {log} 2>&1"


rule fetch_data:
    priority: 10
    input:
        unpack(fetch_inputs),
    output:
        DATA,
    params:
        sources=fetch_sources,
    conda:
        "../../envs/diffeo-stability.yaml"
    log:
        f"{LOGS}/fetch_data/{{dataset}}.log",
    resources:
        mem_mb=8000,
        runtime=60,
    shell:
        "python -m diffeo_stability fetch-data {wildcards.dataset} --out {output}"
        " --cache resources/downloads {params.sources} > {log} 2>&1"
