"""Training stage (`workflow/rules/train.smk`): the trainer, its resumable checkpoint, run control
(lock, signals, progress) and on-device augmentation."""
