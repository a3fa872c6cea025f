"""Countdown throughput on one core: puzzles generated/s and answers verified/s.

Usage: python benchmarks/countdown_throughput.py [--seconds 2]

Generation is timed per preset through ``generate_task`` (what ``reset`` calls).
``env resets/s`` and ``env steps/s`` time the whole env as ``cogym.make`` returns it
(gymnasium's checker and order wrappers included); steps use invalid answers, so the
episode never ends and no reset is counted in.
Verification is timed over a realistic mix of answers as an LLM writes them: free
text with ``<answer>`` tags, one third correct, one third wrong, one third invalid,
through ``verify`` (extraction + normalization + checking). Prints a table and writes
``benchmarks/results/countdown_throughput.json``. Aim: >= 2,000 puzzles/s and
>= 30,000 verifications/s.
"""

from __future__ import annotations

import argparse
import random

from common import pin_to_one_core, rate, save
from rich.console import Console
from rich.table import Table

import cogym
from cogym.envs.countdown import PRESETS, generate_task, verify

ENV_IDS = {
    "easy": "cogym/Countdown-Easy-v0",
    "default": "cogym/Countdown-v0",
    "hard": "cogym/Countdown-Hard-v0",
}


def answer_mix(tasks: list[dict], rng: random.Random) -> list[tuple[str, dict]]:
    """Correct, wrong and invalid answers, as free text, one third each."""
    answers = []
    for i, task in enumerate(tasks):
        numbers = task["numbers"]
        if i % 3 == 0:
            text = f"Let me combine them.\n<answer>{task['solution']}</answer>"
        elif i % 3 == 1:
            text = f"Trying a sum.\n<answer>{' + '.join(map(str, numbers))}</answer>"
        else:
            text = f"<answer>{numbers[0]} ** 2 + {rng.randint(1000, 9999)}</answer>"
        answers.append((text, task))
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="timing budget per figure")
    args = parser.parse_args()
    core = pin_to_one_core()
    rng = random.Random(0)
    rows = []
    for name, config in PRESETS.items():
        seeds = list(range(300))
        generated = rate(
            lambda seed, c=config: generate_task(random.Random(seed), c), seeds, args.seconds
        )
        tasks = [generate_task(random.Random(seed), config) for seed in seeds]
        answers = answer_mix(tasks, rng)
        verified = rate(
            lambda pair: verify(pair[0], pair[1]["numbers"], pair[1]["target"]),
            answers,
            args.seconds,
        )
        env = cogym.make(ENV_IDS[name], max_turns=10**9)  # steps never truncate
        resets = rate(lambda seed, e=env: e.reset(seed=seed), seeds, args.seconds)
        env.reset(seed=0)
        invalid = [text for text, _ in answers if "**" in text]  # the episode goes on
        steps = rate(env.step, invalid, args.seconds)
        env.close()
        rows.append(
            {
                "preset": name,
                "count": config.count,
                "puzzles_per_s": round(generated),
                "verifications_per_s": round(verified),
                "env_resets_per_s": round(resets),
                "env_steps_per_s": round(steps),
            }
        )
    table = Table(title=f"Countdown throughput, one core (cpu {core})")
    columns = ("preset", "numbers", "puzzles/s", "verifications/s", "env resets/s", "env steps/s")
    for column in columns:
        table.add_column(column, justify="right")
    for row in rows:
        figures = [f"{value:,}" for value in list(row.values())[2:]]
        table.add_row(row["preset"], str(row["count"]), *figures)
    Console().print(table)
    path = save(
        "countdown_throughput",
        {"pinned_core": core, "seconds_per_figure": args.seconds, "results": rows},
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
