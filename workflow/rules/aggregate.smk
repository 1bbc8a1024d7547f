"""Tidy tables over all runs and geometric means over seeds."""


rule aggregate:
    input:
        probe=run_paths(PROBE) + imagenet_probes(),
        metrics=run_paths(f"{TRAIN_DIR}/metrics.json"),
    output:
        stability=f"{TABLES}/stability.parquet",
        logavg=f"{TABLES}/logavg.csv",
        training=f"{TABLES}/training.csv",
        seeds=f"{TABLES}/seeds.csv",
    log:
        f"{LOGS}/aggregate/aggregate.log",
    conda:
        "../../envs/diffeo-stability.yaml"
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        argsfile=f"{LOGS}/aggregate/inputs.args",
    run:
        # thousands of paths exceed the kernel's limit on one argument: pass them in a file
        write_argsfile(params.argsfile, ["--probe", *input.probe, "--metrics", *input.metrics])
        shell(
            "python -m diffeo_stability aggregate @{params.argsfile} --out-stability {output.stability}"
            " --out-logavg {output.logavg} --out-training {output.training}"
            " --out-seeds {output.seeds} > {log} 2>&1"
        )
