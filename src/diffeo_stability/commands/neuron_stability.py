"""`diffeo-stability neuron-stability --run-dir DIR --data PATH.npz --settings JSON --out CSV`."""

from __future__ import annotations

import argparse
import json
import logging
import time

HELP = "stability of single neurons to local translations, rotations, compressions and shears"
log = logging.getLogger(__name__)

#: state -> checkpoint file of a training run
CHECKPOINTS = {"init": "init.pt", "trained": "trained.pt"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run-dir", required=True, help="training run with init.pt, trained.pt")
    parser.add_argument("--data", required=True, help="dataset .npz (its first test images)")
    parser.add_argument(
        "--settings",
        required=True,
        help="JSON object: the config block mechanisms.neuron_stability (config/README.md)",
    )
    parser.add_argument("--out", required=True, help="output .csv, one row per state/layer/kind")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, ...")


def run(args: argparse.Namespace) -> None:
    from pathlib import Path

    import pandas as pd
    import torch

    from diffeo_stability.data.images import load_dataset
    from diffeo_stability.device import pick_device, strict_fp32
    from diffeo_stability.errors import ConfigError
    from diffeo_stability.io import write_csv
    from diffeo_stability.mechanisms.neuron_settings import parse_neuron_stability
    from diffeo_stability.mechanisms.neuron_stability import layer_stability, summary_rows
    from diffeo_stability.models import load_checkpoint
    from diffeo_stability.models.fold import prepare_inference

    try:
        settings = parse_neuron_stability(json.loads(args.settings))
    except json.JSONDecodeError as err:
        raise ConfigError(f"--settings is not valid JSON ({err})") from None
    strict_fp32()
    device = pick_device(args.device)
    x_test = load_dataset(args.data).x_test
    if len(x_test) < settings.images:
        raise ConfigError(
            f"mechanisms.neuron_stability.images: {settings.images} is more than the "
            f"{len(x_test)} test images of {args.data}"
        )
    images = torch.as_tensor(x_test[: settings.images]).to(device, torch.float32) / 255.0
    rows = []
    for state in settings.states:
        model, _ = load_checkpoint(Path(args.run_dir) / CHECKPOINTS[state], device)
        prepare_inference(model)  # evaluation mode, also at init: neurons do not see the batch
        for layer in settings.layers:
            started = time.perf_counter()
            result = layer_stability(model, layer, images, settings, settings.seed)
            for row in summary_rows(result, settings.images, settings.transforms):
                rows.append({"state": state, "layer": layer, **row})
            log.info("%s %s: %.1f s", state, layer, time.perf_counter() - started)
    frame = pd.DataFrame(rows)
    run_columns = {
        "dataset": settings.dataset,
        "arch": settings.arch,
        "P": str(settings.P),
        "seed": settings.seed,
        "images": settings.images,
        "transforms": settings.transforms,
        "norm": settings.norm,
    }
    for position, (key, value) in enumerate(run_columns.items()):
        frame.insert(position, key, value)
    write_csv(args.out, frame)
    log.info("wrote %s (%d rows)", args.out, len(frame))
