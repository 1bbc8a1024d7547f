"""Cluster execution on a real SLURM (issue 8).

A one-node SLURM cluster (munge, slurmctld, slurmd from the Debian packages) is started on
this machine by .ci/slurm/start.sh; a workflow runs through snakemake-executor-plugin-slurm
with profiles/slurm layered under profiles/slurm-ci; while it runs, one `train` job is
cancelled with scancel. The checks: Snakemake's retry completes the workflow, every target
exists, every job ran as a SLURM job (one SLURM log file per job and attempt), each finished
job was submitted exactly once and its outputs were not rewritten, and the retry asked for
the memory of attempt 2.

Needs root and apt-get (the packages are installed when missing); skips otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
CI_SLURM = REPO / ".ci" / "slurm"
PROFILES = [REPO / "profiles" / "slurm", REPO / "profiles" / "slurm-ci"]
TOY_TIMEOUT_S = 300  # the throw-away workflow takes about 2 minutes
SMOKE_TIMEOUT_S = 900  # the smoke slice: 12 jobs, two at a time on a 2-core node


def _sh(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    """Run a command, capturing text output (no check)."""
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def slurm_env(tmp_path_factory):
    """Environment of a started one-node SLURM cluster; the daemons are stopped afterwards."""
    if os.geteuid() != 0:
        pytest.skip("SLURM test needs root to install and start slurmctld/slurmd/munge")
    if shutil.which("dpkg-query") is None:
        pytest.skip("SLURM test needs a Debian-like system (dpkg, apt-get)")
    install = _sh(str(CI_SLURM / "install.sh"), timeout=900)
    if install.returncode != 0:
        pytest.skip(f"could not install the SLURM packages: {install.stderr.strip()[-400:]}")
    state = tmp_path_factory.mktemp("slurm-state")
    try:
        start = _sh(str(CI_SLURM / "start.sh"), str(state), timeout=180)
        if start.returncode == 3:  # a real slurm.conf is installed: leave that cluster alone
            pytest.skip(f"not starting a test cluster: {start.stderr.strip()}")
        assert start.returncode == 0, f"start.sh failed:\n{start.stdout}\n{start.stderr}"
        env = dict(os.environ, SLURM_CONF=str(state / "slurm.conf"))
        # the jobs call the workflow's CLI; make the interpreter's scripts directory visible
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        yield env
    finally:
        stop = _sh(str(CI_SLURM / "stop.sh"), str(state), timeout=120)
        print(stop.stdout, stop.stderr)


def _profile_value(key: str):
    """A key of the layered profiles (the later profile wins, as in Snakemake)."""
    value = None
    for profile in PROFILES:
        data = yaml.safe_load((profile / "profile.yaml").read_text())
        value = data.get(key, value)
    return value


def _snakemake(snakefile: Path, workdir: Path, *extra: str) -> list[str]:
    """The snakemake command line that a user of the CI profile runs."""
    cmd = [sys.executable, "-m", "snakemake", "-s", str(snakefile), "--directory", str(workdir)]
    for profile in PROFILES:
        cmd += ["--profile", str(profile)]
    return [*cmd, "--workflow-profile", "none", *extra]


def _squeue(env, *fields: str) -> list[list[str]]:
    """Rows of `squeue --states=all` with the given format fields, split on '|'."""
    out = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--format", "|".join(fields)],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=True,
    ).stdout
    return [line.split("|") for line in out.splitlines() if line.strip()]


def finished_outputs(snakemake_log: str) -> list[str]:
    """Outputs of the jobs that Snakemake's log reports as finished so far.

    The log prints a block per job ("rule NAME:" ... "output: a, b" ... "jobid: N") and
    "Finished jobid: N (Rule: NAME)" when SLURM reported it done (and Snakemake touched its
    outputs), so these files must not change any more.
    """
    outputs = {}
    for block in re.split(r"^(?=(?:local)?rule \S+:$)", snakemake_log, flags=re.M):
        out = re.search(r"^\s+output: (.+)$", block, flags=re.M)
        jobid = re.search(r"^\s+jobid: (\d+)$", block, flags=re.M)
        if out and jobid:
            outputs[jobid.group(1)] = out.group(1).split(", ")
    done = re.findall(r"Finished jobid: (\d+)", snakemake_log)
    return [path for j in done for path in outputs.get(j, [])]


def run_with_cancelled_job(
    snakefile: Path, workdir: Path, env, extra=(), cancel_rule="train", timeout_s=TOY_TIMEOUT_S
):
    """Run the workflow on SLURM; scancel the first running job of `cancel_rule`.

    Returns (completed process, cancelled SLURM job id, mtimes of the outputs of the jobs
    finished at the moment of the cancel).
    """
    log = workdir.parent / "snakemake.out"  # outside the workdir: not an output
    with open(log, "w") as out:
        proc = subprocess.Popen(
            _snakemake(snakefile, workdir, *extra),
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    cancelled = snapshot = None
    deadline = time.monotonic() + timeout_s
    try:
        while cancelled is None and proc.poll() is None and time.monotonic() < deadline:
            rows = _squeue(env, "%i", "%T", "%k")
            prefix = f"rule_{cancel_rule}"
            target = [r for r in rows if r[1] == "RUNNING" and r[2].startswith(prefix)]
            if target:
                done = finished_outputs(log.read_text())
                snapshot = {p: (workdir / p).stat().st_mtime for p in done}
                cancelled = target[0][0]
                subprocess.run(["scancel", cancelled], env=env, check=True, timeout=30)
            time.sleep(0.5)
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=60)
    result = subprocess.CompletedProcess(proc.args, proc.returncode, log.read_text(), "")
    assert cancelled is not None, f"no running {cancel_rule} job seen:\n{result.stdout[-3000:]}"
    return result, cancelled, snapshot


def slurm_logs(workdir: Path) -> dict[Path, list[str]]:
    """SLURM job ids per job directory (<logdir>/rule_<name>/<wildcards>/<jobid>.log)."""
    logdir = workdir / _profile_value("slurm-logdir")
    jobs: dict[Path, list[str]] = {}
    for log in logdir.rglob("*.log"):
        jobs.setdefault(log.parent.relative_to(logdir), []).append(log.stem)
    return jobs


def check_fault_recovery(result, workdir, cancelled, snapshot):
    """The checks shared by every workflow run with one cancelled job."""
    assert result.returncode == 0, f"snakemake failed:\n{result.stdout[-5000:]}"
    jobs = slurm_logs(workdir)
    # every job ran in SLURM: one log per submission, named by its numeric SLURM job id
    assert all(re.fullmatch(r"\d+", j) for ids in jobs.values() for j in ids), jobs
    # the cancelled job was resubmitted once; every other job was submitted exactly once
    resubmitted = {d: ids for d, ids in jobs.items() if len(ids) > 1}
    assert len(resubmitted) == 1, f"expected one retried job, got {resubmitted}"
    ((retried_dir, ids),) = resubmitted.items()
    assert cancelled in ids and len(ids) == 2, (cancelled, ids)
    # outputs of the jobs finished before the cancel were not rewritten
    assert snapshot, "no job had finished before the cancel: the check would be empty"
    rewritten = [p for p, m in snapshot.items() if (workdir / p).stat().st_mtime != m]
    assert not rewritten, f"outputs of finished jobs were rewritten: {rewritten}"
    # Snakemake reported the cancel and the retry
    assert "CANCELLED" in result.stdout, result.stdout[-3000:]
    return jobs, retried_dir, sorted(ids, key=int)[1]


# A throw-away workflow with the rule names of the real one: one data job, three one-GPU
# `train` jobs (run as CPU jobs by the CI profile), and an `aggregate` job.
TOY_SNAKEFILE = """
rule all:
    input: "results/tables/summary.txt"

