"""The agent interface: baselines, LLM agents, the CLI and the trainer all speak it."""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from cogym.core.errors import InvalidArgumentError


class Agent(ABC):
    """An agent plays episodes and keeps whatever state it needs.

    One episode at a time: call :meth:`reset`, then :meth:`act` with each observation and
    info the env returns (the reset pair first).

    Many episodes at once: each runs in a numbered *slot*. Call :meth:`reset_slot` when
    an episode starts in a slot, then :meth:`act_batch` with the observations of the
    slots that are still playing. By default every slot gets its own :meth:`spawn` of
    this agent; agents that batch work (LLM agents) override both methods.
    """

    def reset(self) -> None:  # noqa: B027 - optional hook; stateless agents keep the no-op
        """Forget the last episode."""

    @abstractmethod
    def act(self, observation: Any, info: dict[str, Any]) -> Any:
        """Return the next action for ``observation``.

        :param observation: the env's latest observation.
        :param info: the info dict returned with it.
        """

    def spawn(self) -> Agent:
        """A fresh agent like this one, for another episode played in parallel."""
        clone = object.__new__(type(self))
        state = {key: value for key, value in self.__dict__.items() if key != "_slot_agents"}
        clone.__dict__.update(copy.deepcopy(state))
        return clone

    def reset_slot(self, slot: int) -> None:
        """Start a new episode in batch slot ``slot``."""
        agents: dict[int, Agent] = self.__dict__.setdefault("_slot_agents", {})
        if slot not in agents:
            agents[slot] = self.spawn()
        agents[slot].reset()

    def act_batch(
        self,
        observations: Sequence[Any],
        infos: Sequence[dict[str, Any]],
        slots: Sequence[int],
    ) -> list[Any]:
        """Actions for several episodes at once, one per slot.

        :param observations: the latest observation of each playing slot.
        :param infos: the matching info dicts.
        :param slots: the slot of each observation.
        """
        agents: dict[int, Agent] = self.__dict__.get("_slot_agents", {})
        missing = [slot for slot in slots if slot not in agents]
        if missing:
            raise InvalidArgumentError(f"call reset_slot() for slots {missing} before act_batch()")
        return [
            agents[slot].act(observation, info)
            for observation, info, slot in zip(observations, infos, slots, strict=True)
        ]


class TaskAgent(Agent):
    """An agent that reads the episode's task from the reset info (``info["task"]``), as
    a task env gives it: the base of experts and oracles (solvers, reference answers).

    The task is kept for the episode's later turns, whose info does not repeat it.
    """

    def __init__(self) -> None:
        self._task: dict[str, Any] | None = None

    def reset(self) -> None:
        self._task = None

    def current_task(self, info: dict[str, Any]) -> dict[str, Any]:
        """The episode's task: from ``info`` at reset, remembered after.

        :raises InvalidArgumentError: when no reset info was seen.
        """
        if "task" in info:
            self._task = info["task"]
        if self._task is None:
            raise InvalidArgumentError(
                f"{type(self).__name__} needs the reset info of a task env (info['task']); "
                "call act() with the pair that reset() returned first"
            )
        return self._task
