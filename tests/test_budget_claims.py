"""Claims over the training budget E on a hand-made table with known verdicts, and the other
claims on one budget per run."""

from __future__ import annotations

import pandas as pd
import pytest
from budget_tables import budget_seed_table, budget_training_table

from diffeo_stability.tables.aggregate import log_average
from diffeo_stability.tables.claims import evaluate_claims
from diffeo_stability.tables.claims.budget import (
    EXPONENT,
    FALLS_WITH_E,
    LAW_DISTANCE,
    PRIMITIVE_STAY,
    SOTA_AT_LONGEST,
    SOTA_BELOW,
    budget_claims,
    longest_budget,
)
from diffeo_stability.tables.claims.decide import NO, UNDECIDED, YES


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    seeds = budget_seed_table()
    return evaluate_claims(log_average(seeds), budget_training_table(), None, seeds=seeds)


def verdicts(claims: pd.DataFrame, claim: str) -> dict[str, str]:
    rows = claims[claims["claim"] == claim]
    return dict(zip(rows["arch"], rows["holds"], strict=True))


def test_sota_r_at_the_largest_budget(claims) -> None:
    assert verdicts(claims, SOTA_AT_LONGEST) == {"ResNet18": YES, "VGG11bn": NO}
    row = claims[(claims["claim"] == SOTA_AT_LONGEST) & (claims["arch"] == "ResNet18")].iloc[0]
    assert row["reproduced_value"] == pytest.approx(0.0625)
    assert row["epochs"] == "32" and row["seeds"] == "3" and row["width"] == "0.125"


def test_r_falls_with_the_budget_per_net(claims) -> None:
    assert verdicts(claims, FALLS_WITH_E) == {
        "FullConnL4": YES,
        "LeNet": UNDECIDED,  # flat: the interval contains 0
        "ResNet18": YES,
        "VGG11bn": UNDECIDED,
    }
    rows = claims[claims["claim"] == FALLS_WITH_E].set_index("arch")["reproduced_value"]
    assert rows["ResNet18"] == pytest.approx(-1.0) and rows["FullConnL4"] == pytest.approx(-0.5)


def test_primitive_nets_stay_above_one(claims) -> None:
    assert verdicts(claims, PRIMITIVE_STAY) == {"FullConnL4": NO, "LeNet": YES}
    fc = claims[(claims["claim"] == PRIMITIVE_STAY) & (claims["arch"] == "FullConnL4")].iloc[0]
    assert fc["reproduced_value"] == pytest.approx(0.5**1.5)  # the lowest: E = 32
    assert "lowest at E = 32" in fc["details"]


def test_exponent_across_budgets_per_net_and_pooled(claims) -> None:
    found = verdicts(claims, EXPONENT)
    assert found["ResNet18"] == YES  # eps = 0.2 sqrt(R) exactly
    assert found["VGG11bn"] == NO and found["FullConnL4"] == NO  # flat error: b = 0
    assert [arch for arch in found if arch.startswith("pooled")] == ["pooled (4 nets)"]


def test_distance_from_the_papers_law_at_the_largest_budget(claims) -> None:
    found = verdicts(claims, LAW_DISTANCE)
    assert found["ResNet18"] == YES and found["VGG11bn"] == NO
    row = claims[(claims["claim"] == LAW_DISTANCE) & (claims["arch"] == "ResNet18")].iloc[0]
    assert row["reproduced_value"] == pytest.approx(1.0)


def test_sota_below_primitive_at_each_budget(claims) -> None:
    rows = claims[claims["claim"] == SOTA_BELOW]
    # the least stable SOTA net (ResNet18 0.5, then VGG11bn 0.3) over FullConnL4 (1, 0.71,
    # 0.35): below, below, overlapping at E = 32
    assert list(rows["holds"]) == [YES, YES, UNDECIDED]
    pairs = ["E = 4: ResNet18 over FullConnL4", "E = 8: VGG11bn over FullConnL4"]
    pairs += ["E = 32: VGG11bn over FullConnL4"]
    assert all(pair in details for pair, details in zip(pairs, rows["details"], strict=True))


def test_the_other_claims_take_the_longest_budget_only(claims) -> None:
    sota = claims[claims["claim"].str.startswith("trained ResNet / VGG-bn")]
    resnet = sota[sota["arch"] == "ResNet18"].iloc[0]
    assert resnet["reproduced_value"] == pytest.approx(0.0625) and resnet["epochs"] == "32"
    seeds = budget_seed_table()
    assert set(longest_budget(seeds)["epochs"]) == {32}
    without = seeds.drop(columns="epochs")
    assert longest_budget(without) is without  # a table without budgets: unchanged


def test_one_budget_lists_no_budget_claim() -> None:
    """A design without budgets (config/cpu.yaml) gets no rows it cannot test; one net at two
    budgets is enough for the six claims to be listed."""
    seeds = budget_seed_table()
    assert budget_claims(seeds[seeds["epochs"] == 32], budget_training_table()) == []
    assert budget_claims(None, None) == []
    one_net = seeds[seeds["arch"] == seeds["arch"].iloc[0]]
    assert len({row["claim"] for row in budget_claims(one_net, budget_training_table())}) == 6


def test_a_run_that_never_learned_leaves_out_its_own_budget_only() -> None:
    seeds, training = budget_seed_table(), budget_training_table()
    training["final_train_loss"] = 1.0
    at_chance = (training["arch"] == "ResNet18") & (training["epochs"] == 4)
    training.loc[at_chance & (training["seed"] == 0), ["final_train_loss", "test_error"]] = [
        2.31,
        0.9,
    ]
    claims = evaluate_claims(log_average(seeds), training, None, seeds=seeds)
    falls = claims[(claims["claim"] == FALLS_WITH_E) & (claims["arch"] == "ResNet18")].iloc[0]
    assert "8 points at 3 values" in falls["interval"]  # 9 end points less the one at chance
    longest = claims[(claims["claim"] == SOTA_AT_LONGEST) & (claims["arch"] == "ResNet18")]
    assert longest.iloc[0]["seeds"] == "3"
