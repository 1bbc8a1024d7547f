"""Probe stage (`workflow/rules/probe.smk`): D_f, G_f, R_f of a network (`measure`,
`statistics`), applied to a training run's checkpoints (`training_run`) or to ImageNet-pretrained
nets (`imagenet`). Measures, never trains."""
