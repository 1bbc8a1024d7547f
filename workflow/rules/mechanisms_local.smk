"""Mechanisms of simple local nets and single neurons: neuron stability to local linear maps of
one trained run (`mechanisms.neuron_stability`; absent: not measured). The local nets themselves
are experiment runs (train, probe) like every architecture."""

NEURON_SETTINGS = facade.neuron_stability_settings(config)
NEURON_STABILITY = f"{RESULTS}/mechanisms/neuron_stability.csv"
# figure inputs this config produces (figures.smk draws the figures whose inputs exist; the
# local-net figures' table is one of `workflow.optional_table_inputs`)
MECHANISM_LOCAL_INPUTS = {"neuron_stability": NEURON_STABILITY} if NEURON_SETTINGS else {}


if NEURON_SETTINGS:
    # the data set and the measured run's checkpoints, one per state
    _s = NEURON_SETTINGS
    _run = TRAIN_DIR.format(dataset=_s.dataset, arch=_s.arch, P=_s.P, seed=_s.seed, variant="")
    NEURON_INPUTS = {
        "data": DATA.format(dataset=_s.dataset),
        **{state: f"{_run}/{state}.pt" for state in _s.states},
    }

    rule neuron_stability:
        input:
            **NEURON_INPUTS,
        output:
            NEURON_STABILITY,
        log:
            f"{LOGS}/mechanisms/neuron_stability.log",
        conda:
            "../../envs/diffeo-stability.yaml"
        threads: 1
        resources:
            gpu=GPU_PER_JOB,
            cpus_per_gpu=4,
            mem_mb=lambda wildcards, attempt: 8000 * attempt,
            runtime=lambda wildcards, attempt: 60 * attempt,
        params:
            run_dir=lambda wildcards, input: os.path.dirname(input[NEURON_SETTINGS.states[0]]),
            settings=facade.neuron_stability_option(config),
            device=config["device"],
        shell:
            "OMP_NUM_THREADS={threads} python -m diffeo_stability --threads {threads}"
            " neuron-stability --run-dir {params.run_dir} --data {input.data}"
            " {params.settings} --out {output} --device {params.device} > {log} 2>&1"
