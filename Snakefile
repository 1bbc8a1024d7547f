"""Reproduction of Petrini, Favero, Geiger & Wyart (NeurIPS 2021): relative stability toward
diffeomorphisms. `snakemake --cores N` builds every figure of the experiment that fits this machine
(config/cpu.yaml without a GPU, config/config.yaml with one); see README.md.
"""

import sys

from snakemake.utils import min_version

from diffeo_stability import workflow as facade

min_version("9.0")


# the default config, unless one was given with --configfile (which would otherwise be merged
# into it key by key, leaking the default experiments into e.g. the smoke config): the
# experiment that fits this machine (config/cpu.yaml without a GPU), named on stderr
if "experiments" not in config:
    DEFAULT_EXPERIMENT = facade.default_experiment()
    print(DEFAULT_EXPERIMENT.message, file=sys.stderr)

    configfile: f"{workflow.basedir}/{DEFAULT_EXPERIMENT.configfile}"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/probe.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/stripe.smk"
include: "workflow/rules/mechanisms_training.smk"
include: "workflow/rules/mechanisms_local.smk"
include: "workflow/rules/mechanisms.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/preflight.smk"


report_missing_intermediates()


onstart:
    # a plain `kill PID` of Snakemake also stops its running jobs (trainings after saving their
    # resume checkpoint), within seconds instead of after the jobs' end; cluster jobs: scancel
    if workflow.local_exec:
        facade.forward_sigterm(logger.warning)


rule all:
    default_target: True
    input:
        figure_targets(),
        f"{TABLES}/claims.csv",
        MECHANISM_SUMMARY,
        # every intermediate output too: one that was deleted is rebuilt, and everything
        # downstream of it (Snakemake skips a missing intermediate while its tables exist)
        intermediate_outputs(),
        snapshot_probes(),
