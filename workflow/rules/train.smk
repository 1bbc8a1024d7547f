"""Training: one job per (dataset, arch, P, seed) of the configured experiment grids."""


rule train:
    input:
        data=DATA,
    output:
        init=f"{TRAIN_DIR}/init.pt",
        trained=f"{TRAIN_DIR}/trained.pt",
        last=f"{TRAIN_DIR}/last.pt",
        metrics=f"{TRAIN_DIR}/metrics.json",
    log:
        f"{LOGS}/train/{{dataset}}/{{arch}}/P{{P}}/seed{{seed}}.log",
    conda:
        "../../envs/diffeo-stability.yaml"
    threads: 1
    resources:
        gpu=GPU_PER_JOB,
        cpus_per_gpu=4,
        mem_mb=lambda wildcards, attempt: 16000 * attempt,
        runtime=lambda wildcards, attempt: 600 * attempt,
    params:
        out=lambda wildcards, output: os.path.dirname(output.metrics),
        hparams=hparams_json,
        weights=weights_option,
        device=config["device"],
        deterministic="--deterministic" if config["training"]["deterministic"] else "",
    shell:
        "OMP_NUM_THREADS={threads} python -m diffeo_stability --threads {threads} train"
        " --data {input.data} --dataset {wildcards.dataset} --arch {wildcards.arch}"
        " --P {wildcards.P} --seed {wildcards.seed} --out {params.out} --hparams {params.hparams}"
        " --device {params.device} {params.weights} {params.deterministic} > {log} 2>&1"
