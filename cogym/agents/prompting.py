"""Conversation helpers for LLM agents: the default system prompt, think-block
stripping, and history truncation by a token budget."""

from __future__ import annotations

import re
from collections.abc import Callable

from cogym.agents.backends.base import Conversation

_THINK_BLOCK = re.compile(r"<think>.*?</think>\s*", flags=re.DOTALL | re.IGNORECASE)

BASE_SYSTEM_PROMPT = (
    "You are an agent acting in a text environment over several turns. Read the task and "
    "its rules carefully. Think briefly, then give your action in exactly the format the "
    "task asks for. After each action the environment replies; use its feedback to do "
    "better on your next turn."
)


def default_system_prompt(first_observation: str) -> str:
    """The base instructions, plus a reminder of the answer format the task names."""
    prompt = BASE_SYSTEM_PROMPT
    if "<answer>" in first_observation:
        prompt += " End your reply with your answer inside <answer></answer> tags."
    elif "\\boxed" in first_observation:
        prompt += " End your reply with your final answer in \\boxed{}."
    elif "[check]" in first_observation:
        prompt += " End your reply with one legal move in square brackets, such as [call]."
    return prompt


def strip_think(text: str) -> str:
    """Remove ``<think>...</think>`` blocks, and reasoning before a lone ``</think>``.

    Chat templates that open the think block in the prompt leave only its end in the
    reply. An unclosed ``<think>`` is kept: cutting it would drop the whole reply.
    """
    text = _THINK_BLOCK.sub("", text)
    lowered = text.lower()
    if "</think>" in lowered and "<think>" not in lowered:
        text = text[lowered.rindex("</think>") + len("</think>") :]
    return text.strip()


def truncate_history(
    conversation: Conversation, budget: int, count_tokens: Callable[[Conversation], int]
) -> Conversation:
    """Drop the oldest exchanges until the prompt fits ``budget`` tokens.

    The system message, the first user message (the task) and the latest exchange always
    stay; exchanges in between go oldest first, an assistant reply together with the
    env's answer to it, so roles keep alternating. A conversation that is still too long
    is returned at that minimum.

    :param conversation: system (optional), task, then assistant/user pairs.
    :param budget: the most prompt tokens.
    :param count_tokens: the backend's token counter.
    :return: the conversation itself when it fits, else a shorter copy.
    """
    if count_tokens(conversation) <= budget:
        return conversation
    head = 2 if conversation[0]["role"] == "system" else 1
    kept = list(conversation)
    while len(kept) > head + 2 and count_tokens(kept) > budget:
        del kept[head : head + 2]
    return kept
