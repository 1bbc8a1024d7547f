"""Table stage (`workflow/rules/aggregate.smk`): column schemas, aggregation over runs and
seeds, power-law fits, the claims table, row queries and the headline selection. Torch-free and
matplotlib-free: tables never draw."""
