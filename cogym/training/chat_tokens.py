"""Chat-template pieces as token ids, for token-in/token-out multi-turn rollouts.

An episode's sequence grows by appending, never by re-rendering: the first prompt (the
template applied to the system and first user message), then each reply's generated ids
as the model emitted them, then the *glue* of the env's reply: whatever the template puts
after an assistant message, the user message with the env's observation, and the
generation prompt. The glue is found by rendering the template around a probe reply, so
it works for any chat template whose rendering of a conversation extends the rendering
of its prefix (ChatML, Llama 3, SmolLM2, Qwen...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cogym.core.errors import CogymError

_PROBE_USER = "cogym-probe-user-message"
_PROBE_REPLY = "cogym-probe-assistant-reply"

Message = dict[str, str]


class ChatTokens:
    """Token ids of a chat's first prompt and of each later env reply.

    :param tokenizer: a transformers tokenizer with a chat template.
    :param end_token_ids: the ids that end an assistant reply (the backend's).
    """

    def __init__(self, tokenizer: Any, end_token_ids: Sequence[int]) -> None:
        self.tokenizer = tokenizer
        self.end_token_ids = frozenset(end_token_ids)
        self._end_texts = [tokenizer.decode([token]) for token in sorted(self.end_token_ids)]

    def render(self, messages: Sequence[Message], add_generation_prompt: bool) -> str:
        """The template's text for ``messages``."""
        return self.tokenizer.apply_chat_template(
            list(messages), tokenize=False, add_generation_prompt=add_generation_prompt
        )

    def encode(self, text: str) -> list[int]:
        """``text``'s ids, with no special tokens added (the template wrote them)."""
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def first_prompt(self, messages: Sequence[Message]) -> list[int]:
        """The ids of the opening messages followed by the generation prompt."""
        return self.encode(self.render(messages, add_generation_prompt=True))

    def reply_glue(self, observation: str, reply_ended: bool) -> list[int]:
        """The ids that follow a reply: the env's ``observation`` as the next user message.

        :param observation: the env's reply to the last action.
        :param reply_ended: whether the reply's ids end with an end-of-turn token. If not
            (cut at the token limit or a stop string), the glue closes the turn first, as
            the template would have.
        """
        after_reply, next_turn = self._template_tail(observation)
        if reply_ended:
            for end_text in self._end_texts:
                if after_reply.startswith(end_text):
                    after_reply = after_reply[len(end_text) :]
                    break
        return self.encode(after_reply + next_turn)

    def _template_tail(self, observation: str) -> tuple[str, str]:
        """What the template writes after a reply's content, and the next user turn."""
        before = [
            {"role": "user", "content": _PROBE_USER},
            {"role": "assistant", "content": _PROBE_REPLY},
        ]
        base = self.render(before, add_generation_prompt=False)
        full = self.render([*before, {"role": "user", "content": observation}], True)
        if not full.startswith(base) or _PROBE_REPLY not in base:
            raise CogymError(
                "this chat template renders a conversation differently from its prefix, so "
                "replies cannot be extended token by token; use a model whose template "
                "appends each message (ChatML, Llama 3, Qwen, SmolLM2...)"
            )
        after_reply = base[base.rindex(_PROBE_REPLY) + len(_PROBE_REPLY) :]
        return after_reply, full[len(base) :]
