"""Send the env only the answer inside an agent's free-text reply."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym

from cogym.core.answers import DEFAULT_FORMATS, AnswerFormat, check_formats, extract_answer
from cogym.core.errors import InvalidArgumentError

_DECORATION = "\"'`"


def normalize_answer(text: str) -> str:
    """Fold ``text`` for comparison with a legal action.

    Case, surrounding whitespace, quotes and backticks, and a trailing period do not count:
    ``' "Call." '`` and ``"call"`` fold alike.

    :param text: an extracted answer or a legal action.
    """
    previous = None
    while text != previous:
        previous = text
        text = text.strip().strip(_DECORATION).removesuffix(".")
    return text.casefold()


def match_legal_action(answer: str, legal_actions: Sequence[str]) -> str | None:
    """Return the legal action that ``answer`` names, or ``None`` when it names none.

    An exact match wins; otherwise the first action that folds alike under
    :func:`normalize_answer`.

    :param answer: the extracted answer.
    :param legal_actions: the env's legal actions now.
    """
    if answer in legal_actions:
        return answer
    folded = normalize_answer(answer)
    for action in legal_actions:
        if normalize_answer(action) == folded:
            return action
    return None


class ExtractAnswer(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Let the agent answer in free text; send the env only the answer in it.

    The answer is read with the env's declared formats (``env.unwrapped.answer_formats``
    and ``answer_tag``, see :class:`~cogym.core.text_env.TextEnv`) unless overridden,
    trying :func:`~cogym.core.answers.extract_tag`, ``extract_boxed`` and
    ``last_nonempty_line`` in the order given. When the last ``info`` listed
    ``legal_actions``, the answer is matched to one of them (see :func:`match_legal_action`:
    ``"<answer> Call. </answer>"`` sends ``"call"``); an answer that matches none is sent as
    extracted, so the env's own invalid-action feedback applies. Text with no answer in any
    format is sent whole. Actions that are not ``str`` pass through unchanged.

    Each step's ``info`` gains ``raw_action`` (the agent's action) and ``extracted_action``
    (what the env was sent).

    The env sees only the extracted answer, so a reward an env pays for the format itself
    (Countdown's ``format_reward`` for ``<answer>`` tags) is never earned behind this
    wrapper. Wrap it in :class:`~cogym.wrappers.ChatHistory`, not the other way round, to
    keep the agent's whole replies in the history.

    :param env: a text env.
    :param formats: formats to try, in priority order; ``None`` for the env's own.
    :param tag: the tag name of the ``"tag"`` format; ``None`` for the env's own.
    """

    def __init__(
        self,
        env: gym.Env,
        formats: tuple[AnswerFormat, ...] | None = None,
        tag: str | None = None,
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, formats=formats, tag=tag)
        super().__init__(env)
        base = env.unwrapped
        if formats is None:
            formats = getattr(base, "answer_formats", DEFAULT_FORMATS)
        if tag is None:
            tag = getattr(base, "answer_tag", "answer")
        if not isinstance(tag, str) or not tag:
            raise InvalidArgumentError(f"tag must be a non-empty str such as 'answer', got {tag!r}")
        self.formats: tuple[AnswerFormat, ...] = check_formats(formats)
        self.tag: str = tag
        self._legal_actions: list[str] | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the env and note its legal actions.

        :param seed: passed to the env.
        :param options: passed to the env.
        """
        observation, info = self.env.reset(seed=seed, options=options)
        self._legal_actions = info.get("legal_actions")
        return observation, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Step the env with the answer extracted from ``action``.

        :param action: the agent's free-text reply.
        """
        sent = self.extract(action) if isinstance(action, str) else action
        observation, reward, terminated, truncated, info = self.env.step(sent)
        self._legal_actions = info.get("legal_actions")
        info = {**info, "raw_action": action, "extracted_action": sent}
        return observation, reward, terminated, truncated, info

    def extract(self, text: str) -> str:
        """What :meth:`step` would send the env for ``text`` now.

        :param text: the agent's free-text reply.
        """
        found = extract_answer(text, self.formats, tag=self.tag)
        if found is None:
            return text
        answer = found.text
        if self._legal_actions is None:
            return answer
        legal = match_legal_action(answer, self._legal_actions)
        return answer if legal is None else legal
