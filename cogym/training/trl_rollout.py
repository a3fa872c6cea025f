"""Whole multi-turn cogym episodes inside TRL's ``GRPOTrainer``, through its ``rollout_func``.

TRL 1.x offers two hooks: ``environment_factory`` (the env's methods become *tools* the model
calls in the chat template's tool-call syntax) and ``rollout_func(prompts, trainer) -> dict``
(the caller generates). cogym envs read free text, not tool calls, so :class:`CogymRollout`
is a ``rollout_func``: for every prompt it replays the dataset row's episode and, turn by
turn, generates the next reply of all active episodes in one batched call, steps the envs,
and appends each env reply's chat-template ids with ``env_mask`` 0, so TRL keeps env tokens
out of the loss. The sequence is token-in/token-out: generated ids are kept as generated.

Generation goes through the trainer's own single-turn generator
(``GRPOTrainer._generate_single_turn``, the one TRL's tool loop uses), so the same code runs
on plain transformers generation (CPU or GPU) and on vLLM (which TRL keeps in sync with the
weights). That method is private to TRL; :func:`trainer_generate` names it in one place.

Example::

    dataset = prompt_dataset("cogym/Countdown-v0", n=64)
    trainer = GRPOTrainer(model=path, reward_funcs=episode_return, train_dataset=dataset,
                          rollout_func=CogymRollout(dataset), args=GRPOConfig(...))
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

import cogym
from cogym.core.checks import check_int, shown
from cogym.core.errors import InvalidArgumentError
from cogym.training.chat_tokens import ChatTokens
from cogym.training.trl_adapter import finite_reward, prompt_observation, reset_checked

#: The extra fields a :class:`CogymRollout` returns; TRL passes them to reward functions.
EXTRA_FIELDS = ("cogym_return", "cogym_success", "cogym_turns", "cogym_seed")


def prompt_key(prompt: Sequence[Mapping[str, Any]] | str) -> str:
    """A prompt's lookup key (its messages as canonical JSON)."""
    return json.dumps(prompt, sort_keys=True)


def trainer_generate(
    trainer: Any, sequences: list[list[int]]
) -> tuple[list[list[int]], list[list[float]] | None]:
    """One reply per token sequence, with the trainer's generator (transformers or vLLM).

    :return: the generated ids (cut after the first end token) and, from vLLM, their
        log-probs (None from transformers generation, where TRL does not use them).
    """
    generate = getattr(trainer, "_generate_single_turn", None)
    if generate is None:
        raise InvalidArgumentError(
            f"{type(trainer).__name__} has no _generate_single_turn: CogymRollout needs TRL's "
            "GRPOTrainer (tested with TRL 1.16); pin that version or pass another trainer"
        )
    ids, logprobs = generate(sequences, None, {}, num_generations=1)
    return [list(map(int, row)) for row in ids], logprobs


@dataclass
class Episode:
    """One rollout's growing state: the env, its ids and masks, and what it earned."""

    env: gym.Env
    env_id: str
    seed: int
    prompt_ids: list[int]
    completion_ids: list[int] = field(default_factory=list)
    env_mask: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    episode_return: float = 0.0
    success: bool = False
    turns: int = 0
    done: bool = False


