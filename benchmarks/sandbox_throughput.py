"""Sandbox throughput: cold runs and pooled runs of a short program, per backend.

Usage: python benchmarks/sandbox_throughput.py [--runs 100] [--pool-runs 400]

For each backend that works here (bwrap, docker, and the not-isolated subprocess), the
program ``print(sum(range(1000)))`` is run

- cold: ``cogym.sandbox.run`` (a fresh sandbox per run), and
- pooled: ``SandboxPool.run`` (warm sandboxes, a fresh forked process per run),

first serially with the whole benchmark pinned to one core, then with every core and
as many runs at once as there are cores (as many threads calling ``run``, and a pool of
that size). A baseline row times ``python -S -c <program>`` with no sandbox at all.
Latency is the wall clock around each call. Prints a table and writes
``benchmarks/results/sandbox_throughput.json``.
Aims: bwrap cold within 1.5x of the subprocess backend, >= 50 pooled runs/s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from common import pin_to_one_core, save
from rich.console import Console
from rich.table import Table

from cogym.sandbox import SandboxPool, available_backends, run
from cogym.sandbox.backends.interpreter import host_python

PROGRAM = "print(sum(range(1000)))"
EXPECTED = "499500\n"
WARMUP = 5


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def row(backend: str, kind: str, mode: str, latencies: list[float], elapsed: float) -> dict:
    """One line of results: runs/s over ``elapsed`` and latency percentiles in ms."""
    return {
        "backend": backend,
        "kind": kind,
        "mode": mode,
        "runs": len(latencies),
        "runs_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 2),
        "p95_ms": round(1000 * percentile(latencies, 0.95), 2),
    }


def serial(call: Callable[[], str], count: int) -> tuple[list[float], float]:
    """Time ``count`` calls one after another; each must print the expected line."""
    for _ in range(WARMUP):
        assert call() == EXPECTED
    latencies = []
    start = time.perf_counter()
    for _ in range(count):
        before = time.perf_counter()
        output = call()
        latencies.append(time.perf_counter() - before)
        assert output == EXPECTED, output
    return latencies, time.perf_counter() - start


def concurrent(call: Callable[[], str], count: int, width: int) -> tuple[list[float], float]:
    """Time ``count`` calls made by ``width`` threads at once."""

    def timed(_: int) -> float:
        before = time.perf_counter()
        output = call()
        assert output == EXPECTED, output
        return time.perf_counter() - before

    with ThreadPoolExecutor(max_workers=width) as executor:
        list(executor.map(timed, range(WARMUP)))
        start = time.perf_counter()
        latencies = list(executor.map(timed, range(count)))
    return latencies, time.perf_counter() - start


def bare_python() -> str:
    """The baseline: the same interpreter, no sandbox, no runner."""
    command = [host_python().executable, "-S", "-c", PROGRAM]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def measure_serial(backends: list[str], runs: int, pool_runs: int) -> list[dict]:
    """Every backend, cold and pooled, one run at a time."""
    rows = [row("none", "python -S -c", "serial", *serial(bare_python, runs))]
    for backend in backends:
        cold = serial(lambda b=backend: run(PROGRAM, backend=b).stdout, runs)
        rows.append(row(backend, "cold run()", "serial", *cold))
        with SandboxPool(1, backend=backend) as pool:
            pooled = serial(lambda p=pool: p.run(PROGRAM).stdout, pool_runs)
        rows.append(row(backend, "SandboxPool", "serial", *pooled))
    return rows


def measure_concurrent(backends: list[str], runs: int, pool_runs: int, width: int) -> list[dict]:
    """Every backend, cold and pooled, ``width`` runs at a time."""
    rows = []
    mode = f"{width} at once"
    for backend in backends:
        cold = concurrent(lambda b=backend: run(PROGRAM, backend=b).stdout, runs, width)
        rows.append(row(backend, "cold run()", mode, *cold))
        with SandboxPool(width, backend=backend) as pool:
            pooled = concurrent(lambda p=pool: p.run(PROGRAM).stdout, pool_runs, width)
        rows.append(row(backend, "SandboxPool", mode, *pooled))
    return rows


def ratios(rows: list[dict]) -> dict[str, float]:
    """Cold serial p50 of each isolating backend over the subprocess backend's and bare python's."""
    cold = {
        r["backend"]: r["p50_ms"] for r in rows if r["mode"] == "serial" and "cold" in r["kind"]
    }
    bare = next(r["p50_ms"] for r in rows if r["backend"] == "none")
    found = {}
    for backend in ("bwrap", "docker"):
        if backend in cold:
            found[f"{backend}_cold_over_subprocess"] = round(cold[backend] / cold["subprocess"], 2)
            found[f"{backend}_cold_over_bare_python"] = round(cold[backend] / bare, 2)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="cold runs per figure")
    parser.add_argument("--pool-runs", type=int, default=400, help="pooled runs per figure")
    args = parser.parse_args()
    backends = available_backends()
    cores = sorted(os.sched_getaffinity(0))
    pinned = pin_to_one_core()
    rows = measure_serial(backends, args.runs, args.pool_runs)
    os.sched_setaffinity(0, cores)
    rows += measure_concurrent(backends, args.runs, args.pool_runs, len(cores))

    table = Table(title=f"Sandbox throughput: {PROGRAM} (serial rows pinned to cpu {pinned})")
    for column in ("backend", "kind", "mode", "runs", "runs/s", "p50 ms", "p95 ms"):
        table.add_column(column, justify="left" if column in ("backend", "kind") else "right")
    for each in rows:
        table.add_row(*(str(value) for value in each.values()))
    console = Console()
    console.print(table)
    found = ratios(rows)
    for name, value in found.items():
        console.print(f"{name}: {value}x")
    path = save(
        "sandbox_throughput",
        {
            "program": PROGRAM,
            "pinned_core": pinned,
            "concurrency": len(cores),
            "results": rows,
            "ratios": found,
        },
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
