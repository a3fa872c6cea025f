"""The policy as an agent: chats token-in/token-out and keeps each slot's token sequence.

It is the :class:`~cogym.core.agent.Agent` the rollout engine and the game-generic
self-play runner drive, so both give the trainer the same record: an
:class:`~cogym.training.episode_tokens.EpisodeTokens` per slot, whose ids are the ones
generated and the ones the model was prompted with, never a re-tokenisation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cogym.agents.backends.base import SamplingParams, TokenizerBackend
from cogym.agents.prompting import default_system_prompt
from cogym.core.agent import Agent
from cogym.core.checks import check_int
from cogym.core.errors import InvalidArgumentError
from cogym.training.chat_tokens import ChatTokens
from cogym.training.episode_tokens import EpisodeTokens


@dataclass
class GenerationTally:
    """Generation work since the last :meth:`PolicyAgent.take_tally`."""

    calls: int = 0
    tokens: int = 0
    seconds: float = 0.0


class PolicyAgent(Agent):
    """Generates every playing slot's next reply in one batched backend call.

    :param backend: a backend with a local tokenizer (``generate_from_ids``).
    :param max_new_tokens_per_turn: the most tokens of one reply.
    :param max_tokens_per_episode: the most tokens a slot may generate over its episode;
        a reply is cut at this budget (its ids stay a prefix of what was sampled, so its
        log-probs stay exact) and the slot is then :meth:`exhausted`.
    :param temperature: sampling temperature (> 0 for training).
    :param top_p: nucleus mass.
    :param system_prompt: the system message, a function of the first observation, or
        ``None`` for none.
    :param seed: sampling seed of the first call; each call uses the next one.
    """

    def __init__(
        self,
        backend: TokenizerBackend,
        *,
        max_new_tokens_per_turn: int = 256,
        max_tokens_per_episode: int = 1024,
        temperature: float = 1.0,
        top_p: float = 1.0,
        system_prompt: str | Callable[[str], str] | None = default_system_prompt,
        seed: int = 0,
    ) -> None:
        if not isinstance(backend, TokenizerBackend):
            raise InvalidArgumentError(
                f"training needs a backend with a local tokenizer (transformers or vLLM), "
                f"got {type(backend).__name__}"
            )
        self.backend = backend
        self.max_new_tokens_per_turn = check_int(
            "max_new_tokens_per_turn", max_new_tokens_per_turn, minimum=1
        )
        self.max_tokens_per_episode = check_int(
            "max_tokens_per_episode", max_tokens_per_episode, minimum=1
        )
        self.temperature = temperature
        self.top_p = top_p
        self.system_prompt = system_prompt
        self.seed = seed
        self.chat = ChatTokens(backend.tokenizer, backend.end_token_ids)
        self.tally = GenerationTally()
        self._slots: dict[int, EpisodeTokens] = {}

    # -- slots --------------------------------------------------------------------------

    def reset(self) -> None:
        self._slots = {}
        self.reset_slot(0)

    def reset_slot(self, slot: int) -> None:
        self._slots[slot] = EpisodeTokens()

    def tokens(self, slot: int) -> EpisodeTokens:
        """The slot's token sequence so far."""
        return self._slots[slot]

    def exhausted(self, slot: int) -> bool:
        """Whether the slot has generated its whole token budget."""
        return self._slots[slot].generated >= self.max_tokens_per_episode

    def take_tally(self) -> GenerationTally:
        """Generation work since the last call, and start a new tally."""
        tally, self.tally = self.tally, GenerationTally()
        return tally

    # -- acting -------------------------------------------------------------------------

    def act(self, observation: Any, info: dict[str, Any]) -> str:
        if 0 not in self._slots:
            self.reset_slot(0)
        return self.act_batch([observation], [info], [0])[0]

    def act_batch(
        self, observations: Sequence[Any], infos: Sequence[dict[str, Any]], slots: Sequence[int]
    ) -> list[str]:
        episodes = []
        for observation, slot in zip(observations, slots, strict=True):
            if slot not in self._slots:
                raise InvalidArgumentError(f"call reset_slot({slot}) before act_batch()")
            episode = self._slots[slot]
            self._add_observation(episode, str(observation))
            episodes.append(episode)
        budgets = [self.max_tokens_per_episode - episode.generated for episode in episodes]
        playing = [i for i, budget in enumerate(budgets) if budget > 0]
        actions = [""] * len(episodes)
        for i, budget in enumerate(budgets):
            if budget <= 0:  # out of budget: an empty reply keeps turns and replies paired
                episodes[i].add_reply([], [], "length")
        if not playing:
            return actions
        params = SamplingParams(
            max_new_tokens=min(self.max_new_tokens_per_turn, max(budgets[i] for i in playing)),
            temperature=self.temperature,
            top_p=self.top_p,
            seed=self.seed,
        )
        self.seed += 1
        start = time.perf_counter()
        completions = self.backend.generate_from_ids([episodes[i].ids for i in playing], params)
        self.tally.calls += 1
        self.tally.seconds += time.perf_counter() - start
        for i, completion in zip(playing, completions, strict=True):
            ids, logprobs = completion.token_ids, completion.logprobs
            text, finish = completion.text, completion.finish_reason
            if len(ids) > budgets[i]:  # cut at the episode budget: still a sampled prefix
                ids, logprobs, finish = ids[: budgets[i]], logprobs[: budgets[i]], "length"
                text = self.backend.tokenizer.decode(ids, skip_special_tokens=True)
            episodes[i].add_reply(list(ids), [float(x) for x in logprobs], finish)
            self.tally.tokens += len(ids)
            actions[i] = text
        return actions

    def _add_observation(self, episode: EpisodeTokens, observation: str) -> None:
        if not episode.ids:
            messages = []
            system = self.system_prompt
            if callable(system):
                system = system(observation)
            if system:
                messages.append({"role": "system", "content": system})
            messages.append({"role": "user", "content": observation})
            episode.add_context(self.chat.first_prompt(messages))
            return
        if not episode.turns or episode.turns[-1][1] != len(episode.ids):
            raise InvalidArgumentError(
                "an observation must follow a reply: act_batch was given two observations "
                "in a row for one slot"
            )
        last = episode.ids[-1] if episode.turns[-1][1] > episode.turns[-1][0] else None
        ended = last in self.chat.end_token_ids
        episode.add_context(self.chat.reply_glue(observation, reply_ended=ended))
