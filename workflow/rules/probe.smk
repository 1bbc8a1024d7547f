"""Probing: D_f, G_f and R_f of the initial and trained network of every run."""

PROBE_CFG = config["probe"]
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
        f"{LOGS}/probe/{{dataset}}/{{arch}}/P{{P}}/seed{{seed}}.log",
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
        settings=probe_settings_options,
        sweep_range=" ".join(map(str, PROBE_CFG["sweep_range"])),
        device=config["device"],
    shell:
        "OMP_NUM_THREADS={threads} python -m diffeo_stability --threads {threads} probe"
        " --run-dir {params.run_dir} --data {input.data} --out {output}"
        " --dataset {wildcards.dataset}"
        " --arch {wildcards.arch} --P {wildcards.P} --seed {wildcards.seed}"
        f" --n-probe {PROBE_CFG['n_probe']} {{params.settings}} --delta {PROBE_CFG['delta']}"
        f" --sweep-range {{params.sweep_range}} --cutoff-rule {PROBE_CFG['cutoff_rule']}"
        f" --noise-norms {' '.join(PROBE_CFG['noise_norms'])}"
        " --device {params.device} > {log} 2>&1"


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
        gpu=GPU_PER_JOB,
        cpus_per_gpu=4,
        mem_mb=lambda wildcards, attempt: 32000 * attempt,
        runtime=lambda wildcards, attempt: 60 * attempt,
    params:
        cutoffs=" ".join(map(str, IMAGENET_CFG["cutoffs"])),
        interpolations=" ".join(PROBE_CFG["interpolations"]),
        device=config["device"],
    shell:
        "OMP_NUM_THREADS={threads} python -m diffeo_stability --threads {threads} probe-imagenet"
        " --images {input.images} --weights {input.weights} --arch {wildcards.imagenet_arch}"
        f" --out {{output}} --n-probe {IMAGENET_CFG['n_probe']} --size {IMAGENET_CFG['size']}"
        " --cutoffs {params.cutoffs} --interpolations {params.interpolations}"
        f" --cutoff-rule {PROBE_CFG['cutoff_rule']} --noise-norms {' '.join(PROBE_CFG['noise_norms'])}"
        " --device {params.device} > {log} 2>&1"
