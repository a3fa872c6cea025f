"""Prompt helpers for LLM agents: the default system prompt and think-block stripping.

The conversation itself, and the rule that shortens it to a token budget, live in
:mod:`cogym.wrappers.transcript`."""

from __future__ import annotations

import re

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
