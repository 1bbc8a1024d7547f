"""`snakemake preflight`: check the config on this machine before a long run (prints a table)."""


rule preflight:
    log:
        f"{LOGS}/preflight.log",
    conda:
        "../../envs/diffeo-stability.yaml"
    threads: 1
    resources:
        gpu=1,
        cpus_per_gpu=4,
        mem_mb=16000,
        runtime=30,
    params:
        configfile=CONFIGFILE,
        device=config["device"],
    shell:
        "python -m diffeo_stability preflight --configfile {params.configfile}"
        " --device {params.device} 2>&1 | tee {log}"
