"""The paper's quantitative claims checked against the aggregated tables.

One row per claim (and per data set / architecture where the claim is per net): the paper's
value, the reproduced value computed from the tables, the criterion, whether it holds
("yes" | "no" | "not tested" when the data are absent), and the statistics behind it.
Headline quantities: the `Headline` given (the config's `probe.headline`; default: output
layer, delta = 1, c = 3, bilinear, median, per-image noise norm).

One module per kind of claim, each a function returning its rows (`rows.claim_row`), listed in
order by `table.evaluate_claims`; `markdown` renders the table.
"""

from diffeo_stability.tables.claims.markdown import claims_markdown
from diffeo_stability.tables.claims.rows import COLUMNS
from diffeo_stability.tables.claims.table import evaluate_claims, synthetic_line

__all__ = ["COLUMNS", "claims_markdown", "evaluate_claims", "synthetic_line"]
