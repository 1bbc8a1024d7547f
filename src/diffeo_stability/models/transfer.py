"""EfficientNet-B0*/B2*: torchvision's ImageNet models with a fresh 10-way head (transfer).

Weights are read from a local file (`weights`) or from torchvision's cache
(`$TORCH_HOME/hub/checkpoints/<file>`); nothing is downloaded. `pretrained=False` gives
random weights (tests, and rebuilding a net whose trained state is loaded afterwards).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torchvision
from torch import nn

from diffeo_stability.errors import MissingWeightsError
from diffeo_stability.models.common import BlockNet, Prepare

_VARIANTS = {
    "b0": (torchvision.models.efficientnet_b0, torchvision.models.EfficientNet_B0_Weights),
    "b2": (torchvision.models.efficientnet_b2, torchvision.models.EfficientNet_B2_Weights),
}


def weights_file(variant: str, weights: str | None = None) -> Path:
    """The ImageNet weights file to read; MissingWeightsError naming it when it is absent."""
    url = _VARIANTS[variant][1].IMAGENET1K_V1.url
    path = Path(weights) if weights else Path(torch.hub.get_dir()) / "checkpoints" / Path(url).name
    if not path.is_file():
        raise MissingWeightsError(
            f"ImageNet weights for EfficientNet-{variant.upper()} not found at {path}; download "
            f"{url} and pass its path with --weights, or place it in torchvision's cache "
            f"($TORCH_HOME/hub/checkpoints/{Path(url).name})"
        )
    return path


def efficientnet_transfer(
    in_channels: int,
    image_size: int,
    num_classes: int,
    prep: Prepare,
    variant: str,
    resize: int = 224,
    weights: str | None = None,
    pretrained: bool = True,
) -> BlockNet:
    """(B, C, S, S) -> (B, num_classes): gray repeated to RGB, bicubic resize to `resize` px.

    Probed blocks: stem, the 7 MBConv stages, the 1x1 head, the classifier.
    """
    constructor, _ = _VARIANTS[variant]
    net = constructor(weights=None)
    if pretrained:
        path = weights_file(variant, weights)
        net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    prep.repeat_to, prep.resize = 3, resize
    features = list(net.features.children())
    dropout, linear = net.classifier
    head = nn.Sequential(
        net.avgpool, nn.Flatten(), dropout, nn.Linear(linear.in_features, num_classes)
    )
    blocks = [("stem", features[0])]
    blocks += [(f"stage{i}", block) for i, block in enumerate(features[1:-1], start=1)]
    blocks += [("head", features[-1]), ("fc", head)]
    return BlockNet(prep, blocks)
