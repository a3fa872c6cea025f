"""Make a text env's observation the whole conversation so far, as chat messages."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from gymnasium import spaces

from cogym.core.errors import InvalidArgumentError
from cogym.core.spaces import text_space
from cogym.wrappers.transcript import ROLES, Message, Transcript


class ChatHistory(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Observe the conversation so far instead of only the env's last reply.

    The observation is a tuple of messages ``{"role": ..., "content": ...}``: the system
    prompt when one is given, then ``user`` = the first observation, then for each step
    ``assistant`` = the action exactly as given and ``user`` = the env's reply. ``reset``
    starts a new conversation. Actions pass through to the env unchanged; one that is not
    a ``str`` is written into the history as its ``repr``. A
    :class:`~cogym.wrappers.transcript.Transcript` builds the messages.

    The observation space is ``Sequence(Dict(role: Text, content: Text))`` over cogym's
    printable-ASCII charset. The history stays faithful to what the agent said, so an
    action with characters outside printable ASCII, or longer than the env's action
    space allows, is kept verbatim and that history lies outside the declared space.

    :param env: a text env (``Text`` observation and action spaces).
    :param system_prompt: the content of a first ``system`` message, or ``None`` for none.
    """

    def __init__(self, env: gym.Env, system_prompt: str | None = None) -> None:
        gym.utils.RecordConstructorArgs.__init__(self, system_prompt=system_prompt)
        super().__init__(env)
        if system_prompt is not None and not isinstance(system_prompt, str):
            raise InvalidArgumentError(
                f"system_prompt must be a str or None, got {type(system_prompt).__name__}"
            )
        if not isinstance(env.observation_space, spaces.Text):
            raise InvalidArgumentError(
                "ChatHistory needs a text env (a Text observation space), got "
                f"{env.observation_space}; use it on an LLM-facing env, not a vector view"
            )
        self.system_prompt = system_prompt
        longest = max(env.observation_space.max_length, len(system_prompt or ""))
        if isinstance(env.action_space, spaces.Text):
            longest = max(longest, env.action_space.max_length)
        self.observation_space = spaces.Sequence(
            spaces.Dict(
                {
                    "role": text_space(max(map(len, ROLES)), min_length=min(map(len, ROLES))),
                    "content": text_space(longest),
                }
            )
        )
        self._transcript = Transcript(system_prompt)

    @property
    def messages(self) -> list[Message]:
        """A copy of the conversation so far."""
        return self._transcript.messages

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[tuple[Message, ...], dict[str, Any]]:
        """Reset the env and start the conversation with its first observation.

        :param seed: passed to the env.
        :param options: passed to the env.
        """
        observation, info = self.env.reset(seed=seed, options=options)
        self._transcript.start(observation)
        return tuple(self._transcript.messages), info

    def step(self, action: Any) -> tuple[tuple[Message, ...], float, bool, bool, dict[str, Any]]:
        """Step the env with ``action`` and add the action and the env's reply.

        :param action: the agent's action, passed to the env unchanged.
        """
        observation, reward, terminated, truncated, info = self.env.step(action)
        self._transcript.add_reply(action)
        self._transcript.add_observation(observation)
        return tuple(self._transcript.messages), reward, terminated, truncated, info
