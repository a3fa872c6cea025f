"""The ``cogym`` command: ``list``, ``run`` and ``play``."""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from tqdm import tqdm

import cogym
from cogym.agents.registry import AGENTS, make_agent
from cogym.agents.rollout import run_episode
from cogym.core.episode import EpisodeRecord
from cogym.core.errors import CogymError
from cogym.core.spaces import describe_space


def parse_env_kwargs(pairs: Sequence[str]) -> dict[str, Any]:
    """Turn ``["max_turns=2", "preset=hard"]`` into kwargs; values are JSON when they parse."""
    kwargs: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise CogymError(f"--env-kwarg takes KEY=VALUE, got {pair!r}")
        try:
            kwargs[key] = json.loads(raw)
        except json.JSONDecodeError:
            kwargs[key] = raw
    return kwargs


# -- list -------------------------------------------------------------------------------


def env_table_rows() -> list[dict[str, str]]:
    """One row per registered id: id, spaces, turn limit, summary."""
    rows = []
    for entry in cogym.ENVS:
        env = entry.env_class()(**entry.kwargs)
        rows.append(
            {
                "id": entry.id,
                "observation": describe_space(env.observation_space),
                "action": describe_space(env.action_space),
                "max_turns": str(getattr(env, "max_turns", "-")),
                "summary": entry.summary,
            }
        )
        env.close()
    return rows


def markdown_table(rows: list[dict[str, str]]) -> str:
    """The env table as GitHub markdown (the README's table is this output)."""
    header = "| id | observation | action | max turns | description |"
    lines = [header, "|---|---|---|---|---|"]
    for row in rows:
        lines.append(
            f"| `{row['id']}` | `{row['observation']}` | `{row['action']}` "
            f"| {row['max_turns']} | {row['summary']} |"
        )
    return "\n".join(lines)


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    rows = env_table_rows()
    if args.format == "markdown":
        print(markdown_table(rows))
    elif args.format == "json":
        print(json.dumps(rows, indent=2))
    else:
        table = Table(title="cogym envs")
        for column in ("id", "observation", "action", "max turns"):
            table.add_column(column, no_wrap=True)
        table.add_column("description")
        for row in rows:
            table.add_row(*row.values())
        console.print(table)
    return 0


# -- run --------------------------------------------------------------------------------


def summarize(records: list[EpisodeRecord], elapsed_s: float) -> dict[str, Any]:
    """Success rate, mean return and turns, and throughput of a batch of episodes."""
    returns = [record.total_reward for record in records]
    return {
        "episodes": len(records),
        "success_rate": sum(record.success for record in records) / len(records),
        "mean_return": statistics.fmean(returns),
        "std_return": statistics.pstdev(returns),
        "mean_turns": statistics.fmean(record.num_turns for record in records),
        "episodes_per_s": len(records) / elapsed_s if elapsed_s > 0 else float("inf"),
    }


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    if args.episodes < 1:
        raise CogymError(f"--episodes must be >= 1, got {args.episodes}")
    env = cogym.make(args.env_id, **parse_env_kwargs(args.env_kwarg))
    agent = make_agent(args.agent, env, seed=args.seed)
    records: list[EpisodeRecord] = []
    start = time.perf_counter()
    with contextlib.ExitStack() as stack:
        stack.callback(env.close)
        out = stack.enter_context(Path(args.out).open("w", encoding="utf-8")) if args.out else None
        seeds = range(args.seed, args.seed + args.episodes)
        for seed in tqdm(seeds, desc=f"{args.agent} on {env.spec.id}", disable=args.quiet):
            record = run_episode(env, agent, seed=seed, agent_name=args.agent)
            records.append(record)
            if out is not None:
                out.write(record.to_json() + "\n")
    summary = {
        "env": env.spec.id,
        "agent": args.agent,
        **summarize(records, time.perf_counter() - start),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        console.print(summary_table([summary]))
    return 0


def summary_table(summaries: list[dict[str, Any]]) -> Table:
    """A rich table with one row per (env, agent) summary."""
    table = Table(title="cogym run")
    columns = ("env", "agent", "episodes", "success", "mean return", "mean turns", "episodes/s")
    for column in columns:
        table.add_column(
            column, justify="left" if column in ("env", "agent") else "right", no_wrap=True
        )
    for s in summaries:
        table.add_row(
            s["env"],
            s["agent"],
            str(s["episodes"]),
            f"{s['success_rate']:.1%}",
            f"{s['mean_return']:.3f} ± {s['std_return']:.3f}",
            f"{s['mean_turns']:.2f}",
            f"{s['episodes_per_s']:.1f}",
        )
    return table


# -- play -------------------------------------------------------------------------------


def cmd_play(args: argparse.Namespace, console: Console) -> int:
    env = cogym.make(args.env_id, **parse_env_kwargs(args.env_kwarg))
    console.print(
        "[dim]Type your action and press Enter. /quit leaves, /new starts a new episode.[/dim]"
    )
    seed = args.seed
    try:
        while True:
            observation, info = env.reset(seed=seed)
            seed = None if seed is None else seed + 1
            total = 0.0
            done = False
            console.print(observation, markup=False, highlight=False)
            while not done:
                if info.get("legal_actions"):
                    legal = escape(", ".join(map(str, info["legal_actions"])))
                    console.print(f"[dim]legal actions: {legal}[/dim]")
                try:
                    action = input("> ")
                except EOFError:
                    return 0
                if action.strip() == "/quit":
                    return 0
                if action.strip() == "/new":
                    break
                observation, reward, terminated, truncated, info = env.step(action)
                total += reward
                done = terminated or truncated
                console.print(observation, markup=False, highlight=False)
                console.print(f"[dim]reward {reward:+.2f}  turn {info.get('turn')}[/dim]")
            if done:
                verdict = "solved" if info.get("success") else "not solved"
                console.print(f"[bold]Episode over: {verdict}, return {total:+.2f}.[/bold]")
    finally:
        env.close()


# -- entry point ------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cogym", description=cogym.__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"cogym {cogym.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="list every env id with its spaces")
    listing.add_argument("--format", choices=("table", "markdown", "json"), default="table")
    listing.set_defaults(handler=cmd_list)

    run = commands.add_parser("run", help="run an agent for some episodes and summarize")
    run.add_argument("env_id", help="e.g. cogym/Countdown-v0 (the cogym/ prefix is optional)")
    agent_help = "; ".join(f"{name}: {spec.summary}" for name, spec in AGENTS.items())
    run.add_argument("--agent", default="random", help=agent_help)
    run.add_argument("--episodes", type=int, default=10)
    run.add_argument("--seed", type=int, default=0, help="episode i uses seed SEED+i")
    run.add_argument("--out", help="write one JSON episode record per line to this file")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--env-kwarg", action="append", default=[], metavar="KEY=VALUE")
    run.set_defaults(handler=cmd_run)

    play = commands.add_parser("play", help="play an env yourself in the terminal")
    play.add_argument("env_id")
    play.add_argument("--seed", type=int, default=None)
    play.add_argument("--env-kwarg", action="append", default=[], metavar="KEY=VALUE")
    play.set_defaults(handler=cmd_play)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``cogym`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    console = Console()
    if not console.is_terminal:  # pipes and logs: do not squeeze tables into 80 columns
        console = Console(width=140)
    try:
        return args.handler(args, console)
    except CogymError as error:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
