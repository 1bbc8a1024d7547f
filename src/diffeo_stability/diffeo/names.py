"""The names a setting may choose among (torch-free: config validation reads them)."""

INTERPOLATIONS = ("bilinear", "gaussian", "nearest")
CUTOFF_RULES = ("disk", "code")
#: the authors' code (it produced the paper's figures); "disk" is the paper's text
DEFAULT_CUTOFF_RULE = "code"
