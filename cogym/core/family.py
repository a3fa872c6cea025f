"""The family descriptor: one object per env family that the registry, CLI, agent
registry and trainer read, so that nothing above ``cogym.envs`` names a family.

A family's ``__init__`` exports ``FAMILY = Family(...)``; adding the family to cogym is
one line in the family table of ``cogym/__init__.py`` (or ``cogym.register_family``
for a family that lives in another package).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from cogym.core.agent import Agent
from cogym.core.errors import InvalidArgumentError
from cogym.core.verdict import Verdict

_ID = re.compile(r"^cogym/[A-Za-z0-9][A-Za-z0-9_-]*-v\d+$")

#: ``build(env, seed, **options) -> Agent``: makes an agent for a made (maybe wrapped) env.
AgentBuilder = Callable[..., Agent]


@dataclass(frozen=True)
class EnvEntry:
    """One registered id of a family: a variant of the family's env class.

    :param id: ``cogym/<Name>-v<N>``.
    :param summary: one line for ``cogym list`` and the README table.
    :param kwargs: the variant's default kwargs.
    :param vector_entry_point: ``module:Class`` of a native batched env, which
        ``gym.make_vec`` then uses by default.
    """

    id: str
    summary: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    vector_entry_point: str | None = None


@dataclass(frozen=True)
class AgentSpec:
    """A named agent: how to build it, and which envs it can play.

    :param name: the name ``cogym run --agent`` takes.
    :param build: ``(env, seed, **options) -> Agent``.
    :param summary: one line for ``cogym run --help``.
    :param options: the keyword options ``build`` accepts.
    :param supports: ``env -> bool``: which envs the agent can play. Needed for agents not
        bound to one family (``random``, ``llm``); a family's own agent without it plays
        every env of the family.
    :param role: ``"expert"`` (solves by search), ``"oracle"`` (reads the gold answer),
        ``"random"`` (the chance level) or ``"baseline"``.
    """

    name: str
    build: AgentBuilder
    summary: str
    options: frozenset[str] = frozenset()
    supports: Callable[[gym.Env], bool] | None = None
    role: str = "baseline"


@dataclass(frozen=True)
class Family:
    """Everything cogym needs to know about one env family.

    :param name: the family's short name, e.g. ``"countdown"``.
    :param env_class: the single-episode env class every id makes.
    :param envs: the registered ids, each a variant of ``env_class``.
    :param summary: one line about the family.
    :param config: the task generator's config class (a :class:`~cogym.core.config.TaskConfig`);
        by default the one a :class:`~cogym.core.task_env.TaskEnv` class names.
    :param generate: ``(rng, config) -> task``: one task, a pure function of the rng; by
        default the env class's ``generate_task``.
    :param validate_task: ``task -> clean task``: checks a task dict in the family's
        schema; by default the env class's ``validate_task``.
    :param verify: ``(text, task, **options) -> Verdict``: grades an answer without the env.
    :param agents: the family's baseline agents (expert or oracle, chance level...).
    :param game: makes the pure game core, for two-player games (solvers, self-play).
    :param aec_env: makes the PettingZoo AEC env, for multi-agent games.
    """

    name: str
    env_class: type[gym.Env]
    envs: tuple[EnvEntry, ...]
    summary: str = ""
    config: type | None = None
    generate: Callable[[random.Random, Any], dict[str, Any]] | None = None
    validate_task: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    verify: Callable[..., Verdict] | None = None
    agents: tuple[AgentSpec, ...] = ()
    game: Callable[[], Any] | None = None
    aec_env: Callable[..., Any] | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.env_class, type) and issubclass(self.env_class, gym.Env)):
            raise InvalidArgumentError(
                f"family {self.name!r}: env_class must be a gymnasium.Env subclass, "
                f"got {self.env_class!r}"
            )
        if not self.envs:
            raise InvalidArgumentError(f"family {self.name!r} registers no env id; add an EnvEntry")
        for entry in self.envs:
            if not _ID.match(entry.id):
                raise InvalidArgumentError(
                    f"family {self.name!r}: env id {entry.id!r} must look like cogym/Name-v0"
                )
        # a task env already names its config, generator and validator: read, not repeat
        for field_name, attribute in (
            ("config", "config_class"),
            ("generate", "generate_task"),
            ("validate_task", "validate_task"),
        ):
            if getattr(self, field_name) is None and hasattr(self.env_class, attribute):
                object.__setattr__(self, field_name, getattr(self.env_class, attribute))
        names = [agent.name for agent in self.agents]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise InvalidArgumentError(f"family {self.name!r} names agents {repeated} twice")

    @property
    def env_ids(self) -> list[str]:
        """The family's ids, in table order."""
        return [entry.id for entry in self.envs]
