"""Training: one job per (dataset, arch, P, seed) of the configured experiment grids."""


def weights_option(wildcards):
    path = config["training"]["weights"].get(wildcards.arch)
    return f"--weights {shlex.quote(path)}" if path else ""


rule train:
    input:
        data=DATA,
    output:
        init=f"{TRAIN_DIR}/init.pt",
        trained=f"{TRAIN_DIR}/trained.pt",
        last=f"{TRAIN_DIR}/last.pt",
        metrics=f"{TRAIN_DIR}/metrics.json",
    params:
        out=TRAIN_DIR,
        hparams=hparams_json,
        weights=weights_option,
        device=config["device"],
        deterministic="--deterministic" if config["training"]["deterministic"] else "",
    log:
        f"{LOGS}/train/{{dataset}}/{{arch}}/P{{P}}/seed{{seed}}.log",
    threads: 1
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=lambda wildcards, attempt: 16000 * attempt,
        runtime=lambda wildcards, attempt: 600 * attempt,
    shell:
        "OMP_NUM_THREADS={threads} diffeo-stability train --data {input.data}"
        " --dataset {wildcards.dataset} --arch {wildcards.arch} --P {wildcards.P}"
        " --seed {wildcards.seed} --out {params.out} --hparams {params.hparams}"
        " --device {params.device} {params.weights} {params.deterministic} > {log} 2>&1"
