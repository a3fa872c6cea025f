"""Gymnasium wrappers for LLM agents: chat history, answer extraction, episode recording.

They stack in any order. This one keeps the agent's whole replies in the history and in
the record, and records each env reply once rather than the whole conversation per step::

    env = ChatHistory(RecordEpisodes(ExtractAnswer(cogym.make("cogym/Countdown-v0")), path))
"""

from __future__ import annotations

from cogym.wrappers.chat_history import ChatHistory
from cogym.wrappers.extract_answer import ExtractAnswer
from cogym.wrappers.record_episodes import RecordEpisodes

__all__ = ["ChatHistory", "ExtractAnswer", "RecordEpisodes"]
