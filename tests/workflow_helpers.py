"""Running snakemake on this repository's workflow from tests."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "config"


def snakemake(
    *args: str, workdir: Path, timeout: float = 900, check: bool = True
) -> subprocess.CompletedProcess:
    """Run the repository's Snakefile with working directory `workdir`; capture output."""
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(ROOT / "Snakefile"),
        "--directory",
        str(workdir),
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
        )
    return result


def planned_jobs(*args: str, workdir: Path) -> Counter:
    """Job counts per rule of a dry run (`snakemake -n --quiet rules`)."""
    result = snakemake("-n", "--quiet", "rules", *args, workdir=workdir)
    counts = Counter()
    for line in (result.stdout + result.stderr).splitlines():
        match = re.fullmatch(r"\s*([A-Za-z_][\w]*)\s+(\d+)\s*", line)
        if match and match.group(1) != "total":
            counts[match.group(1)] = int(match.group(2))
    return counts


def fake_built_outputs(*args: str, workdir: Path) -> list[str]:
    """Create every output the workflow plans (empty files, older inputs first), as after a run.

    Returns the output paths, relative to `workdir`.
    """
    order = ["synth_data", "fetch_data", "stripe", "train", "stripe_table", "probe", "aggregate"]
    summary = snakemake("--summary", *args, workdir=workdir).stdout.splitlines()[1:]
    paths = []
    for line in summary:
        path, _, rule = line.split("\t")[:3]
        target = workdir / path
        if rule == "synth_data":
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.touch()
        stamp = 1e9 + (order.index(rule) if rule in order else len(order))
        os.utime(target, (stamp, stamp))
        paths.append(path)
    return paths


def readme_commands(program: str) -> list[list[str]]:
    """The command lines of `program` ("snakemake", "diffeo-stability") that README.md shows in
    code (spans, fenced and indented blocks; several joined by `&&` counted apart), in order,
    without repeats; each as its words, the program (with any `.venv/bin/` prefix) first."""
    text = (ROOT / "README.md").read_text()
    fenced = re.findall(r"^```[a-z]*\n(.*?)^```", text, flags=re.S | re.M)
    prose = re.sub(r"^```[a-z]*\n.*?^```", "", text, flags=re.S | re.M)
    pieces = [line for block in fenced for line in block.splitlines()]
    pieces += re.findall(r"`([^`\n]+)`", prose)
    pieces += [line for line in prose.splitlines() if line.startswith("    ")]
    pattern = re.compile(rf"(?:\.venv/bin/)?{re.escape(program)} \S.*")
    found = {}
    for piece in pieces:
        for part in piece.split("&&"):
            part = part.split(" #")[0].strip()
            if pattern.fullmatch(part):
                found.setdefault(part, shlex.split(part))
    return list(found.values())
