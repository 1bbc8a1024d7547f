"""Probing: D_f, G_f and R_f of the initial and trained network of every run."""

IMAGENET_CFG = config["imagenet"]


rule probe:
    input:
        data=DATA,
        init=f"{TRAIN_DIR}/init.pt",
        trained=f"{TRAIN_DIR}/trained.pt",
        metrics=f"{TRAIN_DIR}/metrics.json",
    output:
        PROBE,
    log:
        f"{LOGS}/probe/{{dataset}}/{{arch}}/P{{P}}{{variant}}/seed{{seed}}.log",
    conda:
        "../../envs/diffeo-stability.yaml"
    threads: 1
    resources:
        **device_job_resources(mem_mb=16000, runtime=30),
    params:
        run_dir=lambda wildcards, input: os.path.dirname(input.init),
        settings=probe_settings_option,
        device=config["device"],
    shell:
        f"{DEVICE_JOB} probe"
        " --run-dir {params.run_dir} --data {input.data} --out {output}"
        " --dataset {wildcards.dataset}"
        " --arch {wildcards.arch} --P {wildcards.P} --seed {wildcards.seed}"
        " {params.settings} --device {params.device} > {log} 2>&1"


rule probe_imagenet:
    input:
        images=IMAGENET_CFG["images"] or [],
        weights=lambda wildcards: IMAGENET_CFG["weights"][wildcards.imagenet_arch],
    output:
        IMAGENET_PROBE,
    log:
        f"{LOGS}/probe/imagenet/{{imagenet_arch}}.log",
    conda:
        "../../envs/diffeo-stability.yaml"
    threads: 1
    resources:
        **device_job_resources(mem_mb=32000, runtime=60),
    params:
        settings=facade.imagenet_settings_option(config),
        device=config["device"],
    shell:
        f"{DEVICE_JOB} probe-imagenet"
        " --images {input.images} --weights {input.weights} --arch {wildcards.imagenet_arch}"
        " --out {output} {params.settings} --device {params.device} > {log} 2>&1"
