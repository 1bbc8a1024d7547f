"""Mechanisms over training time (config `mechanisms.training_time`): the probe of every kept
snapshot of the selected runs (epoch 0: init.pt), the training-time table of those probes, and
the 3x3 filter spectra of the same checkpoints. Nothing when no run keeps snapshots."""

# run -> epochs probed (0 = init), for the runs with snapshots the block selects
TRAINING_TIME_RUNS = facade.training_time_runs(config)
SNAPSHOT_PROBE = f"{RESULTS}/mechanisms/training_time/{{dataset}}/{{arch}}/P{{P}}{{variant}}/seed{{seed}}.parquet"
INIT = f"{TRAIN_DIR}/init.pt"
TRAINING_TIME_TABLE = f"{TABLES}/training_time.csv"
FILTER_SPECTRUM_TABLE = f"{TABLES}/filter_spectrum.csv"
# the figure inputs this stage makes (figures.smk): none when no run is selected
TRAINING_TIME_INPUTS = (
    {"training_time": TRAINING_TIME_TABLE, "filter_spectrum": FILTER_SPECTRUM_TABLE}
    if TRAINING_TIME_RUNS
    else {}
)
# the snapshots are probed at the headline point only, on the block's n_probe test images
SNAPSHOT_PROBE_SETTINGS = facade.snapshot_probe_settings_option(config)


rule probe_snapshots:
    input:
        data=DATA,
        checkpoints=probed_checkpoints,
        metrics=f"{TRAIN_DIR}/metrics.json",
    output:
        SNAPSHOT_PROBE,
    log:
        f"{LOGS}/mechanisms/training_time/{{dataset}}/{{arch}}/P{{P}}{{variant}}/seed{{seed}}.log",
    conda:
        "../../envs/diffeo-stability.yaml"
    threads: 1
    resources:
        **device_job_resources(mem_mb=16000, runtime=30),
    params:
        run_dir=lambda wildcards, input: os.path.dirname(input.metrics),
        epochs=lambda wildcards: " ".join(map(str, probed_epochs(wildcards))),
        settings=SNAPSHOT_PROBE_SETTINGS,
        device=config["device"],
    shell:
        f"{DEVICE_JOB} probe"
        " --run-dir {params.run_dir} --data {input.data} --out {output}"
        " --dataset {wildcards.dataset} --arch {wildcards.arch} --P {wildcards.P}"
        " --seed {wildcards.seed} --snapshots {params.epochs} {params.settings}"
        " --device {params.device} > {log} 2>&1"


rule training_time_table:
    input:
        snapshot_probes(),
    output:
        TRAINING_TIME_TABLE,
    log:
        f"{LOGS}/mechanisms/training_time_table.log",
    conda:
        "../../envs/diffeo-stability.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "python -m diffeo_stability training-time --out {output} {input} > {log} 2>&1"


rule filter_spectrum_table:
    input:
        checkpoints=selected_checkpoints(),
        metrics=[run_path(f"{TRAIN_DIR}/metrics.json", run) for run in TRAINING_TIME_RUNS],
    output:
        FILTER_SPECTRUM_TABLE,
    log:
        f"{LOGS}/mechanisms/filter_spectrum_table.log",
    conda:
        "../../envs/diffeo-stability.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "python -m diffeo_stability filter-spectrum --out {output} {input.checkpoints} > {log} 2>&1"
