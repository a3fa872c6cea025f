"""Record every finished episode: to a JSON-lines file, or hand it to a function."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import IO, Any

import gymnasium as gym

from cogym.core.episode import EpisodeRecord, StepRecord
from cogym.core.errors import InvalidArgumentError

EpisodeSink = Callable[[EpisodeRecord], Any]
"""Takes each finished episode's record."""


class RecordEpisodes(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Record each finished episode as an :class:`~cogym.core.episode.EpisodeRecord`.

    A record holds the env id, the seed passed to ``reset`` (``None`` when none was), the
    agent's name, the reset observation and info, and every step's action, observation,
    reward, ``terminated``, ``truncated``, info and ``duration_s`` (seconds the step
    took). The record's ``duration_s`` is the wall time from the start of ``reset`` to
    the end of the last step.

    The record goes to ``sink`` when a step ends the episode (terminated or truncated).
    An episode that is left unfinished, by a new ``reset`` or by ``close``, records
    nothing. ``sink`` is either

    - a path: one JSON line per episode (see ``EpisodeRecord.to_dict``; a value that JSON
      cannot hold is written as its ``repr``) is appended and flushed. The file is opened
      for appending when the wrapper is made (its parent folders are created) and closed
      by :meth:`close`, which also closes the env; or
    - a function, called with the record (the rollout loop, a trainer, a progress bar).

    :param env: the env to record.
    :param sink: the JSON-lines file to append to, or a function that takes each record.
    :param env_id: the id to record; ``None`` for ``env.spec.id`` (or the env's class name
        when it was not made by id).
    :param agent: the agent's name, to record.
    """

    def __init__(
        self,
        env: gym.Env,
        sink: str | Path | EpisodeSink,
        env_id: str | None = None,
        agent: str = "",
    ) -> None:
        gym.utils.RecordConstructorArgs.__init__(
            self, sink=sink if callable(sink) else str(sink), env_id=env_id, agent=agent
        )
        super().__init__(env)
        if env_id is None:
            env_id = env.spec.id if env.spec is not None else type(env.unwrapped).__name__
        self.env_id = env_id
        self.agent = agent
        self.path: Path | None = None
        self._file: IO[str] | None = None
        if callable(sink):
            self._sink = sink
        elif isinstance(sink, (str, Path)):
            self.path = Path(sink)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
            self._sink = partial(_append_line, self._file)
        else:
            raise InvalidArgumentError(
                "sink must be a path to a JSON-lines file or a function that takes an "
                f"EpisodeRecord, got {type(sink).__name__}"
            )
        self._record: EpisodeRecord | None = None
        self._start = 0.0
        self._episodes_written = 0

    @property
    def episodes_written(self) -> int:
        """Episodes recorded (written or handed to the sink) by this wrapper so far."""
        return self._episodes_written

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the env and start a new record; an unfinished one is dropped.

        :param seed: passed to the env and recorded.
        :param options: passed to the env.
        """
        self._record = None
        self._start = time.perf_counter()
        observation, info = self.env.reset(seed=seed, options=options)
        self._record = EpisodeRecord(
            env_id=self.env_id,
            seed=seed,
            agent=self.agent,
            reset_observation=observation,
            reset_info=dict(info),
        )
        return observation, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Step the env, record the step, and hand the record over when the episode ends.

        :param action: passed to the env and recorded.
        """
        started = time.perf_counter()
        observation, reward, terminated, truncated, info = self.env.step(action)
        finished = time.perf_counter()
        if self._record is not None:
            self._record.steps.append(
                StepRecord(
                    action,
                    observation,
                    float(reward),
                    bool(terminated),
                    bool(truncated),
                    dict(info),
                    finished - started,
                )
            )
            if terminated or truncated:
                record, self._record = self._record, None
                record.duration_s = finished - self._start
                self._sink(record)
                self._episodes_written += 1
        return observation, reward, terminated, truncated, info

    def close(self) -> None:
        """Close the file (when the sink is a path), then the env."""
        if self._file is not None and not self._file.closed:
            self._file.close()
        super().close()


def _append_line(file: IO[str], record: EpisodeRecord) -> None:
    file.write(record.to_json() + "\n")
    file.flush()
