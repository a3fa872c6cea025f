"""Kuhn poker throughput on one core: hands/s and steps/s, text and vector, one env and
batches of games stepped together.

Usage: python benchmarks/poker_throughput.py [--hands 100000]

- ``text`` / ``vector``: one ``cogym/KuhnPoker-v0`` as ``cogym.make`` returns it
  (gymnasium's wrappers included) against the Nash opponent; the agent's moves are
  drawn in advance from the legal ones, so the figure is the env's own cost. Resets
  are counted in the time (a hand is one reset and one or two steps).
- ``native batch B``: ``gym.make_vec("cogym/KuhnPoker-v0", num_envs=B)``, the numpy
  :class:`~cogym.envs.poker.vector_env.KuhnPokerVectorEnv` (same-step autoreset);
  steps/s counts each game's step.
- ``sync batch B``: ``gym.make_vec(..., num_envs=B, vectorization_mode="sync")``, single
  envs in vector mode (next-step autoreset: a step after a hand's end only resets).
- ``self-play batch B``: :func:`cogym.games.selfplay.play_self_play` with a Nash agent
  in both seats of the AEC env, ``B`` games in flight, text in and out (agent cost
  included).
- ``AEC``: the PettingZoo env, random legal actions.

Each figure is the best of ``--repeats`` runs (this machine's speed varies run to run).
Prints a table and writes ``benchmarks/results/poker_throughput.json``.
Aim: >= 50,000 text steps/s.
"""

from __future__ import annotations

import argparse
import functools
import time

import gymnasium as gym
import numpy as np
from common import pin_to_one_core, save
from rich.console import Console
from rich.table import Table

import cogym
from cogym.envs.poker.aec import env as kuhn_aec
from cogym.envs.poker.agents import NashAgent
from cogym.games import play_self_play


def single_env(obs_mode: str, hands: int) -> dict[str, float]:
    env = cogym.make("cogym/KuhnPoker-v0", obs_mode=obs_mode)
    choices = np.random.default_rng(0).integers(2, size=3 * hands).tolist()
    _, info = env.reset(seed=0)
    steps = done_hands = 0
    start = time.perf_counter()
    while done_hands < hands:
        choice = choices[steps]
        action = info["legal_actions"][choice] if obs_mode == "text" else choice
        _, _, terminated, truncated, info = env.step(action)
        steps += 1
        if terminated or truncated:
            done_hands += 1
            _, info = env.reset()
    seconds = time.perf_counter() - start
    return {"hands_per_s": done_hands / seconds, "steps_per_s": steps / seconds}


def vector_batch(num_envs: int, hands: int, mode: str) -> dict[str, float]:
    kwargs = {"vectorization_mode": "sync", "obs_mode": "vector"} if mode == "sync" else {}
    envs = gym.make_vec("cogym/KuhnPoker-v0", num_envs=num_envs, **kwargs)
    envs.reset(seed=0)
    rng = np.random.default_rng(0)
    calls = done_hands = 0
    start = time.perf_counter()
    while done_hands < hands:
        _, _, terminated, truncated, _ = envs.step(rng.integers(2, size=num_envs))
        calls += 1
        done_hands += int(np.count_nonzero(terminated | truncated))
    seconds = time.perf_counter() - start
    envs.close()
    return {"hands_per_s": done_hands / seconds, "steps_per_s": calls * num_envs / seconds}


def self_play_batch(batch_size: int, hands: int) -> dict[str, float]:
    start = time.perf_counter()
    make_env = functools.partial(kuhn_aec, text_observations=True, text_actions=True)
    games = play_self_play(make_env, NashAgent(seed=0), hands, batch_size=batch_size)
    seconds = time.perf_counter() - start
    moves = sum(len(seat.actions) for game in games for seat in game.trajectories)
    return {"hands_per_s": len(games) / seconds, "steps_per_s": moves / seconds}


def aec(hands: int) -> dict[str, float]:
    game = kuhn_aec()
    rng = np.random.default_rng(0)
    steps = 0
    start = time.perf_counter()
    for seed in range(hands):
        game.reset(seed=seed)
        for _agent in game.agent_iter():
            _, _, terminated, truncated, _ = game.last()
            game.step(None if terminated or truncated else int(rng.integers(2)))
            steps += 1
    seconds = time.perf_counter() - start
    return {"hands_per_s": hands / seconds, "steps_per_s": steps / seconds}


def best_of(repeats: int, fn, *args) -> dict[str, float]:
    """The run with the most hands/s out of ``repeats``."""
    runs = [fn(*args) for _ in range(repeats)]
    return max(runs, key=lambda row: row["hands_per_s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hands", type=int, default=60_000, help="hands per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure; best kept")
    args = parser.parse_args()
    core = pin_to_one_core()
    rows: dict[str, dict[str, float]] = {
        "text, one env": best_of(args.repeats, single_env, "text", args.hands),
        "vector, one env": best_of(args.repeats, single_env, "vector", args.hands),
    }
    for size in (16, 256, 4096):
        rows[f"native batch {size} (KuhnPokerVectorEnv)"] = best_of(
            args.repeats, vector_batch, size, args.hands * (10 if size == 4096 else 1), "native"
        )
    for size in (16, 256):
        rows[f"sync batch {size} (SyncVectorEnv)"] = best_of(
            args.repeats, vector_batch, size, args.hands, "sync"
        )
    for size in (16, 256):
        rows[f"self-play batch {size} (text, Nash agent)"] = best_of(
            args.repeats, self_play_batch, size, args.hands
        )
    rows["PettingZoo AEC (vector, both seats)"] = best_of(args.repeats, aec, args.hands // 4)

    table = Table(title=f"Kuhn poker throughput, one core (core {core})")
    for column in ("mode", "hands/s", "steps/s"):
        table.add_column(column, justify="right" if column != "mode" else "left")
    for name, row in rows.items():
        table.add_row(name, f"{row['hands_per_s']:,.0f}", f"{row['steps_per_s']:,.0f}")
    Console().print(table)
    text_rate = rows["text, one env"]["steps_per_s"]
    verdict = "met" if text_rate >= 50_000 else "MISSED"
    print(f"text steps/s: {text_rate:,.0f} (aim >= 50,000: {verdict})")
    path = save(
        "poker_throughput",
        {"hands": args.hands, "repeats": args.repeats, "core": core, "figures": rows},
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
