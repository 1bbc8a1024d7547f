"""The claims table as Markdown."""

from __future__ import annotations

import numpy as np
import pandas as pd

from diffeo_stability.tables.claims.decide import VERDICTS

RULE = (
    "A claim holds (yes) when the interval of its estimate lies within the claimed range, fails "
    "(no) when it lies wholly outside, and is not testable at this scale when it overlaps a "
    "bound or the data cannot decide it (the details say why). Intervals at 95 %: Student's t "
    "interval of a mean over seeds (n - 1 degrees of freedom) or of a fitted slope (n - 2), or "
    "the bootstrap interval over nets and seeds. seeds_needed: for an undecided t interval over "
    "seeds, the fewest seeds whose interval would clear the bound if the mean and the seed "
    "spread stayed as measured (a projection from few seeds, not a promise)."
)


def claims_markdown(claims: pd.DataFrame, convention: str = "", first_line: str = "") -> str:
    """A Markdown table of the claims (reproduced values to 3 significant digits), under the
    `convention` line (`Headline.describe`), after `first_line` (e.g. `synthetic_line`)."""
    columns = list(claims.columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in claims.iterrows():
        lines.append("| " + " | ".join(_cell(row[c]) for c in columns) + " |")
    counts = claims["holds"].value_counts()
    summary = ", ".join(f"{counts.get(k, 0)} {k}" for k in VERDICTS)
    head = (
        f"**{first_line}**\n\n" if first_line else ""
    ) + "# Claims of the paper vs this reproduction\n\n"
    head += convention and convention + "\n\n"
    head += RULE + "\n\n"
    return head + summary + "\n\n" + "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "" if np.isnan(value) else f"{value:.3g}"
    return str(value).replace("|", "\\|")
