"""Safe stop and restart of a training job: the run-folder lock, SIGTERM / Ctrl-C, progress.

- `RunLock`: `train.lock` in the run folder holds the PID and host of the process training
  there; a second copy refuses to start while that process lives, and takes over a lock whose
  process is gone (stale, e.g. after SIGKILL).
- `Monitor`: called after every training batch; turns SIGTERM / SIGINT into
  `TrainingInterrupted` at the next batch (the resume checkpoint of the last finished epoch
  stays), and logs progress within an epoch every `interval_s` seconds, with an ETA.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import time
from pathlib import Path
from types import FrameType, TracebackType

from diffeo_stability.errors import DiffeoStabilityError

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 30.0


class RunLockedError(DiffeoStabilityError):
    """Another live process trains the same run."""


class TrainingInterrupted(DiffeoStabilityError):
    """SIGTERM / SIGINT stopped the training (its resume checkpoint stays)."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _output_of(pid: int) -> str:
    """Where process `pid` writes its messages (its standard error, read from Linux's /proc):
    a rerun of a Snakemake job deletes the log that an orphan of the same job still writes."""
    stderr = f"/proc/{pid}/fd/2"
    try:
        target = os.readlink(stderr)
    except OSError:
        return "its output could not be located"
    if target.endswith(" (deleted)"):
        return (
            f"its log {target.removesuffix(' (deleted)')} was deleted by this rerun: "
            f"read its output with `tail -f {stderr}` while it runs"
        )
    return f"its output goes to {target}"


class RunLock:
    """Exclusive lock file `path` ({"pid", "host"}) for the duration of a `with` block."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.owner = {"pid": os.getpid(), "host": socket.gethostname()}

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                self._take_over_if_stale()
                continue
            with os.fdopen(fd, "w") as handle:
                json.dump(self.owner, handle)
            return self

    def _take_over_if_stale(self) -> None:
        """Remove the lock of a process that is gone; RunLockedError if it still runs."""
        try:
            holder = json.loads(self.path.read_text())
            pid, host = int(holder["pid"]), str(holder["host"])
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("%s is unreadable (a crash while writing it): taking over", self.path)
            self.path.unlink(missing_ok=True)
            return
        if host != self.owner["host"]:
            raise RunLockedError(
                f"{self.path}: this run is being trained by process {pid} on host {host}; "
                "wait for it, or stop it, or remove the lock file if that process is gone"
            )
        if _alive(pid):
            raise RunLockedError(
                f"{self.path}: this run is being trained by process {pid} on this host "
                f"({host}), e.g. one left running by a Snakemake stopped with kill -9; "
                f"{_output_of(pid)}; wait for it or stop it (kill {pid}), then rerun"
            )
        log.warning("%s: process %d is gone (stale lock): taking over the run", self.path, pid)
        self.path.unlink(missing_ok=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.path.unlink(missing_ok=True)


class Monitor:
    """Per-batch hook: stop requests from signals and in-epoch progress lines."""

    def __init__(self, interval_s: float = PROGRESS_INTERVAL_S) -> None:
        self.interval_s = interval_s
        self.signal: int | None = None
        self.epoch_started = self.last_report = time.monotonic()
        self.label = ""
        self._previous: dict[int, object] = {}

    def __enter__(self) -> Monitor:
        if threading.current_thread() is not threading.main_thread():
            return self  # signal handlers can only be set from the main thread
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._previous[sig] = signal.signal(sig, self._request_stop)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.signal = signum

    def start_epoch(self, label: str) -> None:
        """Call before an epoch; `label` prefixes its progress lines (e.g. 'epoch 3/30')."""
        self.label = label
        self.epoch_started = self.last_report = time.monotonic()

    def on_batch(self, done: int, total: int) -> None:
        """After a batch: `done` of `total` images of the epoch are trained."""
        if self.signal is not None:
            name = signal.Signals(self.signal).name
            raise TrainingInterrupted(
                f"stopped by {name} during {self.label}; the resume checkpoint of the last "
                "finished epoch is kept: rerun the same command to continue from it"
            )
        now = time.monotonic()
        if now - self.last_report >= self.interval_s:
            self.last_report = now
            elapsed = now - self.epoch_started
            left = elapsed * (total - done) / max(done, 1)
            log.info(
                "%s: %d/%d images, %.0f s, about %.0f s left in this epoch",
                self.label,
                done,
                total,
                elapsed,
                left,
            )
