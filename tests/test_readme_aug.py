"""Every number of the README's "Augmentation and worst-case diffeos" section against the
published tables of config/cpu-aug.yaml (`docs/results/cpu-aug/`): each found by a phrase and
recomputed here with its own pandas code (see tests/test_readme_numbers.py for the method),
except the bootstrap intervals of the correlations, read from the claims table (itself the
claims command's output on the tables: tests/test_claims.py); the claims block is the
rendering of the published claims table."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from readme_phrases import (
    Check,
    assert_block_is_the_claims_table,
    each_number_test,
    geomean,
    headline,
    published,
    section,
    t_interval,
    unchecked_numbers,
    words,
)
from workflow_helpers import ROOT

from diffeo_stability.tables.claims.summary import read_claims

RESULTS = ROOT / "docs" / "results" / "cpu-aug"
TITLE = "Augmentation and worst-case diffeos"
SECTIONS = {TITLE: section(TITLE), "Configs": section("Configs")}
BLOCK = "cpu-aug"
ARMS = ["ResNet18", "LeNet"]
NONE, STANDARD, DIFFEO, BOTH = "none", "crop_flip", "diffeo", "crop_flip+diffeo"


def table(name: str) -> pd.DataFrame:
    return published("cpu-aug", name)


def end_points() -> pd.DataFrame:
    """The trained nets' headline rows at delta = 1, one per net, P, option and seed."""
    rows = headline(table("seeds.csv")).query("state == 'trained' and point == 'delta1'")
    assert rows.groupby(["arch", "P", "augmentation", "seed"]).size().eq(1).all()
    return rows


def ratios(arch: str, value: str, arm: str, base: str) -> pd.DataFrame:
    """value(arm) / value(base) per P and seed of `arch` (columns P, seed, ratio)."""
    wide = (
        end_points()
        .query("arch == @arch")
        .pivot(index=["P", "seed"], columns="augmentation", values=value)
    )
    return (wide[arm] / wide[base]).rename("ratio").reset_index()


def per_p(arch: str, value: str = "R") -> pd.DataFrame:
    """R(crop_flip) / R(none) per P: geometric mean over seeds and its interval, by P."""
    pairs = ratios(arch, value, STANDARD, NONE)
    return pairs.groupby("P")["ratio"].apply(t_interval)


def largest_p() -> pd.DataFrame:
    """The nets at the largest P with crop_flip, geometric means over their seeds."""
    rows = end_points().query("P == P.max() and augmentation == @STANDARD")
    return rows.groupby("arch")[["R", "R_adv", "R_adv_G", "test_error"]].agg(geomean)


def claim(name: str, arch: str = "all", criterion: str = "") -> pd.Series:
    """The one row of the published claims table for `name`, `arch` (and `criterion`)."""
    rows = read_claims(RESULTS / "claims.csv").query("claim == @name and arch == @arch")
    rows = rows[rows["criterion"].str.startswith(criterion)]
    assert len(rows) == 1, (name, arch, criterion)
    return rows.iloc[0]


