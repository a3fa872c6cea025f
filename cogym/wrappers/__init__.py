"""Gymnasium wrappers and the conversation record that the agents, CLI and trainer use.

- :class:`ChatHistory`: the observation is the whole conversation, as chat messages.
- :class:`RecordEpisodes`: each finished episode's record, to a JSON-lines file or a
  function; :func:`~cogym.agents.rollout.run_episodes` records through it.
- :class:`Transcript`: one episode's chat messages, built the same way by
  ``ChatHistory`` and by :class:`~cogym.agents.llm_agent.LLMAgent`, and
  :func:`truncate_history`, the rule that shortens them to a token budget.

The wrappers stack in either order; this one records each env reply once rather than
the whole conversation per step::

    env = ChatHistory(RecordEpisodes(cogym.make("cogym/Countdown-v0"), "episodes.jsonl"))
"""

from __future__ import annotations

from cogym.wrappers.chat_history import ChatHistory
from cogym.wrappers.record_episodes import EpisodeSink, RecordEpisodes
from cogym.wrappers.transcript import Message, Transcript, truncate_history

__all__ = [
    "ChatHistory",
    "EpisodeSink",
    "Message",
    "RecordEpisodes",
    "Transcript",
    "truncate_history",
]
