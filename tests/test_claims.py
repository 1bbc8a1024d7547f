"""Claims table on HAND-MADE synthetic tables (contract columns) where every verdict is known."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diffeo_stability.commands import claims as claims_command
from diffeo_stability.tables.claims import COLUMNS, claims_markdown, evaluate_claims
from diffeo_stability.tables.fits import fit_power_law, log_correlation

SIZES = {"512": 512, "full": 50000}


def logavg_row(arch: str, P: str, state: str, R: float, G: float = 1.0, **extra) -> dict:
    """One headline logavg row (output layer, delta = 1, c = 3, bilinear, median, per-image
    noise norm, the authors' cut-off rule)."""
    row = dict(
        dataset="cifar10",
        arch=arch,
        P=P,
        n_train=SIZES[P],
        state=state,
        interpolation="bilinear",
        c=3.0,
        cutoff_rule="code",
        T=1.1e-3,
        delta=1.0,
        point="delta1",
        layer=5,
        layer_name="out",
        is_output=True,
        statistic="median",
        noise_norm="per_image",
        n_seeds=5,
        R=R,
        R_logstd=0.1,
        D=R * G,
        D_logstd=0.1,
        G=G,
        G_logstd=0.1,
        test_error=0.2 * np.sqrt(R) if state == "trained" else 0.9,
        test_error_logstd=0.05,
    )
    return {**row, **extra}


@pytest.fixture
def logavg() -> pd.DataFrame:
    """Synthetic: ResNet18 holds every claim, EfficientNetB0 and FullConnL4 init fail some."""
    rows = [
        logavg_row("ResNet18", "full", "init", 1.2),
        logavg_row("FullConnL4", "full", "init", 5.0),  # init claim fails (> 3)
        logavg_row("EfficientNetB0-transfer", "full", "init", 0.01),  # not an init: ignored
        logavg_row("ResNet18", "full", "trained", 0.03, G=2.0),  # in [1e-2, 1e-1]
        logavg_row("ResNet18", "512", "trained", 0.3, G=0.5),  # R falls, G rises with P
        logavg_row("EfficientNetB0", "full", "trained", 0.2, G=1.0),  # outside the range
        logavg_row("EfficientNetB0", "512", "trained", 0.5, G=3.0),  # G falls with P: "no"
        logavg_row("FullConnL4", "full", "trained", 3.0),  # FC >= 1 holds
        logavg_row("LeNet", "full", "trained", 0.6),
        # rows that the headline selection must ignore
        logavg_row("ResNet18", "full", "trained", 50.0, statistic="mean"),
        logavg_row("ResNet18", "full", "trained", 50.0, c=5.0),
        logavg_row("ResNet18", "full", "trained", 0.02, noise_norm="mean"),  # the text's norm
        logavg_row("ResNet18", "full", "trained", 50.0, is_output=False, layer=2),
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def training() -> pd.DataFrame:
    return pd.DataFrame(
        [
            dict(
                dataset="cifar10",
                arch="ResNet18",
                P="full",
                n_train=50000,
                seed=s,
                epochs=250,
                best_epoch=200,
                test_error=0.05,
                final_test_error=0.05,
                init_test_error=0.9,
                wall_time_s=1.0,
                images_per_s=1.0,
                device="cpu",
                precision="fp32",
            )
            for s in range(5)
        ]
    )


def stripe_table() -> pd.DataFrame:
    """d = 30: R = 3/P exactly (slope -1, holds); d = 10: R constant (slope 0, fails)."""
    rows = []
    for d, seed, P in [(d, s, P) for d in (10, 30) for s in range(3) for P in (64, 256, 1024)]:
        R = 3.0 / P if d == 30 else 0.5
        rows.append(
            dict(
                d=d,
                P=P,
                seed=seed,
                h=100,
                alpha=1e-3,
                R=R,
                alignment_perp=0.1,
                train_error=0.0,
                test_error=0.1,
                steps=1000,
                wall_time_s=1.0,
            )
        )
    return pd.DataFrame(rows)


def verdict(claims: pd.DataFrame, claim: str, arch: str | None = None) -> list[str]:
    rows = claims[claims["claim"].str.startswith(claim)]
    if arch is not None:
        rows = rows[rows["arch"] == arch]
    return list(rows["holds"])


def test_known_verdicts(logavg: pd.DataFrame, training: pd.DataFrame) -> None:
    claims = evaluate_claims(logavg, training, None)
    assert list(claims.columns) == COLUMNS
    assert verdict(claims, "R_f at initialisation", "ResNet18") == ["yes"]
    assert verdict(claims, "R_f at initialisation", "FullConnL4") == ["no"]
    assert verdict(claims, "trained ResNet", "ResNet18") == ["yes"]
    assert verdict(claims, "trained ResNet", "EfficientNetB0") == ["no"]
    assert verdict(claims, "trained fully connected", "FullConnL4") == ["yes"]
    assert verdict(claims, "fit eps_t = a R_f^b: exponent") == ["yes"]
    assert verdict(claims, "fit eps_t = a R_f^b: prefactor") == ["yes"]
    assert verdict(claims, "corr(") == ["yes"]
    assert verdict(claims, "R_f falls with P") == ["yes"]
    assert verdict(claims, "G_f rises with P", "ResNet18") == ["yes"]
    assert verdict(claims, "G_f rises with P", "EfficientNetB0") == ["no"]
    assert verdict(claims, "stripe") == ["not tested"]


def test_reproduced_values_come_from_the_tables(logavg, training) -> None:
    claims = evaluate_claims(logavg, training, None).set_index(["claim", "arch"])
    resnet = claims.loc[("trained ResNet / VGG-bn / EfficientNet R_f in [1e-2, 1e-1]", "ResNet18")]
    assert resnet["reproduced_value"] == pytest.approx(0.03)
    assert resnet["paper_value"] == "0.03"  # the poster's CIFAR-10 value
    assert resnet["epochs"] == "250" and resnet["seeds"] == "5" and resnet["P"] == "full"
    fit = claims.loc[("fit eps_t = a R_f^b: exponent b", "all")]
    assert fit["reproduced_value"] == pytest.approx(0.5)
    prefactor = claims.loc[("fit eps_t = a R_f^b: prefactor a", "all")]
    assert prefactor["reproduced_value"] == pytest.approx(0.2)
    slope = claims.loc[("R_f falls with P (ResNet18)", "ResNet18")]
    assert slope["reproduced_value"] == pytest.approx(np.log(0.1) / np.log(50000 / 512))
    assert slope["P"] == "512,full"  # in order of training-set size, not as listed or as text


def test_init_claim_ignores_transfer_nets(logavg, training) -> None:
    claims = evaluate_claims(logavg, training, None)
    init = claims[claims["claim"].str.startswith("R_f at initialisation")]
    assert "EfficientNetB0-transfer" not in set(init["arch"])
    assert set(init["arch"]) == {"ResNet18", "FullConnL4"}


def test_noise_norm_convention_switches_the_claims(logavg, training) -> None:
    from diffeo_stability.tables.headline import Headline

    key = ("trained ResNet / VGG-bn / EfficientNet R_f in [1e-2, 1e-1]", "ResNet18")
    default = evaluate_claims(logavg, training, None).set_index(["claim", "arch"])
    text = evaluate_claims(logavg, training, None, probe=Headline(noise_norm="mean"))
    assert default.loc[key, "reproduced_value"] == pytest.approx(0.03)
    assert text.set_index(["claim", "arch"]).loc[key, "reproduced_value"] == pytest.approx(0.02)
    assert "mean noise norm: R_f = 0.02" in default.loc[key, "details"]


def test_stripe_slope(logavg) -> None:
    stripe = stripe_table()
    stripe["P"] = stripe["P"].astype(str)  # as read back through the shared table reader
    claims = evaluate_claims(logavg, None, stripe)
    rows = claims[claims["claim"].str.startswith("stripe")].set_index("dataset")
    assert rows.loc["stripe d=30", "holds"] == "yes"
    assert rows.loc["stripe d=30", "reproduced_value"] == pytest.approx(-1.0)
    assert rows.loc["stripe d=30", "P"] == "64,256,1024" and rows.loc["stripe d=30", "seeds"] == "3"
    assert rows.loc["stripe d=10", "holds"] == "no"


def test_everything_absent_is_not_tested() -> None:
    claims = evaluate_claims(None, None, None)
    assert len(claims) >= 9
    assert set(claims["holds"]) == {"not tested"}
    assert claims["reproduced_value"].isna().all()


def test_nan_value_is_not_tested(logavg) -> None:
    logavg.loc[(logavg["arch"] == "ResNet18") & (logavg["P"] == "full"), "R"] = np.nan
    claims = evaluate_claims(logavg, None, None)
    assert verdict(claims, "trained ResNet", "ResNet18") == ["not tested"]
    assert verdict(claims, "R_f falls with P") == ["not tested"]


def test_too_few_architectures_for_the_fit(logavg) -> None:
    claims = evaluate_claims(logavg[logavg["arch"].isin(["ResNet18", "LeNet"])], None, None)
    assert verdict(claims, "fit eps_t") == ["not tested", "not tested"]
    assert verdict(claims, "corr(") == ["not tested"]


def test_command_writes_csv_and_markdown(tmp_path: Path, logavg, training) -> None:
    logavg.to_csv(tmp_path / "logavg.csv", index=False)
    training.to_csv(tmp_path / "training.csv", index=False)
    stripe_table().to_csv(tmp_path / "stripe.csv", index=False)
    parser = argparse.ArgumentParser()
    claims_command.add_arguments(parser)
    args = parser.parse_args(
        [
            "--logavg",
            str(tmp_path / "logavg.csv"),
            "--training",
            str(tmp_path / "training.csv"),
            "--stripe",
            str(tmp_path / "stripe.csv"),
            "--out",
            str(tmp_path / "claims.csv"),
            "--markdown",
            str(tmp_path / "claims.md"),
        ]
    )
    claims_command.run(args)
    written = pd.read_csv(tmp_path / "claims.csv")
    assert list(written.columns) == COLUMNS
    assert verdict(written, "trained ResNet", "ResNet18") == ["yes"]
    assert verdict(written, "stripe") == ["no", "yes"]
    markdown = (tmp_path / "claims.md").read_text()
    assert markdown == claims_markdown(
        evaluate_claims(
            *(pd.read_csv(tmp_path / f) for f in ("logavg.csv", "training.csv", "stripe.csv"))
        ),
        "Headline R_f: output layer, delta = 1, c = 3, bilinear, median statistic, per_image "
        "noise norm.",
    )
    assert markdown.count("\n| ") == len(written) + 1  # header + one line per claim


def test_command_with_missing_tables(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    claims_command.add_arguments(parser)
    args = parser.parse_args(
        ["--logavg", str(tmp_path / "none.csv"), "--out", str(tmp_path / "claims.csv")]
    )
    claims_command.run(args)
    assert set(pd.read_csv(tmp_path / "claims.csv")["holds"]) == {"not tested"}


def test_collapsed_runs_are_counted_as_excluded(logavg: pd.DataFrame) -> None:
    """A run with undefined R_f is not a value: one row says how many runs and why."""
    collapsed = logavg_row("VGG16bn", "full", "trained", float("nan"), n_undefined=2)
    frame = pd.concat([logavg.assign(n_undefined=0), pd.DataFrame([collapsed])])
    claims = evaluate_claims(frame, None, None)
    excluded = claims[claims["claim"] == "runs excluded: R_f undefined"]
    assert len(excluded) == 1 and excluded["holds"].iloc[0] == "not tested"
    assert excluded["details"].iloc[0].startswith("2 runs excluded: output changes at float")
    assert "VGG16bn" not in set(claims.loc[claims["holds"] != "not tested", "arch"])
    assert (
        evaluate_claims(logavg.assign(n_undefined=0), None, None)["claim"]
        .ne("runs excluded: R_f undefined")
        .all()
    )


def test_synthetic_run_says_so_in_the_first_line(logavg: pd.DataFrame, tmp_path: Path) -> None:
    logavg.assign(dataset="synth-cifar10").to_csv(tmp_path / "logavg.csv", index=False)
    parser = argparse.ArgumentParser()
    claims_command.add_arguments(parser)
    claims_command.run(
        parser.parse_args(
            [
                "--logavg",
                str(tmp_path / "logavg.csv"),
                "--out",
                str(tmp_path / "claims.csv"),
                "--markdown",
                str(tmp_path / "claims.md"),
            ]
        )
    )
    for name in ("claims.csv", "claims.md"):
        assert "SYNTHETIC" in (tmp_path / name).read_text().splitlines()[0], name
    assert list(pd.read_csv(tmp_path / "claims.csv", comment="#").columns) == COLUMNS
    real = claims_markdown(evaluate_claims(logavg, None, None), "")
    assert "SYNTHETIC" not in real


#: the poster's 15 CIFAR-10 points at P = 50k (R_f, test error), from the authors' poster
POSTER_POINTS = [
    (2.70, 0.49),
    (2.97, 0.47),
    (5.9, 0.52),
    (0.60, 0.248),
    (0.28, 0.128),
    (0.29, 0.084),
    (0.15, 0.075),
    (0.0185, 0.060),
    (0.0266, 0.061),
    (0.030, 0.045),
    (0.032, 0.045),
    (0.047, 0.046),
    (0.113, 0.089),
    (0.0061, 0.030),
    (0.0063, 0.026),
]


def test_free_fit_of_the_poster_points() -> None:
    r, err = np.array(POSTER_POINTS).T
    free = fit_power_law(r, err)
    assert free.prefactor == pytest.approx(0.24, abs=0.01)
    assert free.exponent == pytest.approx(0.45, abs=0.04)
    assert 0.0 < free.prefactor_stderr < 0.05 and 0.0 < free.exponent_stderr < 0.1
    assert log_correlation(r, err) == pytest.approx(0.97, abs=0.01)
