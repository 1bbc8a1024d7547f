"""Training: one job per (dataset, arch, P, seed) of the configured experiment grids.

The rule `train` trains every run without snapshot_epochs. A run with snapshots gets a rule of
its own (its wildcards pinned to the run, ordered before `train`) whose outputs also name its
snapshots/epoch{E}.pt: a deleted snapshot retrains that run, and the outputs of the runs
without snapshots stay those of `train`.
"""

for _name, _run, _epochs in facade.train_rules(config):

    rule:
        name:
            _name
        input:
            data=DATA,
        output:
            **train_outputs(_epochs),
        log:
            f"{LOGS}/train/{{dataset}}/{{arch}}/P{{P}}{{variant}}/seed{{seed}}.log",
        wildcard_constraints:
            **facade.run_constraints(_run),
        priority: facade.train_priority(_run)
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

    if _run is not None:
        workflow.ruleorder(_name, "train")  # `ruleorder:` takes literal names only
