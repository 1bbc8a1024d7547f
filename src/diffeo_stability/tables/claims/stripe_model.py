"""The stripe model: R_f ~ P^-1, one row per input dimension d (reads stripe.csv)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from diffeo_stability.tables.claims.rows import groups, join, span, verdict
from diffeo_stability.tables.fits import fit_power_law

STRIPE_TOL = 0.2  # stripe slope within -1 +- 0.2
NAME = "stripe model R_f ~ P^-1"


def stripe_claims(stripe: pd.DataFrame | None) -> list[dict]:
    """Stripe model: slope of log R_f vs log P within STRIPE_TOL of -1, one row per d."""
    criterion = f"|slope + 1| <= {STRIPE_TOL:g}"
    if stripe is not None and not stripe.empty:
        stripe = stripe.assign(P=stripe["P"].astype(int))
    by_d = [] if stripe is None or stripe.empty else groups(stripe, ["d"])
    out = []
    for group in by_d:
        good = group[(group["R"] > 0) & np.isfinite(group["R"])]
        means = good.groupby("P")["R"].apply(lambda r: float(np.exp(np.log(r).mean())))
        d = int(group["d"].iloc[0])
        base = {
            "claim": NAME,
            "dataset": f"stripe d={d}",
            "arch": "one hidden layer",
            "paper_value": "-1",
            "criterion": criterion,
            "epochs": "",
            "seeds": span(good.groupby("P")["seed"].nunique()),
            "P": join(sorted(means.index)),
        }
        if len(means) < 2:
            out.append(
                {
                    **base,
                    "reproduced_value": float("nan"),
                    "holds": verdict(None),
                    "details": "fewer than 2 values of P",
                }
            )
            continue
        fit = fit_power_law(means.index.to_numpy(float), means.to_numpy(float))
        out.append(
            {
                **base,
                "reproduced_value": fit.exponent,
                "holds": verdict(abs(fit.exponent + 1) <= STRIPE_TOL),
                "details": f"slope {fit.exponent:.3f} +- {fit.exponent_stderr:.3f} over "
                f"{fit.n_points} values of P; steps {span(good['steps'])}",
            }
        )
    if not out:
        out.append(
            {
                "claim": NAME,
                "dataset": "stripe",
                "arch": "",
                "paper_value": "-1",
                "reproduced_value": float("nan"),
                "criterion": criterion,
                "holds": verdict(None),
                "seeds": "",
                "P": "",
                "epochs": "",
                "details": "stripe.csv absent or empty",
            }
        )
    return out
