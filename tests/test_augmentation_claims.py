"""Claims over the augmentation options and the adversarial probe, on a hand-made table with
known verdicts (tests/augmentation_tables.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from augmentation_tables import augmentation_seed_table, augmentation_training_table

from diffeo_stability.tables.claims import evaluate_claims
from diffeo_stability.tables.claims.augmentation import (
    ADV_CORR,
    ADV_GAP,
    LOWERS_ERROR,
    LOWERS_R,
    MILD,
    augmentation_claims,
    paired_ratios,
    standard_augmentation,
)
from diffeo_stability.tables.claims.decide import NO, UNDECIDED, YES


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    rows = augmentation_claims(augmentation_seed_table(), augmentation_training_table())
    return pd.DataFrame(rows)


def verdicts(claims: pd.DataFrame, claim: str) -> list[tuple[str, str]]:
    rows = claims[claims["claim"] == claim]
    return sorted(zip(rows["arch"], rows["holds"], strict=True))


def test_ratios_pair_the_same_seed_and_P() -> None:
    trained = augmentation_seed_table().query("state == 'trained'")
    pairs = paired_ratios(trained, "R", "crop_flip", "none")
    resnet = pairs[pairs["arch"] == "ResNet18"].set_index(["n_train", "seed"])["ratio"]
    assert len(resnet) == 9  # 3 P x 3 seeds
    assert resnet.loc[(5000, 0)] == pytest.approx(1.2 / 0.95**2)
    assert resnet.loc[(5000, 1)] == pytest.approx(1.2)


def test_mild_dependence_on_standard_augmentation(claims) -> None:
    assert verdicts(claims, MILD) == [("LeNet", NO), ("ResNet18", YES)]
    row = claims[(claims["claim"] == MILD) & (claims["arch"] == "ResNet18")].iloc[0]
    assert row["reproduced_value"] == pytest.approx(1.2)
    assert row["seeds"] == "3" and row["P"] == "1600,5000,50000"
    assert row["epochs"] == "4-50" and row["width"] == "0.125"


def test_diffeo_augmentation_lowers_r(claims) -> None:
    # both bases per net: ResNet18 halves R_f, LeNet raises it by 1.5
    assert verdicts(claims, LOWERS_R) == [("LeNet", NO)] * 2 + [("ResNet18", YES)] * 2
    values = claims[claims["claim"] == LOWERS_R].set_index("arch")["reproduced_value"]
    assert values["ResNet18"].tolist() == pytest.approx([0.5, 0.5])


def test_diffeo_augmentation_and_the_test_error(claims) -> None:
    # ResNet18's error falls by 0.8; LeNet's ratio 1 lies inside its interval
    assert verdicts(claims, LOWERS_ERROR) == [("LeNet", UNDECIDED)] * 2 + [("ResNet18", YES)] * 2


def test_a_ratio_of_exactly_one_does_not_lower() -> None:
    seeds = augmentation_seed_table()
    same = seeds[seeds["augmentation"] == "none"].assign(augmentation="diffeo")
    rows = pd.DataFrame(
        augmentation_claims(
            pd.concat([seeds, same]).drop_duplicates(
                subset=["arch", "P", "seed", "state", "augmentation"], keep="last"
            ),
            None,
        )
    )
    lowers = rows[(rows["claim"] == LOWERS_R) & rows["details"].str.startswith("diffeo vs none")]
    assert lowers["reproduced_value"].tolist() == pytest.approx([1.0, 1.0])  # both nets
    assert set(lowers["holds"]) == {NO}


def test_adversarial_correlation_against_the_typical_one(claims) -> None:
    rows = claims[claims["claim"].isin([ADV_CORR, ADV_GAP])].set_index("claim")
    assert rows.loc[ADV_CORR, "holds"] == YES
    assert rows.loc[ADV_CORR, "reproduced_value"] == pytest.approx(1.0)
    assert rows.loc[ADV_GAP, "holds"] == YES
    assert "10 nets" in rows.loc[ADV_GAP, "details"]


def test_swapped_columns_fail_the_gap() -> None:
    seeds = augmentation_seed_table()
    swapped = seeds.assign(R=seeds["R_adv"], R_adv=seeds["R"])
    rows = pd.DataFrame(augmentation_claims(swapped, None)).set_index("claim")
    assert rows.loc[ADV_GAP, "holds"] == NO


def test_too_few_nets_and_absent_columns() -> None:
    seeds = augmentation_seed_table()
    few = seeds[seeds["arch"].isin(["ResNet18", "LeNet", "VGG11"])]
    rows = pd.DataFrame(augmentation_claims(few, None)).set_index("claim")
    assert rows.loc[ADV_GAP, "holds"] == UNDECIDED
    # without augmentation options (cpu.yaml with the adversarial probe): every run counts as
    # its data set's own augmentation; the comparisons of options are not listed
    bare = pd.DataFrame(augmentation_claims(seeds.drop(columns="augmentation"), None))
    assert dict(zip(bare["claim"], bare["holds"], strict=True)) == {ADV_CORR: YES, ADV_GAP: YES}
    # one option only, no adversarial values: a design without these claims lists none
    plain = seeds[seeds["augmentation"] == "crop_flip"].drop(columns="R_adv")
    assert augmentation_claims(plain, None) == []


def test_the_claims_table_lists_them() -> None:
    seeds = augmentation_seed_table()
    table = evaluate_claims(None, augmentation_training_table(), None, seeds=seeds)
    assert {MILD, LOWERS_R, LOWERS_ERROR, ADV_CORR, ADV_GAP} <= set(table["claim"])


def test_the_other_claims_see_each_runs_own_augmentation() -> None:
    seeds = augmentation_seed_table()
    own = standard_augmentation(seeds)
    assert set(own["augmentation"]) == {"crop_flip"}  # CIFAR-10's own
    assert len(own) == len(seeds[seeds["augmentation"] == "crop_flip"])
    # a run trained under other options only keeps them; a table without the column is kept
    lenet_none = seeds[(seeds["arch"] == "LeNet") & (seeds["augmentation"] == "none")]
    assert len(standard_augmentation(lenet_none)) == len(lenet_none)
    bare = seeds.drop(columns="augmentation")
    assert standard_augmentation(bare) is bare
