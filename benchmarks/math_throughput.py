"""Math throughput: problems generated/s per family and answers graded/s.

Usage: python benchmarks/math_throughput.py [--seconds 2]

Generation is timed per family through ``generate_task`` (what ``reset`` calls), pinned
to one core. Grading is timed through ``grade`` (extraction + math-verify in the worker
process of one warm ``MathGrader``, with the time limit) over a realistic mix of replies:
one third the gold answer in another form (a decimal for a fraction, spaces), one third
wrong, one third the gold as written. Prints a table and writes
``benchmarks/results/math_throughput.json``.
"""

from __future__ import annotations

import argparse
import random

from common import pin_to_one_core, rate, save
from rich.console import Console
from rich.table import Table

from cogym.envs.math.families import FAMILIES
from cogym.envs.math.generator import MathConfig, generate_task
from cogym.envs.math.grader import MathGrader, grade


def replies(tasks: list[dict]) -> list[tuple[str, str]]:
    """(reply, gold) pairs: gold as written, gold reformatted, and wrong, a third each."""
    pairs = []
    for i, task in enumerate(tasks):
        gold = task["answer"]
        if i % 3 == 0:
            reply = f"The answer is \\boxed{{{gold}}}."
        elif i % 3 == 1:
            reply = f"Working...\n\\boxed{{ {gold.replace(', ', ',')} }}"
        else:
            reply = "So \\boxed{12345}"
        pairs.append((reply, gold))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="timing budget per figure")
    args = parser.parse_args()
    core = pin_to_one_core()
    rows = []
    for name in FAMILIES:
        config = MathConfig(families=(name,))
        seeds = list(range(200))
        per_s = rate(
            lambda seed, c=config: generate_task(random.Random(seed), c), seeds, args.seconds
        )
        rows.append({"family": name, "tasks_per_s": round(per_s)})
    tasks = [generate_task(random.Random(seed), MathConfig()) for seed in range(150)]
    pairs = replies(tasks)
    with MathGrader() as grader:
        grade(*pairs[0], grader=grader)  # start the grading worker outside the timing
        graded = rate(lambda pair: grade(*pair, grader=grader), pairs, args.seconds * 3)
    table = Table(title=f"Math throughput, one core (cpu {core})")
    table.add_column("family")
    table.add_column("tasks/s", justify="right")
    for row in rows:
        table.add_row(row["family"], f"{row['tasks_per_s']:,}")
    console = Console()
    console.print(table)
    console.print(f"answers graded/s (math-verify, mixed replies): {graded:,.0f}")
    path = save(
        "math_throughput",
        {"pinned_core": core, "generation": rows, "answers_graded_per_s": round(graded, 1)},
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
