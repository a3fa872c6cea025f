"""An agent that plays any text env by chatting with an LLM backend."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cogym.agents.backends.base import Backend, Completion, Conversation, SamplingParams
from cogym.agents.prompting import default_system_prompt, strip_think
from cogym.core.agent import Agent
from cogym.core.errors import InvalidArgumentError
from cogym.wrappers.transcript import Transcript


@dataclass
class GenerationStats:
    """Running totals over an agent's generate calls."""

    calls: int = 0
    prompt_tokens: int = 0
    generated_tokens: int = 0
    seconds: float = 0.0

    @property
    def tokens_per_s(self) -> float:
        """Generated tokens per second of generation."""
        return self.generated_tokens / self.seconds if self.seconds else 0.0


@dataclass
class _Episode:
    transcript: Transcript
    completions: list[Completion] = field(default_factory=list)


class LLMAgent(Agent):
    """Chats with a backend: each observation is a user message, each reply an action.

    Each episode's conversation is a :class:`~cogym.wrappers.transcript.Transcript`, the
    one :class:`~cogym.wrappers.ChatHistory` keeps: a system prompt built from the first
    observation (:func:`~cogym.agents.prompting.default_system_prompt` unless given), the
    first observation as the first user message, then each reply and the env's answer to
    it. :meth:`act_batch` runs many episodes with one batched ``generate`` call per turn.

    :param backend: any :class:`~cogym.agents.backends.base.Backend`.
    :param sampling: sampling parameters (default greedy, 256 new tokens).
    :param system_prompt: a fixed string, a function of the first observation, or
        ``None`` for no system message.
    :param max_history_tokens: prompt budget; older exchanges are dropped to fit
        (see :func:`~cogym.wrappers.transcript.truncate_history`). ``None``: no limit.
    :param strip_think: remove ``<think>...</think>`` from replies, in the action and in
        the history.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        sampling: SamplingParams | None = None,
        system_prompt: str | Callable[[str], str] | None = default_system_prompt,
        max_history_tokens: int | None = 2048,
        strip_think: bool = False,
    ) -> None:
        if max_history_tokens is not None and max_history_tokens < 1:
            raise InvalidArgumentError(
                f"max_history_tokens must be >= 1 or None, got {max_history_tokens}"
            )
        self.backend = backend
        self.sampling = sampling or SamplingParams()
        self.system_prompt = system_prompt
        self.max_history_tokens = max_history_tokens
        self.strip_think = strip_think
        self.stats = GenerationStats()
        self._episodes: dict[int, _Episode] = {}

    # -- one episode ------------------------------------------------------------------

    def reset(self) -> None:
        self._episodes = {}
        self.reset_slot(0)

    def act(self, observation: Any, info: dict[str, Any]) -> str:
        if 0 not in self._episodes:
            self.reset_slot(0)
        return self.act_batch([observation], [info], [0])[0]

    # -- many episodes ----------------------------------------------------------------

    def reset_slot(self, slot: int) -> None:
        self._episodes[slot] = _Episode(Transcript(self.system_prompt))

    def conversation(self, slot: int = 0) -> Conversation:
        """The conversation so far in ``slot`` (a copy)."""
        return self._episodes[slot].transcript.messages

    def completions(self, slot: int = 0) -> list[Completion]:
        """The completions generated in ``slot`` this episode, with tokens and log-probs."""
        return list(self._episodes[slot].completions)

    def act_batch(
        self,
        observations: Sequence[Any],
        infos: Sequence[dict[str, Any]],
        slots: Sequence[int],
    ) -> list[str]:
        episodes = []
        for observation, slot in zip(observations, slots, strict=True):
            if slot not in self._episodes:
                raise InvalidArgumentError(f"call reset_slot({slot}) before act_batch()")
            episode = self._episodes[slot]
            if len(episode.transcript):
                episode.transcript.add_observation(str(observation))
            else:
                episode.transcript.start(str(observation))
            episodes.append(episode)
        prompts = [
            episode.transcript.fit(self.max_history_tokens, self.backend.count_tokens)
            for episode in episodes
        ]
        start = time.perf_counter()
        completions = self.backend.generate(prompts, self.sampling)
        self._count(completions, time.perf_counter() - start)
        actions = []
        for episode, completion in zip(episodes, completions, strict=True):
            text = strip_think(completion.text) if self.strip_think else completion.text
            episode.transcript.add_reply(text)
            episode.completions.append(completion)
            actions.append(text)
        return actions

    # -- helpers ----------------------------------------------------------------------

    def _count(self, completions: list[Completion], seconds: float) -> None:
        self.stats.calls += 1
        self.stats.seconds += seconds
        self.stats.prompt_tokens += sum(len(c.prompt_token_ids) for c in completions)
        self.stats.generated_tokens += sum(c.num_tokens for c in completions)
