"""The README agrees with itself and with the code: the estimate table is the cost model's, every
wall time it quotes for a config is one figure with the date or commit it was measured at, and
the Configs table states the configs' training-set sizes."""

from __future__ import annotations

import re

import pytest
import yaml
from workflow_helpers import CONFIGS, ROOT

from diffeo_stability.config import training_runs, validate_config
from diffeo_stability.preflight import cost

README = (ROOT / "README.md").read_text()
CONFIG_NAMES = sorted(path.stem for path in CONFIGS.glob("*.yaml"))
#: a duration as the README writes it: "81 min 23 s", "3.3 h", "1,547 h", "< 1 min"
DURATION = r"(?:< )?\d[\d,.]* (?:min|h)(?: \d+ s)?"
#: what marks a measured time: a commit in backticks or an ISO date
STAMP = re.compile(r"commit `[0-9a-f]{7,40}`|\b20\d\d-\d\d-\d\d\b")


def load(name: str) -> dict:
    return validate_config(yaml.safe_load((CONFIGS / f"{name}.yaml").read_text()))


def duration(hours: float) -> str:
    """The README's form of an estimate: whole minutes under an hour, hours above."""
    minutes = hours * 60
    if minutes < 1:
        return "< 1 min"
    if minutes < 59.5:
        return f"{minutes:.0f} min"
    return f"{hours:.1f} h" if hours < 9.95 else f"{hours:,.0f} h"


def estimate_row(name: str) -> str:
    """The row of the README's estimate table for config `name`, from the cost model."""
    config = load(name)
    runs = training_runs(config)
    passes = sum(cost.run_passes(config, run).train for run in runs)
    mantissa, exponent = f"{passes:.1e}".split("e")
    hours = {
        device: cost.total_hours(cost.estimate_hours(config, cost.table_rates(device)))
        + cost.startup_hours(config)
        for device in ("cpu", "cuda")
    }
    cells = [f"`config/{name}.yaml`", f"{len(runs):,}", f"{cost.job_count(config):,}"]
    cells += [f"{mantissa}e{int(exponent)}", duration(hours["cpu"]), duration(hours["cuda"])]
    return "| " + " | ".join(cells) + " |"


def blocks(text: str) -> list[str]:
    """Paragraphs, list items, table rows and code lines: the units a statement lives in."""
    out = []
    for paragraph in re.split(r"\n\s*\n", text):
        lines = paragraph.splitlines()
        if any(line.startswith(("|", "```", "#", ".venv")) for line in lines):
            out += lines
        else:
            out.append(" ".join(lines))
    return out


def test_the_estimate_table_is_the_cost_models():
    for name in CONFIG_NAMES:
        row = estimate_row(name)
        assert row in README, f"README estimate row of {name} should read:\n{row}"


def config_times() -> dict[str, list[tuple[str, str]]]:
    """config -> (duration, block) for each wall time the README quotes for a whole run of it:
    a duration followed by "of wall time" or "on N (idle) CPU cores", in a block that names one
    config or, naming none, follows one that does (a command between two paragraphs); the
    estimate table is the model's, not a measurement."""
    quoted: dict[str, list[tuple[str, str]]] = {}
    current = None
    for block in blocks(README):
        if re.fullmatch(r"\| `config/[\w-]+\.yaml` \|(?: [^|]+ \|){5}", block):
            continue  # a row of the estimate table
        names = set(re.findall(r"\b(" + "|".join(map(re.escape, CONFIG_NAMES)) + r")\.yaml", block))
        if block.startswith("#"):
            current = None  # a new section
        if len(names) == 1:
            current = next(iter(names))
        times = re.findall(rf"({DURATION})(?= of wall time| on \d+ (?:idle )?CPU cores)", block)
        if times:
            assert len(names) <= 1 and current, f"a run time of which config? {block}"
            quoted.setdefault(current, []).extend((t, block) for t in times)
    return quoted


def test_every_wall_time_of_a_config_is_one_figure_with_its_date_or_commit():
    quoted = config_times()
    assert {"smoke", "cpu-check"} <= set(quoted), quoted
    for name, times in quoted.items():
        assert len({t for t, _ in times}) == 1, f"{name}: several times {[t for t, _ in times]}"
        for time, block in times:
            assert STAMP.search(block), f"{name}: {time} without a date or commit: {block}"


def test_the_check_catches_the_old_forms():
    old = blocks("(3.5 min on 2 CPU cores) for `config/smoke.yaml`")
    assert re.findall(rf"({DURATION})(?= on \d+ (?:idle )?CPU cores)", old[0]) == ["3.5 min"]
    assert not STAMP.search(old[0])


@pytest.mark.parametrize("name", ["smoke"])
def test_the_configs_table_states_the_training_set_sizes(name):
    row = next(line for line in README.splitlines() if line.startswith(f"| `config/{name}.yaml`"))
    sizes = sorted({str(run.P) for run in training_runs(load(name))}, key=lambda p: (len(p), p))
    stated = re.search(r"P in \{([^}]*)\}", row).group(1)
    assert [p.strip() for p in stated.split(",")] == sorted(sizes, key=lambda p: p == "full")
