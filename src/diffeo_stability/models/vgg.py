"""VGG11/16/19 for 32x32 inputs (CIFAR style: one linear classifier on the 512x1x1 features)."""

from __future__ import annotations

from torch import nn

from diffeo_stability.models.common import BlockNet, Prepare, conv_bn_act, pad_to, scale_width

# output channels of the 3x3 convolutions; "M" = max-pool 2
CONFIGS: dict[str, list[int | str]] = {
    "VGG11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "VGG16": [64, 64, "M", 128, 128, "M", *[256] * 3, "M", *[512] * 3, "M", *[512] * 3, "M"],
    "VGG19": [64, 64, "M", 128, 128, "M", *[256] * 4, "M", *[512] * 4, "M", *[512] * 4, "M"],
}


def vgg(
    in_channels: int,
    image_size: int,
    num_classes: int,
    prep: Prepare,
    config: str,
    batchnorm: bool,
    width_factor: float = 1.0,
) -> BlockNet:
    """(B, C, S, S) -> (B, num_classes); one probed block per convolution (pool included).

    `width_factor` scales every channel count (narrower nets for CPU configs).
    """
    blocks: list[tuple[str, nn.Module]] = []
    c_in = in_channels
    stem = pad_to(image_size)
    for item in CONFIGS[config]:
        if item == "M":
            blocks[-1][1].append(nn.MaxPool2d(2))
            continue
        c_out = scale_width(int(item), width_factor)
        layers = stem + conv_bn_act(c_in, c_out, batchnorm=batchnorm)
        blocks.append((f"conv{len(blocks) + 1}", nn.Sequential(*layers)))
        c_in, stem = c_out, []
    blocks.append(("fc", nn.Sequential(nn.Flatten(), nn.Linear(c_in, num_classes))))
    return BlockNet(prep, blocks)
