"""One episode as a single token sequence: prompt, replies and env replies, with a loss mask.

The sequence is exactly what the policy saw and produced: the replies' ids as generated
(never re-tokenised) with their behaviour log-probs and mask 1, everything else (the
prompt, the env's replies, the template's glue) with mask 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EpisodeTokens:
    """The growing token sequence of one episode.

    :param ids: every token, in order.
    :param mask: 1 on the policy's generated tokens, 0 elsewhere.
    :param logprobs: the behaviour log-prob of each generated token, 0.0 elsewhere.
    :param turns: ``(start, end)`` of each reply in ``ids``.
    :param finish_reasons: each reply's ``"stop"`` or ``"length"``.
    """

    ids: list[int] = field(default_factory=list)
    mask: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    turns: list[tuple[int, int]] = field(default_factory=list)
    finish_reasons: list[str] = field(default_factory=list)

    def add_context(self, ids: list[int]) -> None:
        """Append tokens the policy did not generate (prompt, env reply): mask 0."""
        self.ids += ids
        self.mask += [0] * len(ids)
        self.logprobs += [0.0] * len(ids)

    def add_reply(self, ids: list[int], logprobs: list[float], finish_reason: str) -> None:
        """Append one generated reply with its behaviour log-probs: mask 1."""
        if len(ids) != len(logprobs):
            raise ValueError(f"{len(ids)} reply ids but {len(logprobs)} log-probs")
        start = len(self.ids)
        self.ids += ids
        self.mask += [1] * len(ids)
        self.logprobs += logprobs
        self.turns.append((start, len(self.ids)))
        self.finish_reasons.append(finish_reason)

    @property
    def generated(self) -> int:
        """Tokens the policy generated so far."""
        return sum(end - start for start, end in self.turns)

    @property
    def prompt_length(self) -> int:
        """Tokens before the first reply (the whole sequence while there is none)."""
        return self.turns[0][0] if self.turns else len(self.ids)
