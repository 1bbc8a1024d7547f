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
        **device_job_resources(mem_mb=16000, runtime=600),
    params:
        out=lambda wildcards, output: os.path.dirname(output.metrics),
        hparams=hparams_option,
        weights=weights_option,
        device=config["device"],
        deterministic="--deterministic" if config["training"]["deterministic"] else "",
    shell:
        f"{DEVICE_JOB} train"
        " --data {input.data} --dataset {wildcards.dataset} --arch {wildcards.arch}"
        " --P {wildcards.P} --seed {wildcards.seed} --out {params.out} {params.hparams}"
        " --device {params.device} {params.weights} {params.deterministic} > {log} 2>&1"
