"""Preflight (`workflow/rules/preflight.smk`): a config's compute estimate (`cost`, torch-free,
also the DAG-time warning) and the check of its training and probing paths on a device (`check`)."""
