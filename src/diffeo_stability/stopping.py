"""A plain `kill PID` (SIGTERM) of a local Snakemake run stops its running jobs within seconds.

Snakemake's own SIGTERM handler only stops scheduling ("Will exit after finishing currently
running jobs"): the jobs it runs locally, trainings of many minutes, run to their end, because
a signal sent to one process reaches neither its job shells nor their commands. Ctrl-C in a
terminal stops them at once only because the terminal signals the whole process group.

`forward_sigterm()`, installed by the Snakefile when a local run starts (`onstart`, after
Snakemake has set its own handler), sends SIGTERM on to the innermost process of every running
job (the command, not the shell around it) and then lets Snakemake's handler run. A training
saves its resume checkpoint and exits (`training.runcontrol`), other jobs end at once (every
output is written atomically), each shell passes the exit status up, and Snakemake exits
when no job runs any more; rerunning the same command continues (`rerun-incomplete`).
Torch-free (the Snakefile imports it).
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable
from types import FrameType

import psutil

log = logging.getLogger(__name__)


def innermost_processes(pid: int) -> list[psutil.Process]:
    """The descendants of process `pid` that have no children of their own (a job's command,
    not the shells around it)."""
    found = []
    for process in psutil.Process(pid).children(recursive=True):
        try:
            if not process.children():
                found.append(process)
        except psutil.NoSuchProcess:
            continue
    return found


def stop_jobs(pid: int) -> list[int]:
    """Send SIGTERM to the innermost descendants of `pid`; the PIDs signalled."""
    signalled = []
    for process in innermost_processes(pid):
        try:
            process.send_signal(signal.SIGTERM)
        except psutil.NoSuchProcess:
            continue
        signalled.append(process.pid)
    return signalled


def forward_sigterm(report: Callable[[str], None] = log.warning) -> None:
    """On SIGTERM, stop this process's running jobs (`stop_jobs`), say so with `report`, then
    call the handler that was set before (Snakemake's: schedule nothing more, exit when the
    running jobs have ended); with no Python handler before, end as SIGTERM would."""
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum: int, frame: FrameType | None) -> None:
        stopped = stop_jobs(os.getpid())
        report(
            f"SIGTERM: stopping the {len(stopped)} running job(s) (process {stopped}); a "
            "training saves its resume checkpoint first. The job errors reported next are "
            "these stops; rerun the same command to continue."
        )
        if callable(previous):
            previous(signum, frame)
        else:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, handler)
