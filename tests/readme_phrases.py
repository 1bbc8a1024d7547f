"""Shared by the README number tests: a section's text, the phrases that quote table numbers,
the precision a number is printed at, the decimal numbers no phrase covers, and the tests each
module makes of its phrases and claims block."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from workflow_helpers import ROOT

from diffeo_stability.tables.claims.summary import current_block, read_claims, summary_block

README = (ROOT / "README.md").read_text()
NUMBER = r"(-?\d[\d,]*(?:\.\d+)?)"
#: (README section, a phrase with {n} for each number, the numbers it quotes in order)
Check = tuple[str, str, Callable[[], list[float]]]


def words(text: str) -> str:
    """`text` with its whitespace collapsed: a phrase as the collapsed README holds it."""
    return " ".join(text.split())


def section(title: str) -> str:
    """The README section `## title` with its whitespace collapsed (phrases span lines)."""
    return words(README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0])


def pattern(phrase: str) -> str:
    """The regular expression of `phrase`, each `{n}` a number."""
    return re.escape(phrase).replace(r"\{n\}", NUMBER)


def quoted(text: str, phrase: str, where: str) -> list[str]:
    """The numbers of the one match of `phrase` in `text` (README section `where`)."""
    matches = list(re.finditer(pattern(phrase), text))
    assert len(matches) == 1, f"README {where}: {len(matches)} matches of {phrase!r}"
    return list(matches[0].groups())


def agrees(printed: str, value: float) -> bool:
    """`value` printed with as many decimals as `printed` is `printed` (commas ignored)."""
    text = printed.replace(",", "")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return f"{value:.{decimals}f}" == text


def wrong_numbers(printed: list[str], expected: list[float]) -> list[tuple[str, float]]:
    """The (printed, table value) pairs that disagree at the printed precision."""
    assert len(printed) == len(expected), f"{printed} against {expected}"
    return [(p, v) for p, v in zip(printed, expected, strict=True) if not agrees(p, float(v))]


def loose_numbers(text: str, covered_patterns: list[str]) -> list[str]:
    """The decimal numbers of `text` outside every match of `covered_patterns`, images, code
    and comments."""
    skipped = [r"!\[[^]]*\]\([^)]*\)", r"`[^`]*`", r"<!--.*?-->", *covered_patterns]
    covered = [m.span() for p in skipped for m in re.finditer(p, text)]
    return [
        m.group()
        for m in re.finditer(r"\d+\.\d+", text)
        if not any(a <= m.start() < b for a, b in covered)
    ]


def headline(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of the headline convention: output layer, c = 3, bilinear, median, per-image."""
    keep = (frame["c"] == 3) & (frame["interpolation"] == "bilinear") & frame["is_output"]
    keep &= (frame["statistic"] == "median") & (frame["noise_norm"] == "per_image")
    return frame[keep]


def geomean(values: pd.Series) -> float:
    return float(np.exp(np.log(values.astype(float)).mean()))


@functools.cache
def published(experiment: str, name: str) -> pd.DataFrame:
    """docs/results/`experiment`/`name`, read once (callers select from it, never change it)."""
    return pd.read_csv(ROOT / "docs" / "results" / experiment / name)


def t_interval(values: pd.Series) -> list[float]:
    """Geometric mean of `values` and its 95 % t interval (n - 1 dof) on the log scale."""
    logs = np.log(values.to_numpy(dtype=float))
    half = scipy.stats.t.ppf(0.975, len(logs) - 1) * logs.std(ddof=1) / np.sqrt(len(logs))
    return [float(np.exp(logs.mean() + k)) for k in (0.0, -half, half)]


def each_number_test(sections: dict[str, str], checks: list[Check]) -> Callable[..., None]:
    """A module's test that each phrase of `checks`, found once in its section of `sections`,
    quotes the numbers its function computes at their printed precision (a case per phrase)."""

    @pytest.mark.parametrize("where, phrase, compute", checks, ids=[c[1][:40] for c in checks])
    def test_each_number_is_its_table(where: str, phrase: str, compute) -> None:
        wrong = wrong_numbers(quoted(sections[where], phrase, where), compute())
        assert not wrong, f"README {where}: printed, table value: {wrong} in {phrase!r}"

    return test_each_number_is_its_table


def unchecked_numbers(
    where: str, text: str, block: str, checks: list[Check], not_from_a_table: list[str]
) -> list[str]:
    """The decimal numbers of README section `where` (its `text`) outside the claims block
    named `block` ("" the unnamed one), the phrases of `checks` for `where` and the passages
    (regular expressions) of `not_from_a_table`."""
    covered = [re.escape(words(current_block(README, name=block))), *not_from_a_table]
    covered += [pattern(phrase) for w, phrase, _ in checks if w == where]
    return loose_numbers(text, covered)


def assert_block_is_the_claims_table(experiment: str, block: str = "") -> None:
    """The README's claims block `block` renders docs/results/`experiment`/claims.csv."""
    claims = read_claims(ROOT / "docs" / "results" / experiment / "claims.csv")
    name = f" --block {block}" if block else ""
    assert current_block(README, name=block) == summary_block(claims, block), (
        "rerun .venv/bin/diffeo-stability claims-summary --claims "
        f"docs/results/{experiment}/claims.csv --readme README.md{name}"
    )
