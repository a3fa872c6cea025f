"""No env leaves a process behind: after ``close()``, every process it started has ended.

For every registered id the env is made, reset, stepped with actions that start its
resources (a sandbox run and a submission for code, a Python tool call, a graded answer),
and closed; then neither a new descendant of this process nor any process seen while it
ran may still be alive. The same goes for an async vector env of two copies, whose
worker processes and everything they started must end with ``close()``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

import gymnasium as gym
import pytest

import cogym
from tests.marks import needs_sandbox

#: How long teardown (a kill, the kernel's reaping) may take before a process counts as left.
REAP_WAIT_S = 5.0
POLL_S = 0.05
#: A process: its pid and its start time (so that a reused pid is not mistaken for it).
Proc = tuple[int, int]


def _stat(pid: int) -> tuple[str, int, int] | None:
    """The state, parent pid and start time of a process, or ``None`` when it is gone."""
    try:
        text = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # after "pid (comm)", which may hold spaces
    return fields[0], int(fields[1]), int(fields[19])


def descendants() -> set[Proc]:
    """This process's descendants (zombies included: an unreaped child is a leak too)."""
    children: dict[int, list[Proc]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            children.setdefault(stat[1], []).append((int(entry.name), stat[2]))
    found: set[Proc] = set()
    frontier = [os.getpid()]
    while frontier:
        for proc in children.get(frontier.pop(), []):
            found.add(proc)
            frontier.append(proc[0])
    return found


def _running(proc: Proc) -> bool:
    """Whether the process still runs (a zombie has ended; its parent will reap it)."""
    stat = _stat(proc[0])
    return stat is not None and stat[2] == proc[1] and stat[0] != "Z"


def leftovers(before: set[Proc], seen: Iterable[Proc] = ()) -> set[Proc]:
    """Processes left after a teardown, waiting up to :data:`REAP_WAIT_S` for them to end.

    :param before: the descendants before the resource was made; they may stay.
    :param seen: processes seen while the resource ran; none may still run, even one
        that is no longer a descendant (a worker's child orphaned when the worker exited).
    :return: the descendants not in ``before`` plus the ``seen`` processes still running;
        empty when everything ended.
    """
    seen = set(seen) - before
    deadline = time.monotonic() + REAP_WAIT_S
    while True:
        left = (descendants() - before) | {proc for proc in seen if _running(proc)}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(POLL_S)


def _describe(procs: set[Proc]) -> list[str]:
    """Each process's command line, for a failure message."""
    lines = []
    for pid, _ in sorted(procs):
        try:
            command = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            command = b"(gone)"
        lines.append(f"{pid}: {command.decode(errors='replace')[:200]}")
    return lines


def actions_for(env_id: str) -> list[str]:
    """Actions that make the env start its resources; empty: use the legal moves."""
    if env_id.startswith("cogym/Code"):
        return ["<run>print(1)</run>", "<submit>print(1)</submit>"]
    if env_id == "cogym/Math-Python-v0":
        return ["<python>print(1)</python>", "\\boxed{1}"]
    if env_id.startswith("cogym/Math"):
        return ["\\boxed{1}"]
    return []


def _pick(env_id: str, turn: int, legal: list[str] | None) -> str:
    scripted = actions_for(env_id)
    if scripted:
        return scripted[min(turn, len(scripted) - 1)]
    return legal[0] if legal else "1"


def _uses_sandbox(env_id: str) -> bool:
    return env_id.startswith("cogym/Code") or env_id == "cogym/Math-Python-v0"


IDS = [
    pytest.param(env_id, marks=[needs_sandbox] if _uses_sandbox(env_id) else [])
    for env_id in cogym.env_ids()
]
STEPS = 3


@pytest.mark.parametrize("env_id", IDS)
def test_closing_an_env_ends_every_process_it_started(env_id: str) -> None:
    before = descendants()
    env = gym.make(env_id)
    seen: set[Proc] = set()
    try:
        _, info = env.reset(seed=0)
        for turn in range(STEPS):
            _, _, terminated, truncated, info = env.step(
                _pick(env_id, turn, info.get("legal_actions"))
            )
            seen |= descendants()
            if terminated or truncated:
                break
    finally:
        env.close()
    left = leftovers(before, seen)
    assert not left, f"{env_id} left processes after close(): {_describe(left)}"


@pytest.mark.parametrize("env_id", IDS)
def test_closing_an_async_vector_env_ends_every_process(env_id: str) -> None:
    before = descendants()
    envs = gym.make_vec(env_id, num_envs=2, vectorization_mode="async")
    seen: set[Proc] = set()
    try:
        _, infos = envs.reset(seed=0)
        legal = infos.get("legal_actions")
        actions = tuple(
            _pick(env_id, 0, None if legal is None else list(legal[index]))
            for index in range(envs.num_envs)
        )
        envs.step(actions)
        seen |= descendants()
    finally:
        envs.close()
    left = leftovers(before, seen)
    assert not left, f"async {env_id} left processes after close(): {_describe(left)}"
