"""Shared by the benchmark scripts: machine description, one-core pinning, result files."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, Any]:
    """What the figures were measured on, saved with every result."""
    import cogym

    return {
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cogym": cogym.__version__,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def pin_to_one_core() -> int | None:
    """Run this process on one CPU (the first allowed) and return its index."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return core


def save(name: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` and the machine info to ``benchmarks/results/<name>.json``."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine_info(), **payload}, indent=2) + "\n")
    return path


def rate(fn, items: list, seconds: float) -> float:
    """Calls of ``fn`` per second over ``items``, repeated for at least ``seconds``; best of 3."""
    best = 0.0
    for _ in range(3):
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 3:
            for item in items:
                fn(item)
            calls += len(items)
        best = max(best, calls / (time.perf_counter() - start))
    return best
