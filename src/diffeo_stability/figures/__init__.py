"""One module per figure; each defines `draw(inputs, options) -> matplotlib.figure.Figure`.

`inputs` are the paths the rule passes (tables, checkpoints, images); `options` are string
key/values from the config (`--set key=value`). Registered by name in `FIGURES`.
"""

FIGURES: dict[str, str] = {}
