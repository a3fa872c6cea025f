"""Every id gives the same results through a sync and an async vector env, byte for byte.

Three copies of the env run side by side: one played by the family's expert (or oracle),
one by the random agent, one by a script of resource-starting and malformed actions, for
enough steps that episodes end and auto-reset. The observations, rewards, terminations,
truncations and infos of ``vectorization_mode="sync"`` and ``"async"`` (default settings,
so gymnasium's shared memory is used) must be identical.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import cogym
from cogym.agents.registry import agents_for, make_agent
from tests.marks import needs_sandbox

NUM_ENVS = 3
STEPS = 6
SEED = 7

#: Actions that start an env's resources or are malformed, cycled by the third copy.
SCRIPTS = {
    "cogym/Code": ["<run>print(input())</run>", "<submit>def f(:</submit>", "no tags"],
    "cogym/Math-Python": ["<python>print(2**10)</python>", "\\boxed{1024}", "\\boxed{"],
    "cogym/Math": ["\\boxed{\\frac{1}{2}}", "no answer", "\\boxed{999}"],
    "cogym/Countdown": ["(1 + 2) * 3", "1 +", "<answer>7</answer>"],
    "cogym/KuhnPoker": ["[bet]", "[fold]", "i raise"],
    "cogym/WebShop": ['fill("3", "shirt")', 'click("4")', "click(", 'click("999")', "go_back()"],
    "cogym/WebForms": ['click("5")', 'fill("4", "x")', "nonsense", "go_back()"],
    "cogym/MiniWoB": ['click("4")', "noop()", "type it", 'click("2")'],
}


def _script(env_id: str, step: int) -> str:
    for prefix, actions in SCRIPTS.items():
        if env_id.startswith(prefix):
            return actions[step % len(actions)]
    raise AssertionError(f"no script for {env_id}; add one to SCRIPTS")


def _uses_sandbox(env_id: str) -> bool:
    return env_id.startswith("cogym/Code") or env_id == "cogym/Math-Python-v0"


CASES = [
    pytest.param(env_id, {}, id=env_id, marks=[needs_sandbox] if _uses_sandbox(env_id) else [])
    for env_id in cogym.env_ids()
] + [
    pytest.param(env_id, {"obs_mode": "vector"}, id=f"{env_id}-vector")
    for env_id in cogym.env_ids()
    if env_id.startswith("cogym/KuhnPoker")
]


def _info_at(infos: dict[str, Any], index: int) -> dict[str, Any]:
    """One env's info out of a vector env's batched info dict."""
    single = {}
    for key, values in infos.items():
        if key.startswith("_") or not infos.get(f"_{key}", np.ones(NUM_ENVS, bool))[index]:
            continue
        if isinstance(values, dict):
            single[key] = _info_at(values, index)
        else:
            value = values[index]
            single[key] = value.item() if isinstance(value, np.generic) else value
    return single


def _agents(env_id: str, kwargs: dict[str, Any]) -> list[Any]:
    """The expert (or oracle) and the random agent, built on a single copy of the env."""
    env = gym.make(env_id, **kwargs)
    try:
        specs = agents_for(env)
        # a family without an expert for this id (MiniWoB++) plays its chance-level agent
        expert = next(
            (spec.name for spec in specs if spec.role in ("expert", "oracle")),
            next(spec.name for spec in reversed(specs) if spec.role == "random"),
        )
        return [make_agent(expert, env, seed=SEED), make_agent("random", env, seed=SEED)]
    finally:
        env.close()


def _play(env_id: str, kwargs: dict[str, Any], mode: str) -> list[tuple[Any, ...]]:
    """Each step's (observations, rewards, terminated, truncated, infos), reset included."""
    agents = _agents(env_id, kwargs)
    envs = gym.make_vec(env_id, num_envs=NUM_ENVS, vectorization_mode=mode, **kwargs)
    try:
        observations, infos = envs.reset(seed=SEED)
        record: list[tuple[Any, ...]] = [(observations, infos)]
        ended = np.zeros(NUM_ENVS, dtype=bool)
        for step in range(STEPS):
            actions = []
            for index in range(NUM_ENVS):
                if ended[index]:
                    # This step auto-resets the copy and ignores its action; the agent's
                    # next move reads the new episode's first observation.
                    if index < len(agents):
                        agents[index].reset()
                    actions.append(0 if kwargs.get("obs_mode") == "vector" else "")
                elif index < len(agents):
                    info = _info_at(infos, index)
                    actions.append(agents[index].act(observations[index], info))
                elif kwargs.get("obs_mode") == "vector":
                    actions.append(step % 3)
                else:
                    actions.append(_script(env_id, step))
            if kwargs.get("obs_mode") == "vector":
                actions = np.asarray(actions, dtype=np.int64)
            observations, rewards, terminated, truncated, infos = envs.step(tuple(actions))
            ended = terminated | truncated
            record.append((observations, rewards, terminated, truncated, infos))
        return record
    finally:
        envs.close()


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def assert_identical(left: Any, right: Any, where: str = "") -> None:
    """Equal values of equal types; numpy arrays equal byte for byte with the same dtype."""
    assert type(left) is type(right), f"{where}: {type(left).__name__} != {type(right).__name__}"
    if isinstance(left, np.ndarray):
        assert (left.dtype, left.shape) == (right.dtype, right.shape), where
        if left.dtype == object:
            for index, (a, b) in enumerate(zip(left.flat, right.flat, strict=True)):
                assert_identical(a, b, f"{where}[{index}]")
        else:
            assert left.tobytes() == right.tobytes(), f"{where}: {_short(left)} != {_short(right)}"
    elif isinstance(left, dict):
        assert left.keys() == right.keys(), f"{where}: keys {left.keys()} != {right.keys()}"
        for key in left:
            assert_identical(left[key], right[key], f"{where}.{key}")
    elif isinstance(left, (list, tuple)):
        assert len(left) == len(right), f"{where}: length {len(left)} != {len(right)}"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            assert_identical(a, b, f"{where}[{index}]")
    elif isinstance(left, float) and left != left:
        assert right != right, f"{where}: nan != {right!r}"
    else:
        assert left == right, f"{where}: {_short(left)} != {_short(right)}"


@pytest.mark.parametrize(("env_id", "kwargs"), CASES)
def test_sync_and_async_vector_envs_agree_byte_for_byte(env_id: str, kwargs: dict) -> None:
    sync = _play(env_id, kwargs, "sync")
    asynchronous = _play(env_id, kwargs, "async")
    assert len(sync) == len(asynchronous) == STEPS + 1
    for step, (a, b) in enumerate(zip(sync, asynchronous, strict=True)):
        assert_identical(a, b, f"step {step}")
    # The run is not trivial: the text is real, and some episode ended and auto-reset.
    first = sync[0][0]
    if not kwargs:
        assert all(len(text) > 50 and set(text) != {"0"} for text in first)
    if "Match" not in env_id:  # a match of several hands outlasts the run
        assert any(np.any(done | cut) for _, _, done, cut, _ in sync[1:])
