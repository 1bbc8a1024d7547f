"""Architectures: forward/backward on both input shapes, registry facts, checkpoints, errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch import nn

from diffeo_stability.errors import ConfigError, MissingWeightsError
from diffeo_stability.models import (
    ARCHITECTURES,
    build_model,
    count_parameters,
    layer_modules,
    load_checkpoint,
)
from diffeo_stability.models.build import checkpoint_dict
from diffeo_stability.models.fold import fold_batchnorm, inplace_activations

SHAPES = [(1, 28), (3, 32)]


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Small CPU batches run faster on one thread (and far faster on a shared machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


SMALL_TRANSFER = {"pretrained": False, "resize": 32}  # random weights, small internal resize


def _build(name: str, channels: int, side: int, **kwargs) -> nn.Module:
    extra = SMALL_TRANSFER if ARCHITECTURES[name].transfer else {}
    return build_model(name, channels, side, **extra, **kwargs)


def _meta(name: str) -> nn.Module:
    """The 3x32x32 network with parameters on the meta device (structure only, no compute)."""
    with torch.device("meta"):
        return _build(name, 3, 32)


@pytest.mark.parametrize(("channels", "side"), SHAPES)
@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_forward_backward_every_parameter_gets_a_gradient(name, channels, side):
    torch.manual_seed(0)
    model = _build(name, channels, side)
    out = model(torch.rand(2, channels, side, side))
    assert out.shape == (2, 10)
    out.square().sum().backward()
    for pname, param in model.named_parameters():
        if not param.requires_grad:  # the frozen random filters of the read-out-only nets
            assert param.grad is None, pname
            continue
        assert param.grad is not None, pname
        assert torch.isfinite(param.grad).all(), pname
    assert any(p.grad.abs().sum() > 0 for p in model.parameters() if p.requires_grad)


# trainable parameters for 3x32x32 inputs, 10 classes (ResNet18 11,173,962 as in the CIFAR
# literature; the transfer counts equal torchvision's with a 10-way head)
PARAMS_3x32 = {
    "FullConnL2": 197_312,
    "FullConnL4": 205_632,
    "FullConnL6": 213_952,
    "LeNet": 62_006,
    "AlexNet": 23_272_266,
    "VGG11": 9_225_610,
    "VGG11bn": 9_228_362,
    "VGG16": 14_719_818,
    "VGG16bn": 14_724_042,
    "VGG19": 20_029_514,
    "VGG19bn": 20_035_018,
    "ResNet18": 11_173_962,
    "ResNet34": 21_282_122,
    "ResNet50": 23_520_842,
    "EfficientNetB0": 3_598_598,  # the CIFAR variant: no 1280 head, linear 320 -> 10
    "EfficientNetB0-transfer": 4_020_358,
    "EfficientNetB2-transfer": 7_715_084,
    "LocalCNN": 11_466,  # conv 3*25*16 + 16, read-out 16*8*8*10 + 10
    "LocalCNN-readout": 10_250,  # the read-out only: the filters are frozen
    "LocalLCN": 1_255_434,  # 32*32 positions x (3*25*16) + bias 16*32*32, read-out
    "LocalLCN-readout": 10_250,
}


def test_parameter_counts_are_pinned():
    from diffeo_stability.commands.params import parameter_counts

    assert parameter_counts(3, 32, 10) == PARAMS_3x32
    # FullConn-L2 on 1x28x28: 784*64 + 64 biases + 64*10 (no output bias)
    assert parameter_counts(1, 28, 10)["FullConnL2"] == 784 * 64 + 64 + 640


def _weight_layers(model: nn.Module) -> int:
    """Convolutions and linear maps on the main path (no shortcut, no squeeze-excitation)."""
    from diffeo_stability.models.fc import ScaledDense
    from diffeo_stability.models.local import LocallyConnected2d

    excluded = set()
    for name, module in model.named_modules():
        if name.endswith("shortcut") or type(module).__name__.startswith("SqueezeExcit"):
            excluded |= {id(m) for m in module.modules()}
    weights = (nn.Conv2d, nn.Linear, ScaledDense, LocallyConnected2d)
    return sum(isinstance(m, weights) and id(m) not in excluded for m in model.modules())


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_registry_depth_counts_weight_layers(name):
    assert _weight_layers(_meta(name)) == ARCHITECTURES[name].depth


def test_registry_flags():
    assert {n for n, s in ARCHITECTURES.items() if s.skip} == {
        "ResNet18",
        "ResNet34",
        "ResNet50",
        "EfficientNetB0",
        "EfficientNetB0-transfer",
        "EfficientNetB2-transfer",
    }
    for name, spec in ARCHITECTURES.items():
        model = _meta(name)
        has_bn = any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
        assert has_bn == spec.batchnorm, name
        assert spec.family == (
            "fc" if name.startswith("FullConn") else "transfer" if spec.transfer else "conv"
        )


def test_registry_and_hparams_import_without_torch():
    code = (
        "import sys, diffeo_stability.models, diffeo_stability.models.registry, "
        "diffeo_stability.training.hparams; assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_layer_modules_end_with_the_output():
    model = _build("ResNet18", 3, 32).eval()
    layers = layer_modules(model)
    assert [n for n, _ in layers] == ["stem", "stage1", "stage2", "stage3", "stage4", "fc"]
    seen = []
    hooks = [m.register_forward_hook(lambda m, i, o: seen.append(o)) for _, m in layers]
    x = torch.rand(3, 3, 32, 32)
    out = model(x)
    for hook in hooks:
        hook.remove()
    assert len(seen) == len(layers)
    assert torch.equal(seen[-1], out)
    assert seen[0].shape == (3, 64, 32, 32)


def test_model_applies_the_normalisation_itself():
    mean, std = (0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)
    torch.manual_seed(1)
    normed = build_model("LeNet", 3, 32, normalization=(mean, std)).eval()
    plain = build_model("LeNet", 3, 32).eval()
    plain.load_state_dict(normed.state_dict())
    x = torch.rand(4, 3, 32, 32)
    m, s = torch.tensor(mean).view(1, 3, 1, 1), torch.tensor(std).view(1, 3, 1, 1)
    torch.testing.assert_close(normed(x), plain((x - m) / s))


def test_checkpoint_round_trip(tmp_path):
    torch.manual_seed(2)
    model = build_model("VGG11bn", 1, 28, normalization={"mean": [0.5], "std": [0.5]})
    model(torch.rand(8, 1, 28, 28))  # update the batch-norm running statistics
    ckpt = checkpoint_dict(model, "VGG11bn", {}, 1, 28, 10, ((0.5,), (0.5,)), 3, 0.25)
    torch.save(ckpt, tmp_path / "m.pt")
    loaded, meta = load_checkpoint(tmp_path / "m.pt", "cpu")
    assert meta["epoch"] == 3 and meta["test_error"] == 0.25 and "state_dict" not in meta
    assert meta["normalization"] == {"mean": [0.5], "std": [0.5]}
    x = torch.rand(5, 1, 28, 28)
    torch.testing.assert_close(loaded(x), model.eval()(x), rtol=0, atol=0)


def test_transfer_checkpoint_loads_without_imagenet_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty"))
    model = build_model("EfficientNetB0-transfer", 1, 28, pretrained=False, resize=32)
    ckpt = checkpoint_dict(
        model, "EfficientNetB0-transfer", {"resize": 32}, 1, 28, 10, None, 0, 0.9
    )
    torch.save(ckpt, tmp_path / "t.pt")
    loaded, _ = load_checkpoint(tmp_path / "t.pt")
    x = torch.rand(2, 1, 28, 28)
    torch.testing.assert_close(loaded(x), model.eval()(x), rtol=0, atol=0)


def test_transfer_without_weights_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(MissingWeightsError, match="efficientnet_b2_rwightman-c35c1473.pth"):
        build_model("EfficientNetB2-transfer", 3, 32)
    missing = tmp_path / "nowhere.pth"
    with pytest.raises(MissingWeightsError, match="nowhere.pth"):
        build_model("EfficientNetB0-transfer", 3, 32, weights=str(missing))


def test_transfer_reads_weights_from_the_cache_and_replaces_the_head(tmp_path, monkeypatch):
    import torchvision

    torch.manual_seed(3)
    imagenet = torchvision.models.efficientnet_b0()
    cache = tmp_path / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    torch.save(imagenet.state_dict(), cache / "efficientnet_b0_rwightman-7f5810bc.pth")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    model = build_model("EfficientNetB0-transfer", 3, 32, resize=32)
    torch.testing.assert_close(model.blocks.stem[0].weight, imagenet.features[0][0].weight)
    assert model.blocks.fc[-1].out_features == 10


def test_transfer_resizes_and_repeats_gray_inside_the_model():
    model = build_model("EfficientNetB0-transfer", 1, 28, pretrained=False, resize=40).eval()
    seen = []
    model.blocks.stem.register_forward_hook(lambda m, i, o: seen.append(i[0].shape))
    model(torch.rand(2, 1, 28, 28))
    assert seen == [torch.Size([2, 3, 40, 40])]


def test_bad_inputs_fail_clearly():
    with pytest.raises(ConfigError, match="unknown architecture 'ResNet19'.*ResNet18"):
        build_model("ResNet19", 3, 32)
    with pytest.raises(ConfigError, match="unsupported input shape 2x32x32"):
        build_model("LeNet", 2, 32)
    model = build_model("LeNet", 1, 28)
    with pytest.raises(ValueError, match=r"expected input \(B, 1, H, W\)"):
        model(torch.rand(2, 3, 28, 28))


def test_parameter_count_helper_counts_only_trainable():
    model = build_model("FullConnL2", 1, 28)
    model.blocks.dense1.weight.requires_grad_(False)
    assert count_parameters(model) == 64 + 640


@pytest.mark.parametrize(
    ("arch", "channels", "size"),
    [
        ("ResNet18", 3, 32),
        ("EfficientNetB0", 1, 28),
        ("VGG11bn", 3, 32),
        ("VGG16", 1, 28),
        ("AlexNet", 3, 32),
        ("LeNet", 1, 28),
    ],
)
def test_width_factor_narrows_every_convolutional_family(arch, channels, size):
    full = count_parameters(build_model(arch, channels, size))
    narrow = build_model(arch, channels, size, width_factor=0.25)
    assert count_parameters(narrow) < full / 4  # most weights scale with the width squared
    assert narrow(torch.rand(2, channels, size, size)).shape == (2, 10)


def test_width_factor_is_refused_by_fully_connected_nets():
    with pytest.raises(ConfigError, match="does not take option"):
        build_model("FullConnL4", 1, 28, width_factor=0.5)


def test_the_families_hparams_allow_width_factor_are_those_whose_builders_take_it():
    """hparams.FAMILY_ONLY (torch-free, what config validation checks) matches the builders."""
    import importlib
    import inspect

    from diffeo_stability.training.hparams import FAMILY_ONLY

    for name, spec in ARCHITECTURES.items():
        module, function = spec.builder.split(":")
        builder = getattr(importlib.import_module(module), function)
        takes = "width_factor" in inspect.signature(builder).parameters
        assert takes == (spec.family in FAMILY_ONLY["width_factor"]), name


def test_efficientnet_b0_is_the_cifar_variant():
    """Stage strides (1, 2, 2, 2, 1, 2, 1): a 32x32 input ends at 320 x 2x2 before the linear."""
    from diffeo_stability.models.build import build_model

    model = build_model("EfficientNetB0", 3, 32).eval()
    x = model.blocks[:-1](model.prep(torch.zeros(1, 3, 32, 32)))
    assert tuple(x.shape) == (1, 320, 2, 2)
    assert model.blocks.fc[-1].in_features == 320


@pytest.mark.parametrize(
    ("name", "n_inplace"),
    [
        ("ResNet18", 9),
        ("VGG11bn", 8),
        ("EfficientNetB0", 32),
        ("AlexNet", 7),
        ("LeNet", 4),
        ("LocalCNN", 1),
        ("LocalLCN-readout", 0),
    ],
)
def test_inference_preparation_keeps_the_evaluation_function(name, n_inplace):
    """Every conv + batch-norm pair of the conv families folds (none in AlexNet or LeNet), the
    activations after a conv / batch-norm / linear run in place, and the prepared net computes
    the evaluation-mode outputs of every probed block to float rounding (each kept while the
    next blocks run, as the probe's hooks keep them), with non-trivial running statistics."""
    kwargs = {"width_factor": 0.25} if name in ("ResNet18", "EfficientNetB0") else {}
    gen = torch.Generator().manual_seed(0)
    net = _build(name, 3, 32, **kwargs)
    norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    activations = [m for m in net.modules() if isinstance(m, (nn.ReLU, nn.SiLU))]
    with torch.no_grad():
        for norm in norms:
            for tensor in (norm.weight, norm.bias, norm.running_mean):
                tensor.copy_(torch.randn(tensor.shape, generator=gen) * 0.3 + 0.5)
            norm.running_var.copy_(torch.rand(norm.running_var.shape, generator=gen) + 0.2)
    net.eval()
    x = torch.rand(6, 3, 32, 32, generator=gen)

    def block_outputs() -> list[torch.Tensor]:
        outputs, h = [], net.prep(x)
        for _, block in layer_modules(net):
            h = block(h)
            outputs.append(h)
        return outputs

    with torch.no_grad():
        before = block_outputs()
        assert fold_batchnorm(net) == len(norms)
        assert inplace_activations(net) == n_inplace
        after = block_outputs()
    assert not any(isinstance(m, nn.BatchNorm2d) for m in net.modules())
    assert sum(m.inplace for m in activations) == n_inplace
    for a, b in zip(before, after, strict=True):
        torch.testing.assert_close(b, a, rtol=1e-5, atol=1e-5 * float(a.abs().max()))