rule synth_data:
    output: "resources/data/toy.txt"
    shell: "echo data $SLURM_JOB_ID > {output}"

rule train:
    input: "resources/data/toy.txt"
    output: "results/train/run{i}.txt"
    resources: gpu=1, cpus_per_gpu=4, mem_mb=lambda wc, attempt: 16000 * attempt
    shell: "sleep 15; echo $SLURM_JOB_ID > {output}"

rule aggregate:
    input: expand("results/train/run{i}.txt", i=range(3))
    output: "results/tables/summary.txt"
    shell: "cat {input} > {output}"
"""


def test_toy_workflow_survives_scancel(slurm_env, tmp_path):
    """A 5-job throw-away workflow: the quick development loop of the SLURM harness."""
    if os.environ.get("DIFFEO_SLURM_TOY") != "1":
        pytest.skip("set DIFFEO_SLURM_TOY=1 for the quick toy run; CI runs the smoke slice")
    snakefile = tmp_path / "Snakefile"
    snakefile.write_text(textwrap.dedent(TOY_SNAKEFILE))
    workdir = tmp_path / "work"
    workdir.mkdir()
    result, cancelled, snapshot = run_with_cancelled_job(snakefile, workdir, slurm_env)
    jobs, retried_dir, retry_id = check_fault_recovery(result, workdir, cancelled, snapshot)
    # every target, each written inside its (last) SLURM job
    assert sorted(map(str, jobs)) == sorted(
        ["rule_synth_data", "rule_aggregate", "rule_train/0", "rule_train/1", "rule_train/2"]
    )
    for i in range(3):
        job_id = (workdir / f"results/train/run{i}.txt").read_text().strip()
        assert job_id == max(jobs[Path(f"rule_train/{i}")], key=int)
    assert retried_dir.parts[0] == "rule_train"
    # the retry is attempt 2: the CI profile's `mem_mb: 1000 * attempt` doubled the request
    memory = {r[0]: r[1] for r in _squeue(slurm_env, "%i", "%m")}
    assert memory.get(cancelled) == "1000M" and memory.get(retry_id) == "2000M", memory


def _job_counts(dry_run_output: str) -> dict[str, int]:
    """{rule: number of jobs} from the "Job stats" table of a dry run."""
    table = dry_run_output.split("Job stats:", 1)[-1]
    return {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"^(\w+)\s+(\d+)$", table, flags=re.M)
        if m.group(1) != "total"
    }


def _dry_run(snakefile, workdir, env, extra) -> subprocess.CompletedProcess:
    """`snakemake --dry-run` of the workflow through the SLURM profiles (nothing submitted)."""
    return subprocess.run(
        _snakemake(snakefile, workdir, *extra, "--dry-run"),
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )


#: the slice of the smoke workflow run on SLURM: every kind of job up to the claims table and
#: one figure (the other 14 figure jobs are the same kind of job as this one)
SLURM_TARGETS = ("results/slurm/tables/claims.csv", "results/slurm/figures/fig5_error_vs_rf.pdf")


def slurm_slice(path: Path) -> Path:
    """config/smoke.yaml reduced to two small trainings (LeNet, FullConnL2 at P = 64 on
    synth-cifar10) and two stripe runs: 12 jobs instead of 60, each still a SLURM job."""
    config = yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())
    config["results"] = "results/slurm"
    config["experiments"] = {
        "slice": {
            "datasets": ["synth-cifar10"],
            "archs": ["LeNet", "FullConnL2"],
            "P": [64],
            "seeds": [0],
        }
    }
    config["stripe"] |= {"P": [128], "seeds": [0, 1]}
    config["figures"]["options"]["fig5_error_vs_rf"] = {"dataset": "synth-cifar10"}
    path.write_text(yaml.safe_dump(config))
    return path


def test_smoke_workflow_survives_scancel(slurm_env, tmp_path):
    """A slice of the repository's smoke workflow on SLURM, one train job cancelled."""
    snakefile = REPO / "Snakefile"
    workdir = tmp_path / "work"
    workdir.mkdir()
    extra = (*SLURM_TARGETS, "--configfile", str(slurm_slice(tmp_path / "slurm.yaml")))
    dry = _dry_run(snakefile, workdir, slurm_env, extra)
    assert dry.returncode == 0, dry.stdout[-3000:] + dry.stderr[-3000:]
    counts = _job_counts(dry.stdout + dry.stderr)
    assert counts.get("train", 0) >= 2, counts

    result, cancelled, snapshot = run_with_cancelled_job(
        snakefile, workdir, slurm_env, extra, timeout_s=SMOKE_TIMEOUT_S
    )
    jobs, retried_dir, _ = check_fault_recovery(result, workdir, cancelled, snapshot)
    assert retried_dir.parts[0] == "rule_train"
    # every job ran as a SLURM job
    per_rule: dict[str, int] = {}
    for job_dir in jobs:
        rule = job_dir.parts[0].removeprefix("rule_")
        per_rule[rule] = per_rule.get(rule, 0) + 1
    expected = {rule: n for rule, n in counts.items() if rule != "all"}
    assert per_rule == expected, (per_rule, expected)
    # every target exists and is up to date: nothing left to do
    again = _dry_run(snakefile, workdir, slurm_env, extra)
    assert "Nothing to be done" in again.stdout + again.stderr, again.stdout[-3000:]
