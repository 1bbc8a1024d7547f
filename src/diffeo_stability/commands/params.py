"""`diffeo-stability params [--in-channels 3] [--image-size 32]`: parameter counts."""

from __future__ import annotations

import argparse

HELP = "print the number of trainable parameters of every architecture"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--in-channels", type=int, default=3, help="input channels (1 or 3)")
    parser.add_argument("--image-size", type=int, default=32, help="input side in px (28 or 32)")
    parser.add_argument("--num-classes", type=int, default=10)


def parameter_counts(in_channels: int, image_size: int, num_classes: int) -> dict[str, int]:
    """Architecture name -> trainable parameters (built on the meta device: no weights, fast)."""
    import torch

    from diffeo_stability.models import ARCHITECTURES, build_model, count_parameters

    counts = {}
    for name, spec in ARCHITECTURES.items():
        extra = {"pretrained": False} if spec.transfer else {}
        with torch.device("meta"):
            model = build_model(name, in_channels, image_size, num_classes, **extra)
        counts[name] = count_parameters(model)
    return counts


def run(args: argparse.Namespace) -> None:
    counts = parameter_counts(args.in_channels, args.image_size, args.num_classes)
    width = max(map(len, counts))
    side = args.image_size
    print(f"# input {args.in_channels}x{side}x{side}, {args.num_classes} classes")
    for name, count in counts.items():
        print(f"{name:<{width}}  {count:>12,d}")