class CogymRollout:
    """A TRL ``rollout_func`` that plays whole cogym episodes, env tokens masked.

    Pair it with :func:`episode_return` in ``reward_funcs`` (or any reward function that
    reads the ``cogym_return``, ``cogym_success``, ``cogym_turns`` or ``cogym_seed``
    fields it returns). An episode ends when the env terminates or truncates, after
    ``max_turns`` replies, or when its completion (replies plus env replies) reaches the
    trainer's ``max_completion_length``; its return is then the sum of its rewards so far.

    :param dataset: the rows of :func:`~cogym.training.trl_adapter.prompt_dataset`
        (``prompt``, ``env_id``, ``env_kwargs``, ``seed``); ``rollout_func`` receives only
        prompts, so each prompt is looked up here. Two rows with the same prompt play the
        first row's seed (an episode that starts exactly as shown).
    :param max_turns: the most replies per episode (default: the env's own limit).
    :param max_turn_tokens: the most generated tokens per reply (default: TRL's
        ``max_completion_length``); a cut reply is closed as the chat template would.
    """

    def __init__(
        self,
        dataset: Any,
        max_turns: int | None = None,
        max_turn_tokens: int | None = None,
    ) -> None:
        self.max_turns = None if max_turns is None else check_int("max_turns", max_turns, minimum=1)
        self.max_turn_tokens = (
            None
            if max_turn_tokens is None
            else check_int("max_turn_tokens", max_turn_tokens, minimum=1)
        )
        self._rows: dict[str, tuple[str, str, int]] = {}
        for row in dataset:
            missing = {"prompt", "env_id", "env_kwargs", "seed"} - set(row)
            if missing:
                raise InvalidArgumentError(
                    f"CogymRollout needs dataset rows with {sorted(missing)}: build the dataset "
                    "with cogym.training.trl_adapter.prompt_dataset"
                )
            key = prompt_key(row["prompt"])
            self._rows.setdefault(key, (row["env_id"], row["env_kwargs"], int(row["seed"])))
        if not self._rows:
            raise InvalidArgumentError("CogymRollout needs a dataset with at least one row")
        self._pool: dict[tuple[str, str], list[gym.Env]] = {}
        self._chat: ChatTokens | None = None

    def __call__(self, prompts: list[Any], trainer: Any) -> dict[str, Any]:
        """Play one episode per prompt; return TRL's rollout dict (ids, log-probs, env_mask)."""
        chat = self._chat_tokens(trainer)
        episodes = self._start(prompts, chat)
        budget = int(trainer.max_completion_length)
        turn_cap = budget if self.max_turn_tokens is None else min(budget, self.max_turn_tokens)
        sampled_logprobs = True
        while active := [e for e in episodes if not e.done]:
            replies, logprobs = self._generate(trainer, active, turn_cap)
            sampled_logprobs = sampled_logprobs and logprobs is not None
            for i, (episode, reply) in enumerate(zip(active, replies, strict=True)):
                reply = reply[: min(turn_cap, budget - len(episode.completion_ids))]
                reply_logprobs = (
                    [0.0] * len(reply) if logprobs is None else logprobs[i][: len(reply)]
                )
                self._step(episode, reply, reply_logprobs, chat, budget)
        return self._result(episodes, sampled_logprobs)

    def close(self) -> None:
        """Close every pooled env."""
        for envs in self._pool.values():
            for env in envs:
                env.close()
        self._pool.clear()

    def _chat_tokens(self, trainer: Any) -> ChatTokens:
        if self._chat is None:
            tokenizer = getattr(trainer, "_tokenizer", None) or trainer.processing_class
            self._chat = ChatTokens(tokenizer, trainer.eos_token_ids)
        return self._chat

    def _start(self, prompts: list[Any], chat: ChatTokens) -> list[Episode]:
        episodes, used = [], {}
        for prompt in prompts:
            found = self._rows.get(prompt_key(prompt))
            if found is None:
                raise InvalidArgumentError(
                    f"CogymRollout got a prompt that is not in its dataset ({shown(prompt)}): "
                    "pass the trainer's train_dataset to CogymRollout"
                )
            env_id, env_kwargs, seed = found
            index = used.get((env_id, env_kwargs), 0)
            used[(env_id, env_kwargs)] = index + 1
            env = self._env(env_id, env_kwargs, index)
            reset_checked(env, env_id, seed, prompt_observation(prompt))
            episodes.append(Episode(env, env_id, seed, chat.first_prompt(prompt)))
        return episodes

    def _env(self, env_id: str, env_kwargs: str, index: int) -> gym.Env:
        """The ``index``-th pooled env of this kind; the pool grows to the batch's need."""
        pool = self._pool.setdefault((env_id, env_kwargs), [])
        while len(pool) <= index:
            pool.append(cogym.make(env_id, **json.loads(env_kwargs)))
        return pool[index]

    def _generate(
        self, trainer: Any, active: list[Episode], turn_cap: int
    ) -> tuple[list[list[int]], list[list[float]] | None]:
        sequences = [e.prompt_ids + e.completion_ids for e in active]
        config = getattr(trainer, "generation_config", None)
        limit = getattr(config, "max_new_tokens", None)
        if limit is None:
            return trainer_generate(trainer, sequences)
        config.max_new_tokens = min(limit, turn_cap)  # transformers: generate no more than kept
        try:
            return trainer_generate(trainer, sequences)
        finally:
            config.max_new_tokens = limit

    def _step(
        self,
        episode: Episode,
        reply: list[int],
        logprobs: list[float],
        chat: ChatTokens,
        budget: int,
    ) -> None:
        """Step ``episode``'s env with ``reply``; append the env's reply ids unless it ended."""
        episode.completion_ids += reply
        episode.env_mask += [1] * len(reply)
        episode.logprobs += [float(x) for x in logprobs]
        text = chat.tokenizer.decode(reply, skip_special_tokens=True)
        observation, reward, terminated, truncated, info = episode.env.step(text)
        episode.episode_return += finite_reward(reward, episode.env_id, episode.seed)
        episode.turns += 1
        episode.success = bool(info.get("success", False))
        if (
            terminated
            or truncated
            or (self.max_turns is not None and episode.turns >= self.max_turns)
        ):
            episode.done = True
            return
        reply_ended = bool(reply) and reply[-1] in chat.end_token_ids
        glue = chat.reply_glue(str(observation), reply_ended=reply_ended)
        if len(episode.completion_ids) + len(glue) >= budget:
            episode.done = True  # no room left for another reply
            return
        episode.completion_ids += glue
        episode.env_mask += [0] * len(glue)
        episode.logprobs += [0.0] * len(glue)

    @staticmethod
    def _result(episodes: list[Episode], sampled_logprobs: bool) -> dict[str, Any]:
        return {
            "prompt_ids": [e.prompt_ids for e in episodes],
            "completion_ids": [e.completion_ids for e in episodes],
            # vLLM returns the sampling log-probs (TRL corrects for their drift); transformers
            # generation does not, and TRL then uses its own.
            "logprobs": [e.logprobs for e in episodes] if sampled_logprobs else None,
            "env_mask": [e.env_mask for e in episodes],
            "cogym_return": [e.episode_return for e in episodes],
            "cogym_success": [e.success for e in episodes],
            "cogym_turns": [e.turns for e in episodes],
            "cogym_seed": [e.seed for e in episodes],
        }


def episode_return(
    completions: Sequence[Any], cogym_return: Sequence[float] | None = None, **kwargs: Any
) -> list[float]:
    """A TRL reward function: each episode's return, as :class:`CogymRollout` summed it."""
    if cogym_return is None:
        raise InvalidArgumentError(
            "episode_return reads the cogym_return field of CogymRollout: pass "
            "rollout_func=CogymRollout(dataset) to GRPOTrainer"
        )
    if len(cogym_return) != len(completions):
        raise InvalidArgumentError(
            f"got {len(cogym_return)} episode returns for {len(completions)} completions"
        )
    seeds = kwargs.get("cogym_seed") or kwargs.get("seed") or [None] * len(completions)
    env_ids = kwargs.get("env_id") or ["cogym env"] * len(completions)
    return [
        finite_reward(value, env_ids[i], seeds[i], index=i) for i, value in enumerate(cogym_return)
    ]
