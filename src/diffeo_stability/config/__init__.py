"""Workflow configuration: validation before the DAG is built, and the job grid.

Imported by the Snakefile (through `diffeo_stability.workflow`), so it stays torch-free and
fast (the paper config expands to thousands of jobs). `schema` checks types, enums and
required keys; `blocks` fills every setting's default from its dataclass and builds the same
objects the jobs use; `checks` holds the rules across sections; `grid` the runs and their
settings; `environment` what the rules' shells and the scheduler need. Never imports figures.
"""

from diffeo_stability.config.blocks import BLOCKS
from diffeo_stability.config.environment import (
    check_device,
    default_results_root,
    export_cli_environment,
    gpus_per_job,
    retype_overrides,
)
from diffeo_stability.config.grid import (
    OPTIONAL_TABLES,
    Run,
    has_augmentations,
    has_budgets,
    mechanisms_settings,
    optional_table_inputs,
    probes_adversarial,
    run_hparams,
    run_probe_settings,
    test_set_size,
    training_runs,
    training_set_size,
    training_time_runs,
    trains_local_nets,
)
from diffeo_stability.config.schema import SCHEMA_PATH, load_schema
from diffeo_stability.config.validate import validate_config

__all__ = [
    "BLOCKS",
    "OPTIONAL_TABLES",
    "SCHEMA_PATH",
    "Run",
    "check_device",
    "mechanisms_settings",
    "default_results_root",
    "export_cli_environment",
    "gpus_per_job",
    "has_augmentations",
    "has_budgets",
    "load_schema",
    "optional_table_inputs",
    "probes_adversarial",
    "retype_overrides",
    "run_hparams",
    "run_probe_settings",
    "test_set_size",
    "training_runs",
    "training_set_size",
    "trains_local_nets",
    "training_time_runs",
    "validate_config",
]
