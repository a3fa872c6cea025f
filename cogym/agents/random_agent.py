"""A uniformly random agent, the floor every other agent should beat."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from gymnasium import spaces

from cogym.core.agent import Agent


class RandomAgent(Agent):
    """Picks a random legal action: for a Discrete action space an index allowed by
    ``info["action_mask"]``, for text one of ``info["legal_actions"]``; else it samples the
    action space. For free-text envs that is random text, which is
    almost always invalid: it measures the invalid-action floor.

    :param action_space: the env's action space.
    :param seed: seeds the agent's own generator.
    """

    def __init__(self, action_space: spaces.Space, seed: int | None = None) -> None:
        self.action_space = copy.deepcopy(action_space)
        self.np_random = np.random.default_rng(seed)
        self.action_space.seed(int(self.np_random.integers(2**31)))

    def spawn(self) -> RandomAgent:
        """A new random agent seeded from this one, so parallel episodes differ."""
        return RandomAgent(self.action_space, seed=int(self.np_random.integers(2**63)))

    def act(self, observation: Any, info: dict[str, Any]) -> Any:
        if isinstance(self.action_space, spaces.Discrete):
            # A Discrete env takes an index, even where its info also lists legal moves in words.
            mask = info.get("action_mask")
            if mask is not None:
                return self.action_space.sample(mask=np.asarray(mask, dtype=np.int8))
            return self.action_space.sample()
        legal = info.get("legal_actions")
        if legal:
            return legal[int(self.np_random.integers(len(legal)))]
        return self.action_space.sample()
