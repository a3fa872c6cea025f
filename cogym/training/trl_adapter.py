"""cogym envs as TRL ``GRPOTrainer`` inputs: a prompt dataset and a single-turn reward.

:func:`prompt_dataset` resets an env with seeds ``seed .. seed+n-1`` and keeps each
episode's first observation as a chat prompt, next to the ``env_id``, ``env_kwargs`` (JSON)
and ``seed`` that rebuild it. :class:`CogymReward` is a ``reward_funcs`` entry: it replays
each row's episode, steps it once with the completion and returns the env's reward.
For whole multi-turn episodes see :mod:`cogym.training.trl_rollout`.

Example::

    from trl import GRPOConfig, GRPOTrainer
    dataset = prompt_dataset("cogym/Countdown-Easy-v0", n=64)
    trainer = GRPOTrainer(model=path, reward_funcs=CogymReward(), train_dataset=dataset,
                          args=GRPOConfig(output_dir="runs/trl", num_generations=4))
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import gymnasium as gym

import cogym
from cogym.agents.prompting import default_system_prompt
from cogym.core.checks import check_int, shown
from cogym.core.errors import InvalidArgumentError
from cogym.training.advantages import NonFiniteRewardError

INSTALL_HINT = "pip install 'cogym[train]'"

Messages = list[dict[str, str]]


def require_datasets() -> Any:
    """The ``datasets`` module (installed with TRL), or an ImportError saying what to install."""
    try:
        import datasets
    except ImportError as error:
        raise ImportError(
            f"the TRL adapter needs TRL and datasets: {INSTALL_HINT} ({error})"
        ) from error
    return datasets


def encode_env_kwargs(env_kwargs: Mapping[str, Any] | None) -> str:
    """``env_kwargs`` as the canonical JSON string kept in a dataset column."""
    if env_kwargs is None:
        return "{}"
    if not isinstance(env_kwargs, Mapping):
        raise InvalidArgumentError(f"env_kwargs must be a dict, got {shown(env_kwargs)}")
    try:
        return json.dumps(dict(env_kwargs), sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(
            f"env_kwargs must be JSON-serialisable (str, numbers, bools, lists, dicts) to travel "
            f"in a dataset column: {error}"
        ) from error


def first_prompt(
    observation: str, system_prompt: str | Callable[[str], str] | None = default_system_prompt
) -> Messages:
    """The chat prompt of an episode: an optional system message, then the observation."""
    if callable(system_prompt):
        system_prompt = system_prompt(observation)
    messages = [] if system_prompt is None else [{"role": "system", "content": system_prompt}]
    return [*messages, {"role": "user", "content": observation}]


def prompt_dataset(
    env_id: str,
    n: int,
    seed: int = 0,
    env_kwargs: Mapping[str, Any] | None = None,
    system_prompt: str | Callable[[str], str] | None = default_system_prompt,
) -> Any:
    """A ``datasets.Dataset`` of ``n`` episode prompts of ``env_id``, one per seed.

    Columns: ``prompt`` (chat messages), ``env_id``, ``env_kwargs`` (JSON) and ``seed``;
    TRL passes the last three to reward functions, which rebuild the same episode.

    :param env_id: a cogym env id, e.g. ``"cogym/Countdown-Easy-v0"``.
    :param n: how many episodes (rows).
    :param seed: the first episode's seed; row ``i`` uses ``seed + i``.
    :param env_kwargs: kwargs for :func:`cogym.make` (JSON-serialisable).
    :param system_prompt: a string, a function of the first observation, or None.
    """
    datasets = require_datasets()
    check_int("n", n, minimum=1)
    check_int("seed", seed, minimum=0)
    kwargs_json = encode_env_kwargs(env_kwargs)
    env = cogym.make(env_id, **json.loads(kwargs_json))
    try:
        rows = []
        for episode_seed in range(seed, seed + n):
            observation, _ = env.reset(seed=episode_seed)
            if not isinstance(observation, str):
                raise InvalidArgumentError(
                    f"{env_id} gives {type(observation).__name__} observations; the TRL adapter "
                    "needs a text env (pass obs_mode='text' in env_kwargs if it has one)"
                )
            rows.append(
                {
                    "prompt": first_prompt(observation, system_prompt),
                    "env_id": env_id,
                    "env_kwargs": kwargs_json,
                    "seed": episode_seed,
                }
            )
    finally:
        env.close()
    return datasets.Dataset.from_list(rows)


def completion_text(completion: str | Sequence[Mapping[str, Any]]) -> str:
    """The action text of a TRL completion: a string, or the last message's content."""
    if isinstance(completion, str):
        return completion
    if completion and isinstance(completion[-1], Mapping):
        content = completion[-1].get("content")
        if isinstance(content, str):
            return content
    raise InvalidArgumentError(
        f"a completion must be text or chat messages ending with a text message, got "
        f"{shown(completion)}"
    )


