"""One module per figure; each defines `draw(inputs, options) -> matplotlib.figure.Figure`.

`inputs` are the paths the rule passes (tables, one data set's test images); `options` are
string key/values from the config (`--set key=value`). Every figure is registered, with its
output, inputs, report caption and option keys, in `figures.registry.FIGURES`.
"""
