"""Simple local nets: the locally connected layer, names with sizes, frozen filters in training."""

from __future__ import annotations

import re

import pytest
import torch
from test_train import toy_dataset
from torch import nn

from diffeo_stability.config import load_schema
from diffeo_stability.errors import ConfigError
from diffeo_stability.models import build_model, count_parameters, get_arch, load_checkpoint
from diffeo_stability.models.local import LocallyConnected2d
from diffeo_stability.models.registry import ARCH_PATTERN, ARCHITECTURES, LOCAL_NAME
from diffeo_stability.training.hparams import resolve_hparams
from diffeo_stability.training.trainer import RunConfig, train


@pytest.mark.parametrize(("channels", "side", "kernel"), [(3, 32, 5), (1, 28, 3), (2, 9, 1)])
def test_locally_connected_layer_with_tied_weights_is_the_convolution(channels, side, kernel):
    torch.manual_seed(0)
    conv = nn.Conv2d(channels, 6, kernel, padding=kernel // 2)
    local = LocallyConnected2d(channels, 6, side, kernel, kernel // 2)
    with torch.no_grad():
        local.weight.copy_(conv.weight.reshape(6, -1).T.expand_as(local.weight))
        local.bias.copy_(conv.bias.view(6, 1, 1).expand_as(local.bias))
    x = torch.rand(4, channels, side, side)
    torch.testing.assert_close(local(x), conv(x), rtol=1e-5, atol=1e-5)


def test_locally_connected_layer_does_not_share_weights():
    """Changing the filter of one position changes the output there only."""
    torch.manual_seed(0)
    local = LocallyConnected2d(1, 2, 6, 3, 1)
    x = torch.rand(1, 1, 6, 6)
    before = local(x).detach()
    with torch.no_grad():
        local.weight[2 * 6 + 4] += 1.0  # row 2, column 4
    changed = (local(x).detach() - before).abs().sum(1)[0] > 0
    assert changed.nonzero().tolist() == [[2, 4]]


def test_local_names_carry_their_sizes():
    spec = get_arch("LocalLCN-readout-h8-f3-p2")
    assert spec.options == {
        "layer": "locally_connected",
        "train_filters": False,
        "channels": 8,
        "filter_size": 3,
        "pool_size": 2,
    }
    assert (spec.variant_of, spec.depth, spec.family) == ("LocalLCN-readout", 2, "conv")
    assert get_arch("LocalCNN").options["train_filters"] is True
    assert get_arch("LocalCNN-p8").options["pool_size"] == 8
    assert "LocalCNN-h4" in ARCHITECTURES and "LocalCNN-h4" not in list(ARCHITECTURES)
    for bad in ("LocalCNN-f4", "LocalCNN-p4-h8", "LocalCNN-h0", "LocalMLP", "LocalCNN-readout-"):
        assert bad not in ARCHITECTURES
        with pytest.raises(ConfigError, match="simple local net"):
            get_arch(bad)


def test_the_schema_and_the_wildcards_accept_the_local_names():
    arch = load_schema()["definitions"]["arch"]["anyOf"]
    assert arch[1]["pattern"] == f"^{LOCAL_NAME}$"
    for name in ("LocalCNN", "LocalLCN-readout-h256-f9-p1", "ResNet18", "FullConnL2"):
        assert re.fullmatch(ARCH_PATTERN, name)
    assert not re.fullmatch(ARCH_PATTERN, "LocalCNN-f2")


def test_sizes_width_factor_and_parameter_counts():
    # conv: 3*25*16 + 16 filters, read-out 16 * 8^2 * 10 + 10
    assert count_parameters(build_model("LocalCNN", 3, 32)) == 1_216 + 10_250
    assert count_parameters(build_model("LocalCNN-readout", 3, 32)) == 10_250
    # locally connected on 1x28x28, f_s 3, p_s 7: 28^2 positions x 9 x 16 + bias 16 x 28^2
    lcn = build_model("LocalLCN-h16-f3-p7", 1, 28)
    assert count_parameters(lcn) == 784 * 9 * 16 + 16 * 784 + 16 * 16 * 10 + 10
    narrow = build_model("LocalCNN-h64", 1, 28, width_factor=0.25)
    assert narrow.blocks.hidden[0].out_channels == 16
    assert narrow(torch.rand(2, 1, 28, 28)).shape == (2, 10)
    with pytest.raises(ConfigError, match="pool size"):
        build_model("LocalCNN-p33", 3, 32)


@pytest.mark.parametrize("arch", ["LocalCNN-readout-h8", "LocalLCN-readout-h8-f3"])
def test_readout_training_leaves_the_random_filters_untouched(tmp_path, arch):
    """Weight decay and momentum act on the read-out only; the filters stay at initialisation."""
    hp = resolve_hparams("conv", {"epochs": 2, "batch_size": 32, "weight_decay": 0.1})
    config = RunConfig(arch, 64, 0, hp, tmp_path, normalization=((0.5,), (0.5,)))
    train(toy_dataset(n_train=96, n_test=32), config)
    init, _ = load_checkpoint(tmp_path / "init.pt")
    last, _ = load_checkpoint(tmp_path / "last.pt")
    for (name, a), b in zip(init.named_parameters(), last.parameters(), strict=True):
        if name.startswith("blocks.hidden"):
            assert not b.requires_grad and torch.equal(a, b), name
        else:
            assert not torch.equal(a, b), name
