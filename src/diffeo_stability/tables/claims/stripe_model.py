"""The stripe model: R_f ~ P^-1, one row per input dimension d (reads stripe.csv). The slope
is fitted over the runs' seeds within the paper's range of P (that of config/paper.yaml)."""

from __future__ import annotations

import pandas as pd

from diffeo_stability.tables.claims.decide import decide, log_slope
from diffeo_stability.tables.claims.rows import COLUMNS, absent_row, groups, join, span

STRIPE_TOL = 0.2  # stripe slope within -1 +- 0.2
#: the range of P of the paper's Fig. 7 as config/paper.yaml runs it
PAPER_P_RANGE = (128, 16384)
NAME = "stripe model R_f ~ P^-1"
CRITERION = f"{-1 - STRIPE_TOL:g} <= slope <= {-1 + STRIPE_TOL:g}"


def stripe_claims(stripe: pd.DataFrame | None) -> list[dict]:
    """Slope of log R_f vs log P (per seed, P within PAPER_P_RANGE) within STRIPE_TOL of -1."""
    if stripe is None or stripe.empty:
        return [absent_row(NAME, "-1", CRITERION, "stripe.csv absent or empty")]
    stripe = stripe.assign(P=stripe["P"].astype(int))
    low, high = PAPER_P_RANGE
    out = []
    for group in groups(stripe, ["d"]):
        inside = group[(group["P"] >= low) & (group["P"] <= high)]
        estimate = log_slope(inside["P"].to_numpy(float), inside["R"].to_numpy(float))
        decision = decide(estimate, -1 - STRIPE_TOL, -1 + STRIPE_TOL)
        sizes = sorted(set(inside["P"]))
        covered = f"P = {sizes[0]}..{sizes[-1]}" if sizes else "no P"
        partial = sizes[:1] != [low] or sizes[-1:] != [high]
        over = f"slope over {covered} of the paper's {low}..{high}" + (
            " (partial)" if partial else ""
        )
        row = {
            "claim": NAME,
            "dataset": f"stripe d={int(group['d'].iloc[0])}",
            "arch": "one hidden layer",
            "paper_value": f"-1 (P = {low}..{high})",
            "reproduced_value": estimate.value,
            "interval": estimate.text(),
            "criterion": CRITERION,
            "holds": decision.verdict,
            "seeds": span(inside.groupby("P")["seed"].nunique()),
            "seeds_needed": decision.seeds_needed,
            "P": join(sizes),
            "width": "",
            "epochs": "",
            "details": "; ".join(
                text for text in (decision.reason, over, f"steps {span(inside['steps'])}") if text
            ),
        }
        out.append({key: row[key] for key in COLUMNS})
    return out
