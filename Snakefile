"""Reproduction of Petrini, Favero, Geiger & Wyart (NeurIPS 2021): relative stability toward
diffeomorphisms. `snakemake --cores N` builds every figure of the default config; see README.md.
"""

from snakemake.utils import min_version

min_version("9.0")


# the default config, unless one was given with --configfile (which would otherwise be merged
# into it key by key, leaking the default experiments into e.g. the smoke config)
if "experiments" not in config:

    configfile: f"{workflow.basedir}/config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/probe.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/stripe.smk"
include: "workflow/rules/mechanisms.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/preflight.smk"


report_missing_intermediates()


rule all:
    default_target: True
    input:
        figure_targets(),
        f"{TABLES}/claims.csv",
        MECHANISM_SUMMARY,
        # every intermediate output too: one that was deleted is rebuilt, and everything
        # downstream of it (Snakemake skips a missing intermediate while its tables exist)
        intermediate_outputs(),
