"""The base class of every LLM-facing cogym env.

:class:`TextEnv` owns the parts of the env contract (DESIGN.md) that every text env
shares, so a family only writes its task and its rules:

- Text observation and action spaces with a documented ``max_length``;
- turn counting and truncation at ``max_turns``;
- the invalid-action rule: a malformed action never raises; it gets an observation
  saying what was wrong, ``invalid_action_reward``, and the turn is counted;
- the shared ``info`` keys ``turn``, ``action_valid``, ``success``, ``feedback_kind``
  and ``legal_actions`` (where finite);
- misuse of the API (step before reset or after the end, unknown kwargs or reset
  options) raising a :class:`~cogym.core.errors.CogymError` that says what to do;
- one resource lifecycle (:attr:`resources`): sandboxes, workers and browsers start on
  first use and end with :meth:`close` or garbage collection;
- ``render_mode="ansi"``, and ``"rgb_array"`` for a subclass that implements
  :meth:`_render_rgb`;
- a vector mode for envs whose actions are a finite set: when the subclass sets a
  ``Discrete`` action space, each action is checked against it and handed to
  :meth:`_apply_choice` (an illegal one to :meth:`_invalid_choice`), and
  :meth:`_observe` turns the text into the vector observation.

A subclass implements :meth:`_start_episode` and :meth:`_apply_action` (task-backed
families build on :class:`~cogym.core.task_env.TaskEnv`, which writes the first).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from cogym.core.answers import AnswerFormat
from cogym.core.checks import check_int, check_number, shown
from cogym.core.errors import InvalidArgumentError, ResetNeeded, UnknownKwargError
from cogym.core.resources import Resources
from cogym.core.spaces import fit_text, preview, text_space


@dataclass
class Outcome:
    """What a family's rules make of one action.

    :param observation: the env's reply to this action only.
    :param feedback_kind: a short machine-readable reason, e.g. ``"wrong_answer"``.
    :param valid: whether the action parsed; invalid actions earn ``invalid_action_reward``.
    :param reward: the reward the action earns; an invalid action earns
        ``invalid_action_reward`` on top (e.g. a poker hand forfeited by it).
    :param terminated: the task is solved or definitively failed.
    :param success: the task is solved.
    :param info: extra, family-specific info keys.
    """

    observation: str
    feedback_kind: str
    valid: bool = True
    reward: float = 0.0
    terminated: bool = False
    success: bool = False
    info: dict[str, Any] = field(default_factory=dict)


def _check_kwargs(init):
    """Wrap ``__init__`` so an unknown kwarg names the accepted ones."""
    signature = inspect.signature(init)
    if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
        return init
    accepted = [
        name
        for name, param in signature.parameters.items()
        if name != "self" and param.kind in (param.KEYWORD_ONLY, param.POSITIONAL_OR_KEYWORD)
    ]

    @functools.wraps(init)
    def checked_init(self, *args, **kwargs):
        unknown = sorted(set(kwargs) - set(accepted))
        if unknown:
            raise UnknownKwargError(
                f"{type(self).__name__} got unknown kwarg(s) {', '.join(map(repr, unknown))}; "
                f"accepted kwargs are: {', '.join(accepted)}"
            )
        init(self, *args, **kwargs)

    return checked_init


#: The most turns an episode may have (``max_turns``).
MAX_TURNS = 2**31 - 1


class TextEnv(gym.Env[str, str]):
    """Base class for multi-turn text envs; see the module docstring for what it provides.

    :param max_turns: turns before the episode is truncated (1 to :data:`MAX_TURNS`).
    :param invalid_action_reward: reward for an action that does not parse (a finite number).
    :param render_mode: ``None`` or ``"ansi"``.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"], "render_fps": 1}
    #: Longest observation, in characters; longer text is cut with a visible mark.
    max_observation_length: ClassVar[int] = 8192
    #: Longest action, in characters; a longer action is invalid (``"action_too_long"``).
    max_action_length: ClassVar[int] = 16384
    #: Whether the class overrides :meth:`legal_actions` (set for each subclass).
    _lists_legal_actions: ClassVar[bool] = False
    #: Keys a subclass accepts in ``reset(options=...)``.
    option_keys: ClassVar[frozenset[str]] = frozenset()
    #: How the env reads an answer out of free text, in priority order: the formats its
    #: verifier passes to :func:`cogym.core.answers.extract_answer`, declared here so that
    #: agents and trainers know what the env judges.
    answer_formats: ClassVar[tuple[AnswerFormat, ...]] = ("tag", "boxed", "last_line")
    #: The tag name of the ``"tag"`` format: ``"answer"`` reads ``<answer>...</answer>``.
    answer_tag: ClassVar[str] = "answer"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _check_kwargs(cls.__dict__["__init__"])
        # only envs that list their legal actions pay for asking on every step
        cls._lists_legal_actions = cls.legal_actions is not TextEnv.legal_actions
        modes = cls.metadata["render_modes"]
        if cls._render_rgb is not TextEnv._render_rgb and "rgb_array" not in modes:
            cls.metadata = {**cls.metadata, "render_modes": [*modes, "rgb_array"]}

    def __init__(
        self,
        *,
        max_turns: int,
        invalid_action_reward: float = -0.1,
        render_mode: str | None = None,
    ) -> None:
        check_int("max_turns", max_turns, minimum=1, maximum=MAX_TURNS)
        modes = self.metadata["render_modes"]
        if render_mode is not None and not (isinstance(render_mode, str) and render_mode in modes):
            raise InvalidArgumentError(
                f"render_mode {shown(render_mode)} is not supported; use one of {modes} or None"
            )
        self.max_turns = max_turns
        self.invalid_action_reward = check_number("invalid_action_reward", invalid_action_reward)
        self.render_mode = render_mode
        self.observation_space = text_space(self.max_observation_length, min_length=1)
        self.action_space = text_space(self.max_action_length)
        #: The processes this env holds (sandboxes, workers, browsers): started on first
        #: use, ended by :meth:`close` or garbage collection.
        self.resources = Resources()
        self._turn: int | None = None
        self._finite_actions = False
        self._text_observations = True
        self._choices: range | None = None
        self._done = False
        self._last_action: str | None = None
        self._last_observation = ""

    # -- to implement -------------------------------------------------------------------

    def _start_episode(self, options: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """Pick and set up the task; return the first observation and extra info keys."""
        raise NotImplementedError

    def _apply_action(self, action: str) -> Outcome:
        """Judge one action (already a ``str`` within the length limit)."""
        raise NotImplementedError

    def _observe(self, text: str) -> Any:
        """The observation returned for ``text``; envs with a vector mode override it."""
        return text

    def _apply_choice(self, choice: int) -> Outcome:
        """Judge action ``choice`` of a ``Discrete`` action space (vector mode)."""
        raise NotImplementedError(f"{type(self).__name__} has no finite action set")

    def _invalid_choice(self, action: Any) -> Outcome:
        """Answer an action outside the ``Discrete`` action space (vector mode)."""
        space = self.action_space
        return Outcome(
            f"Invalid action {preview(repr(action))}: use an int from {space.start} to "
            f"{space.start + space.n - 1}.",
            "invalid_action",
            valid=False,
        )

    def _render_rgb(self) -> np.ndarray:
        """The picture for ``render_mode="rgb_array"``; envs that draw one implement it."""
        raise NotImplementedError

    def legal_actions(self) -> list[str] | None:
        """The legal actions now, where the set is finite; ``None`` otherwise."""
        return None

    # -- the contract -------------------------------------------------------------------

    @property
    def turn(self) -> int:
        """Turns taken in this episode."""
        return self._turn or 0

    @property
    def turns_left(self) -> int:
        """Turns left before truncation."""
        return self.max_turns - self.turn

    def turns_left_line(self) -> str:
        """``"3 turns left."``, ``"1 turn left."`` or ``"No turns left."``."""
        left = self.turns_left
        if left <= 0:
            return "No turns left."
        return f"{left} turn{'s' if left != 1 else ''} left."

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        options = self._check_options(options)
        self._turn, self._done, self._last_action = 0, False, None
        if self._choices is None:  # spaces are fixed once made: read the modes once
            self._read_modes()
        observation, extra = self._start_episode(options)
        info: dict[str, Any] = {"turn": 0, **extra}
        self._add_legal_actions(info)
        self._last_observation = self._fit(observation)
        return self._observe(self._last_observation), info

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        if self._turn is None:
            raise ResetNeeded(f"{type(self).__name__}: call reset() before step()")
        if self._done:
            raise ResetNeeded(
                f"{type(self).__name__}: the episode has ended (terminated or truncated); "
                "call reset() to start a new one"
            )
        self._turn += 1
        outcome = self._judge(action)
        reward = outcome.reward + (0.0 if outcome.valid else self.invalid_action_reward)
        terminated = outcome.terminated
        truncated = not terminated and self._turn >= self.max_turns
        self._done = terminated or truncated
        info: dict[str, Any] = {
            "turn": self._turn,
            "action_valid": outcome.valid,
            "success": outcome.success,
            "feedback_kind": outcome.feedback_kind,
            **outcome.info,
        }
        self._add_legal_actions(info)
        self._last_action = action if isinstance(action, str) else repr(action)
        self._last_observation = self._fit(outcome.observation)
        return self._observe(self._last_observation), float(reward), terminated, truncated, info

    def close(self) -> None:
        """End every resource this env started (shared ones stay open)."""
        self.resources.close()
        super().close()

    def render(self) -> str | np.ndarray | None:
        if self.render_mode == "rgb_array":
            return self._render_rgb()
        if self.render_mode != "ansi":
            return None
        lines = [f"[{type(self).__name__} turn {self.turn}/{self.max_turns}]"]
        if self._last_action is not None:
            lines.append(f"> {preview(self._last_action, 200)}")
        lines.append(fit_text(self._last_observation, self.max_observation_length))
        return "\n".join(lines) + "\n"

    # -- helpers ------------------------------------------------------------------------

    def _check_options(self, options: dict[str, Any] | None) -> dict[str, Any]:
        if options is None:
            return {}
        if not isinstance(options, Mapping):
            raise InvalidArgumentError(
                f"reset options must be a dict, got {type(options).__name__}"
            )
        unknown = sorted(set(options) - self.option_keys)
        if unknown:
            raise InvalidArgumentError(
                f"{type(self).__name__}.reset got unknown option(s) {unknown}; "
                f"accepted options are: {sorted(self.option_keys)}"
            )
        return dict(options)

    def _judge(self, action: Any) -> Outcome:
        if self._finite_actions:
            return self._judge_choice(action)
        if isinstance(action, bytes):
            action = action.decode("utf-8", errors="replace")
        if not isinstance(action, str):
            return Outcome(
                f"Invalid action: actions are text, but got a {type(action).__name__}.",
                "not_text",
                valid=False,
            )
        if len(action) > self.max_action_length:
            return Outcome(
                f"Invalid action: it is {len(action)} characters long; the limit is "
                f"{self.max_action_length}.",
                "action_too_long",
                valid=False,
            )
        return self._apply_action(action)

    def _judge_choice(self, action: Any) -> Outcome:
        choice = action
        if isinstance(choice, np.ndarray) and choice.shape in ((), (1,)):
            choice = choice.reshape(()).item()
        if (
            isinstance(choice, (int, np.integer))
            and not isinstance(choice, bool)
            and int(choice) in self._choices
        ):
            return self._apply_choice(int(choice))
        return self._invalid_choice(action)

    def _fit(self, text: str) -> str:
        # a vector-mode env returns vectors: its text is fitted only when rendered
        return fit_text(text, self.max_observation_length) if self._text_observations else text

    def _read_modes(self) -> None:
        self._text_observations = isinstance(self.observation_space, spaces.Text)
        self._finite_actions = isinstance(self.action_space, spaces.Discrete)
        if self._finite_actions:
            start = int(self.action_space.start)
            self._choices = range(start, start + int(self.action_space.n))
        else:
            self._choices = range(0)

    def _add_legal_actions(self, info: dict[str, Any]) -> None:
        if not self._lists_legal_actions:
            return
        legal = self.legal_actions()
        if legal is not None:
            info["legal_actions"] = legal
