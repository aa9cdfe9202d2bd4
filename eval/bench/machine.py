"""Process and machine measurements for `docqa bench`: child runs, peak RSS, percentiles."""

from __future__ import annotations

import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from docqa.settings import settings_env

if TYPE_CHECKING:
    from docqa.settings import Settings

_STATUS = Path("/proc/self/status")


@dataclass(frozen=True)
class ChildRun:
    """One finished subprocess: wall time from start to exit, its own peak RSS, its output."""

    argv: list[str]
    seconds: float
    returncode: int
    peak_rss_mb: float
    stdout: str
    stderr: str


def docqa_argv(*args: str) -> list[str]:
    """The installed `docqa` script beside this interpreter, else `python -m docqa`."""
    script = Path(sys.executable).with_name("docqa")
    head = [str(script)] if script.is_file() else [sys.executable, "-m", "docqa"]
    return [*head, *args]


def bench_env(settings: Settings, **changes: Any) -> dict[str, str]:
    """The environment that gives a child process exactly these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCQA_")}
    env.update(settings_env(settings, **changes))
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("ANONYMIZED_TELEMETRY", "False")
    return env


def _watch_peak(pid: int, peak: list[float], done: threading.Event) -> None:
    """Follow a child's VmHWM until it exits (it only grows, so the last reading is the peak)."""
    status = Path(f"/proc/{pid}/status")
    while not done.is_set():
        try:
            found = re.search(r"VmHWM:\s+(\d+) kB", status.read_text())
        except OSError:
            found = None
        if found:
            peak[0] = max(peak[0], int(found.group(1)) / 1024)
        done.wait(0.01)


def run_child(argv: list[str], env: dict[str, str]) -> ChildRun:
    """Run a command to its end, timing it and following its own peak RSS.

    Not wait4's ru_maxrss: after fork and exec Linux carries the parent's peak into the
    child's, so a child of a big process would seem as big.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        peak, done = [0.0], threading.Event()
        watcher = threading.Thread(target=_watch_peak, args=(proc.pid, peak, done), daemon=True)
        watcher.start()
        returncode = proc.wait()
        seconds = time.perf_counter() - start
        done.set()
        watcher.join()
        out.seek(0)
        err.seek(0)
        return ChildRun(
            argv=argv,
            seconds=seconds,
            returncode=returncode,
            peak_rss_mb=peak[0],
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS; False where Linux says no."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float:
    """This process's peak RSS since start, or since the last reset_peak_rss()."""
    try:
        found = re.search(r"VmHWM:\s+(\d+) kB", _STATUS.read_text())
    except OSError:
        found = None
    if found:
        return int(found.group(1)) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50, p95 and mean of a list of milliseconds."""
    if not values:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "mean_ms": 0.0}
    array = np.asarray(values, dtype=float)
    return {
        "p50_ms": float(np.percentile(array, 50)),
        "p95_ms": float(np.percentile(array, 95)),
        "mean_ms": float(array.mean()),
    }


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (platform's guess elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    """Cores, CPU model, memory and load: what a reader needs to weigh the numbers."""
    import psutil

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "cpu_model": cpu_model(),
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
