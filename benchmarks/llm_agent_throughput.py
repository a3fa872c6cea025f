"""LLM agent throughput: episodes/s and generated tokens/s at several batch sizes.

Usage: python benchmarks/llm_agent_throughput.py [--model builtin] [--batches 1,8,32]
       [--device cpu] [--dtype bfloat16] [--max-new-tokens 64] [--name RESULTS_NAME]

Plays Countdown-Easy (2 turns) with :class:`~cogym.agents.llm_agent.LLMAgent`, greedy,
``2 * batch`` episodes per batch size (at least 4), so every batch size runs full batches
twice. Tokens/s counts generated tokens over the whole wall time (env steps, prompt
building and generation). Prints a table and writes
``benchmarks/results/llm_agent_throughput.json``.
"""

from __future__ import annotations

import argparse
import time

from common import save
from rich.console import Console
from rich.table import Table

import cogym
from cogym.agents.backends import SamplingParams, load_backend
from cogym.agents.llm_agent import LLMAgent
from cogym.agents.rollout import run_episodes

ENV_ID = "cogym/Countdown-Easy-v0"


def measure(backend, batch: int, max_new_tokens: int) -> dict:
    """Play ``2 * batch`` episodes ``batch`` at a time; return the figures."""
    agent = LLMAgent(backend, sampling=SamplingParams(max_new_tokens=max_new_tokens))
    episodes = max(4, 2 * batch)
    start = time.perf_counter()
    records = run_episodes(
        lambda: cogym.make(ENV_ID, max_turns=2), agent, list(range(episodes)), batch_size=batch
    )
    elapsed = time.perf_counter() - start
    turns = sum(record.num_turns for record in records)
    return {
        "batch": batch,
        "episodes": episodes,
        "turns": turns,
        "generated_tokens": agent.stats.generated_tokens,
        "tokens_per_turn": agent.stats.generated_tokens / turns,
        "seconds": elapsed,
        "episodes_per_s": episodes / elapsed,
        "tokens_per_s": agent.stats.generated_tokens / elapsed,
        "success_rate": sum(record.success for record in records) / episodes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="builtin")
    parser.add_argument("--batches", default="1,8,32")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda if present)")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--dtype", default=None, help="e.g. bfloat16 (default float32 on CPU)")
    parser.add_argument("--name", default="llm_agent_throughput", help="results file name")
    args = parser.parse_args()
    options = {
        key: value for key, value in (("device", args.device), ("dtype", args.dtype)) if value
    }
    backend = load_backend(args.model, **options)
    device = str(getattr(backend, "device", args.model))
    dtype = str(getattr(backend, "dtype", "")).removeprefix("torch.")
    warm = backend.generate([[{"role": "user", "content": "hi"}]], SamplingParams(max_new_tokens=4))
    assert warm  # the first call pays one-off costs; keep them out of the figures
    rows = [measure(backend, int(b), args.max_new_tokens) for b in args.batches.split(",")]
    table = Table(title=f"LLMAgent on {ENV_ID}, {backend.name} ({dtype}) on {device}, greedy")
    for column in ("batch", "episodes", "tokens/turn", "seconds", "episodes/s", "tokens/s"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            str(row["batch"]),
            str(row["episodes"]),
            f"{row['tokens_per_turn']:.1f}",
            f"{row['seconds']:.1f}",
            f"{row['episodes_per_s']:.3f}",
            f"{row['tokens_per_s']:.1f}",
        )
    Console().print(table)
    path = save(
        args.name,
        {
            "model": backend.name,
            "device": device,
            "dtype": dtype,
            "env": ENV_ID,
            "max_new_tokens": args.max_new_tokens,
            "results": rows,
        },
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