def prompt_observation(prompt: str | Sequence[Mapping[str, Any]]) -> str | None:
    """The first observation a dataset prompt shows (its last user message), if any."""
    if isinstance(prompt, str):
        return None  # a pre-rendered prompt: the template hides where the observation is
    for message in reversed(prompt):
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            return message["content"]
    return None


class EnvCache:
    """A few envs kept open, keyed by env id and kwargs, so episodes are replayed cheaply.

    :param max_envs: how many envs to keep; the least recently used is closed.
    """

    def __init__(self, max_envs: int = 8) -> None:
        self.max_envs = check_int("max_envs", max_envs, minimum=1)
        self._envs: OrderedDict[tuple[str, str], gym.Env] = OrderedDict()

    def __len__(self) -> int:
        return len(self._envs)

    def get(self, env_id: str, env_kwargs: str) -> gym.Env:
        """The open env for ``(env_id, env_kwargs)`` (a JSON string), made on first use."""
        key = (env_id, env_kwargs)
        if key in self._envs:
            self._envs.move_to_end(key)
            return self._envs[key]
        env = cogym.make(env_id, **json.loads(env_kwargs))
        self._envs[key] = env
        if len(self._envs) > self.max_envs:
            _, oldest = self._envs.popitem(last=False)
            oldest.close()
        return env

    def close(self) -> None:
        """Close every cached env."""
        while self._envs:
            _, env = self._envs.popitem()
            env.close()


def reset_checked(env: gym.Env, env_id: str, seed: int, expected: str | None) -> str:
    """Reset ``env`` with ``seed``; raise if its first observation is not the prompt's.

    A mismatch means the env was made with other kwargs (or code) than the dataset.
    """
    observation, _ = env.reset(seed=int(seed))
    if expected is not None and observation != expected:
        raise InvalidArgumentError(
            f"{env_id} with seed {seed} starts with another observation than the dataset's "
            f"prompt ({shown(observation)} vs {shown(expected)}): rebuild the dataset with the "
            "same env_kwargs and cogym version as the reward"
        )
    return observation


def finite_reward(reward: Any, env_id: str, seed: int, index: int = 0) -> float:
    """``reward`` as a float; raise :class:`NonFiniteRewardError` naming the episode if it
    is NaN or infinite (TRL would otherwise average it away silently).

    :param index: the sample's position in the batch, kept on the error.
    """
    value = float(reward)
    if not math.isfinite(value):
        raise NonFiniteRewardError(
            f"{env_id} with seed {seed} returned reward {value}: fix the env (or its kwargs) "
            "so every reward is a finite number",
            index=index,
        )
    return value


class CogymReward:
    """A TRL reward function: the env's reward for one step with each completion.

    Reads the ``env_id``, ``env_kwargs`` and ``seed`` columns of :func:`prompt_dataset`,
    resets that episode, steps it with the completion's text, and returns the reward.
    Envs are cached by id and kwargs. TRL logs it as ``rewards/cogym_reward``.

    :param max_envs: how many distinct envs to keep open.
    :param check_prompt: refuse a row whose prompt is not the env's first observation.
    """

    __name__ = "cogym_reward"

    def __init__(self, max_envs: int = 8, check_prompt: bool = True) -> None:
        self.envs = EnvCache(max_envs)
        self.check_prompt = check_prompt

    def __call__(
        self,
        prompts: Sequence[Any],
        completions: Sequence[Any],
        env_id: Sequence[str] | None = None,
        env_kwargs: Sequence[str] | None = None,
        seed: Sequence[int] | None = None,
        **kwargs: Any,
    ) -> list[float]:
        """One reward per completion (TRL passes the dataset columns as lists)."""
        if env_id is None or env_kwargs is None or seed is None:
            raise InvalidArgumentError(
                "CogymReward needs the env_id, env_kwargs and seed columns: build the train "
                "dataset with cogym.training.trl_adapter.prompt_dataset"
            )
        rewards = []
        for i, completion in enumerate(completions):
            env = self.envs.get(env_id[i], env_kwargs[i])
            expected = prompt_observation(prompts[i]) if self.check_prompt else None
            reset_checked(env, env_id[i], seed[i], expected)
            _, reward, _, _, _ = env.step(completion_text(completion))
            rewards.append(finite_reward(reward, env_id[i], seed[i], index=i))
        return rewards

    def close(self) -> None:
        """Close the cached envs."""
        self.envs.close()