def bounds(row: pd.Series) -> list[float]:
    return [float(v) for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", row["interval"])[:2]]


def verdict(low: float, high: float) -> str:
    """ "lowers": yes below 1, no at or above 1, else not testable (tables/claims)."""
    return "yes" if high < 1 else "no" if low >= 1 else "not testable at this scale"


# ---------------------------------------------------------------- the computations, one per phrase
def the_design() -> list[float]:
    runs = table("training.csv")
    arms = runs[runs["arch"].isin(ARMS)]
    assert set(arms["augmentation"]) == {NONE, STANDARD, DIFFEO, BOTH}
    seeds = arms.groupby(["arch", "P", "augmentation"])["seed"].nunique()
    assert seeds.nunique() == 1
    return [*sorted(arms["P"].unique()), seeds.iloc[0]]


def the_epochs() -> list[float]:
    epochs = table("training.csv").groupby("P")["epochs"].unique()
    assert epochs.map(len).eq(1).all()
    return [e[0] for e in epochs.sort_index()]


def the_other_nets() -> list[float]:
    others = table("training.csv").query("arch not in @ARMS")
    assert set(others["augmentation"]) == {STANDARD} and others["P"].nunique() == 1
    assert others.groupby("arch")["seed"].nunique().eq(1).all()
    return [others["arch"].nunique(), others["P"].iloc[0], 1]


def standard_range() -> list[float]:
    means = [interval[0] for arch in ARMS for interval in per_p(arch)]
    assert max(means) < 1
    return [1 / max(means), 1 / min(means), min(means), max(means)]


def the_answer() -> list[float]:
    lowers = t_interval(ratios("ResNet18", "R", DIFFEO, NONE)["ratio"])
    raised = [t_interval(ratios(arch, "test_error", BOTH, STANDARD)["ratio"]) for arch in ARMS]
    nets = largest_p()
    logs = np.log(nets)
    corr = {c: float(np.corrcoef(logs["test_error"], logs[c])[0, 1]) for c in ("R_adv", "R")}
    adversarial = claim("adversarial R_f: corr(log eps_t, log R_f^adv)")
    typical = claim("corr(log eps_t, log R_f)")
    assert [adversarial["reproduced_value"], typical["reproduced_value"]] == pytest.approx(
        [corr["R_adv"], corr["R"]]
    )
    return [
        *lowers,
        *raised[0],
        *raised[1],
        len(nets),
        corr["R_adv"],
        *bounds(adversarial),
        corr["R"],
        *bounds(typical),
    ]


def fig12_per_p() -> list[float]:
    P = sorted(end_points()["P"].unique())
    return [*P, *(interval[0] for arch in ARMS for interval in per_p(arch))]


def fig12_d_and_g() -> list[float]:
    """The P (from the smallest on) where crop_flip lowers both D_f and G_f of ResNet18."""
    d, g = (per_p("ResNet18", value).str[0] for value in ("D", "G"))
    lower = list((d < 1) & (g < 1))
    first_not = lower.index(False)
    assert not any(lower[first_not:]) and first_not >= 2
    return [d.index[0], d.index[first_not - 1]]


def fig12_criterion() -> list[float]:
    within = {
        arch: [P for P, (_, low, high) in per_p(arch).items() if 0.5 <= low and high <= 2]
        for arch in ARMS
    }
    assert within["LeNet"] == []
    return within["ResNet18"]


def diffeo_table() -> list[float]:
    out = [end_points()["P"].nunique(), end_points()["seed"].nunique()]
    n = len(ratios("ResNet18", "R", DIFFEO, NONE))
    out += [n, n - 1]
    for arch in ARMS:
        for value, name, claim_name in [
            ("R", "R_f", "diffeo augmentation lowers R_f"),
            ("test_error", "eps_t", "diffeo augmentation lowers the test error"),
        ]:
            for arm, base in [(DIFFEO, NONE), (BOTH, STANDARD)]:
                interval = t_interval(ratios(arch, value, arm, base)["ratio"])
                row = claim(claim_name, arch, f"{name}({arm}) / {name}({base})")
                assert verdict(*interval[1:]) == row["holds"]
                out += interval
    # the README's columns: R_f diffeo, R_f crop_flip+diffeo, eps_t diffeo, eps_t both
    return out


def errors_at_the_ends() -> list[float]:
    """Every option against none at the smallest and largest P (geometric means over seeds)."""
    error = end_points().groupby(["arch", "P", "augmentation"])["test_error"].agg(geomean)
    first, last = error.index.levels[1].min(), error.index.levels[1].max()
    for arch in ARMS:
        by_p = error[arch].unstack()
        others = by_p.drop(columns=NONE)
        assert (others.loc[first] < by_p.loc[first, NONE]).all()
        assert (others.loc[last] > by_p.loc[last, NONE]).all()
    resnet = error["ResNet18"]
    return [first, *resnet[first][[NONE, STANDARD]], last, *resnet[last][[NONE, STANDARD]]]


def worst_case() -> list[float]:
    nets = largest_p()
    assert nets["R_adv"].idxmin() == "VGG11" and nets["R_adv"].idxmax() == "ResNet18"
    assert nets["test_error"].idxmin() == nets["R_adv"].idxmax()
    assert nets["R_adv_G"].idxmin() == "VGG11bn" and nets["R_adv_G"].idxmax() == "FullConnL6"
    low, high = nets["R_adv"].min(), nets["R_adv"].max()
    P = end_points()["P"].max()
    return [P, low, high, 1 / high, 1 / low, nets["R_adv_G"].min(), nets["R_adv_G"].max()]


def training_minutes() -> list[float]:
    runs = table("training.csv").query("arch == 'ResNet18'")
    minutes = runs.groupby("augmentation")["wall_time_s"].agg(["sum", "size"])
    assert minutes["size"].nunique() == 1
    return [minutes["size"].iloc[0], *(minutes["sum"][[NONE, STANDARD, DIFFEO, BOTH]] / 60)]


#: (section, phrase, the numbers it quotes in order)
CHECKS: list[Check] = [
    (TITLE, "on CIFAR10-JPEG at P = {n}, {n}, {n} and {n} with {n} seeds", the_design),
    (TITLE, "rule ({n}, {n}, {n} and {n} at the four P)", the_epochs),
    (
        TITLE,
        "Beside them the other {n} nets of Fig. 5 at P = {n} with crop_flip, {n} seed each",
        the_other_nets,
    ),
    ("Configs", "{n} trainings; 68 min 8 s", lambda: [len(table("training.csv"))]),
    (
        TITLE,
        words("""lowers R_f at every P for both nets (in the geometric mean over seeds), by a
        factor of {n} to {n} (R_f(crop_flip) / R_f(none) from {n} to {n})"""),
        standard_range,
    ),
    (
        TITLE,
        words("""(ratio {n} [{n}, {n}]: yes), not measurably its test error; added to
        crop_flip it raises the test error of both nets a little (ResNet18 {n} [{n}, {n}],
        LeNet {n} [{n}, {n}]: no). The worst-case diffeo says less about performance than the
        typical one: over the {n} nets, corr(log eps_t, log R_f^adv) is {n} [{n}, {n}],
        against {n} [{n}, {n}] for the typical R_f (no)."""),
        the_answer,
    ),
    (
        TITLE,
        words("""geometric mean over the 2 seeds at P = {n}, {n}, {n}, {n}: ResNet18 {n}, {n},
        {n}, {n}; LeNet {n}, {n}, {n}, {n}."""),
        fig12_per_p,
    ),
    (
        TITLE,
        "D_f and G_f are both lower with crop_flip at P = {n} to {n} (left figure)",
        fig12_d_and_g,
    ),
    (TITLE, "ResNet18's are within at P = {n} and {n}, LeNet's at none", fig12_criterion),
    (
        TITLE,
        words("""geometric mean over the {n} P and {n} seeds (95 % t interval over those {n}
        paired ratios, {n} degrees of freedom): | net | R_f: diffeo / none | R_f:
        crop_flip+diffeo / crop_flip | eps_t: diffeo / none | eps_t: crop_flip+diffeo /
        crop_flip | |---|---|---|---|---| | ResNet18 | {n} [{n}, {n}] yes | {n} [{n}, {n}] not
        testable | {n} [{n}, {n}] not testable | {n} [{n}, {n}] no | | LeNet | {n} [{n}, {n}]
        not testable | {n} [{n}, {n}] not testable | {n} [{n}, {n}] not testable | {n} [{n},
        {n}] no |"""),
        diffeo_table,
    ),
    (
        TITLE,
        words("""ResNet18's test error at P = {n} is {n} without augmentation and {n} with
        crop_flip; at P = {n} it is {n} and {n}."""),
        errors_at_the_ends,
    ),
    (
        TITLE,
        words("""At P = {n} with crop_flip, R_f^adv lies between {n} (VGG11) and {n} (ResNet18):
        the worst-case noise of the same pixel norm changes every net's output (in the squared
        distance of D_f) {n} to {n} times more than the worst-case diffeo, and the best net has
        the largest R_f^adv. The adversarial diffeo against random noise of a typical diffeo's
        norm, D_f^adv / G_f, is {n} (VGG11bn) to {n} (FullConnL6)."""),
        worst_case,
    ),
    (
        TITLE,
        words("""In the run, ResNet18's {n} trainings under each option took {n} (none), {n}
        (crop_flip), {n} (diffeo) and {n} (crop_flip+diffeo) minutes in all"""),
        training_minutes,
    ),
]
#: passages whose numbers are not in any table, and why
NOT_FROM_A_TABLE = [
    (r"\*\*Cost\.\*\* Job time per stage .*? not from a table\.", "the run's Snakemake log"),
    (r"Benchmarks on ResNet18 1/8, .*? in all \(", "benchmarks/ (config/README.md)"),
    (r"criterion's bounds 0\.5 and 2", "the criterion (tables/claims/augmentation.py)"),
    (r"within \[0\.5, 2\]", "the criterion (tables/claims/augmentation.py)"),
]


test_each_number_is_its_table = each_number_test(SECTIONS, CHECKS)


def test_the_claims_block_is_the_claims_table():
    assert_block_is_the_claims_table("cpu-aug", BLOCK)


def test_every_decimal_number_is_checked():
    passages = [p for p, _ in NOT_FROM_A_TABLE]
    loose = unchecked_numbers(TITLE, SECTIONS[TITLE], BLOCK, CHECKS, passages)
    assert not loose, f"README {TITLE}: numbers no check covers: {loose}"
