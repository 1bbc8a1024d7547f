"""Datasets: synthetic originals (smoke/tests) and verified conversion to resources/data/*.npz."""


def fetch_inputs(wildcards):
    """Synthetic datasets are generated first; real ones come from mirrors or downloads."""
    if DATASETS[wildcards.dataset].synthetic:
        return {"originals": SYNTHETIC}
    return {}


def fetch_sources(wildcards, input):
    sources = [*config["data"]["mirrors"]]
    if "originals" in input.keys():
        sources = [input.originals]
    options = " ".join(f"--mirror {shlex.quote(s)}" for s in sources)
    if not config["data"]["download"] or "originals" in input.keys():
        options += " --no-download"
    return options


rule synth_data:
    output:
        directory(SYNTHETIC),
    params:
        n_train=config["data"]["synthetic_train"],
        n_test=config["data"]["synthetic_test"],
    log:
        f"{LOGS}/synth_data/{{dataset}}.log",
    shell:
        "diffeo-stability synth-data {wildcards.dataset} --out {output}"
        " --n-train {params.n_train} --n-test {params.n_test} > {log} 2>&1"


rule fetch_data:
    input:
        unpack(fetch_inputs),
    output:
        DATA,
    params:
        sources=fetch_sources,
    log:
        f"{LOGS}/fetch_data/{{dataset}}.log",
    resources:
        mem_mb=8000,
        runtime=60,
    shell:
        "diffeo-stability fetch-data {wildcards.dataset} --out {output}"
        " --cache resources/downloads {params.sources} > {log} 2>&1"
