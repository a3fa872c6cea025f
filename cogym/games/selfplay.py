"""Self-play: one policy holds every seat of a game; each seat's trajectory comes back.

The game is any PettingZoo AEC env, made by a factory the caller passes (Kuhn poker's,
for an LLM: ``functools.partial(cogym.envs.poker.aec.env, text_observations=True,
text_actions=True)``). Each game gives one trajectory per seat (role): what the seat was
shown, its moves, the rewards they earned and its return, ready for a trainer that
updates the one policy from all of them. Two-player games are seldom symmetric (Kuhn
poker's first seat is worth -1/18 of a chip at equilibrium), so advantages use a
baseline per role (SPIRAL's role-conditioned advantage estimation):
:func:`role_baselines` and :func:`role_advantages`.

Games run in batches: every seat that is to move, across the batch, is asked in one
:meth:`~cogym.core.agent.Agent.act_batch` call, so an LLM agent generates for all of
them at once. Each (game, seat) pair is its own agent slot with its own history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cogym.core.agent import Agent
from cogym.core.checks import check_int
from cogym.core.errors import InvalidArgumentError


@dataclass
class SeatTrajectory:
    """One seat's side of a game.

    :param role: the seat's index in the env's ``possible_agents`` (in Kuhn poker, 0 acts
        first).
    :param agent: the seat's AEC agent name, e.g. ``"player_0"``.
    :param observations: what the seat was shown before each of its moves.
    :param actions: its moves, as the policy gave them.
    :param rewards: per move, the rewards the seat received from that move until its next
        one or the end: an invalid move's penalty, the chips of the hand it ended or
        that the other seat ended after it.
    :param episode_return: every reward the seat received in the game, including any
        that came before its first move (a seat may win without moving, when the other
        forfeits first).
    :param final_observation: what the seat was shown when the game ended.
    :param final_info: the env's info for the seat when the game ended, with the game's
        own keys (Kuhn poker's: ``chips``, ``hand_result``...).
    """

    role: int
    agent: str
    observations: list[Any] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    episode_return: float = 0.0
    final_observation: Any = None
    final_info: dict[str, Any] = field(default_factory=dict)

    def receive(self, reward: float) -> None:
        """Credit ``reward`` to the seat's latest move and to its return."""
        self.episode_return += reward
        if self.actions:
            self.rewards[-1] += reward


@dataclass
class SelfPlayGame:
    """A finished self-play game.

    :param seed: the seed its env was reset with.
    :param trajectories: one per seat, in role order.
    """

    seed: int
    trajectories: tuple[SeatTrajectory, ...]

    @property
    def returns(self) -> tuple[float, ...]:
        """Each seat's return, in role order."""
        return tuple(trajectory.episode_return for trajectory in self.trajectories)


class _Table:
    """One game in flight: its env and its seats' trajectories.

    :param env: a fresh or finished AEC env, reset here with ``seed``.
    :param seed: the game's seed.
    :param first_slot: the agent slot of the seat with role 0; role ``r`` plays in
        ``first_slot + r``.
    :param observation_key: the observation entry the agent is shown, or ``None``.
    """

    def __init__(self, env: Any, seed: int, first_slot: int, observation_key: str | None) -> None:
        env.reset(seed=seed)
        self.env = env
        # Reads go to the raw env: PettingZoo's wrappers forward each attribute through
        # __getattr__, which cost self-play a sixth of its time; moves still go through
        # the wrappers' step, which enforces the order.
        self.raw = getattr(env, "unwrapped", env)
        self.seed = seed
        self.first_slot = first_slot
        self.observation_key = observation_key
        self.seats = {
            name: SeatTrajectory(role, name) for role, name in enumerate(env.possible_agents)
        }

    def next_mover(self) -> SeatTrajectory | None:
        """Credit the rewards since the selected seat last moved, step each finished seat
        out with ``None``, and return the seat to move (``None`` once the game is over)."""
        raw = self.raw
        while raw.agents:
            seat = self.seats[raw.agent_selection]
            _, reward, terminated, truncated, info = raw.last(observe=False)
            seat.receive(float(reward))
            if not (terminated or truncated):
                return seat
            seat.final_observation = self.observation(seat)
            seat.final_info = dict(info)
            self.env.step(None)
        return None

    def observation(self, seat: SeatTrajectory) -> Any:
        observation = self.raw.observe(seat.agent)
        key = self.observation_key
        if key is None:
            return observation
        if not isinstance(observation, Mapping) or key not in observation:
            found = list(observation) if isinstance(observation, Mapping) else type(observation)
            raise InvalidArgumentError(
                f"observation_key={key!r}, but the env's observations of {seat.agent} are "
                f"{found}; pass the key of the entry the agent should see, or "
                "observation_key=None to show it the whole observation"
            )
        return observation[key]

    def info(self, seat: SeatTrajectory) -> dict[str, Any]:
        return {**self.raw.infos[seat.agent], "seat": seat.role, "turn": len(seat.actions)}

    def result(self) -> SelfPlayGame:
        return SelfPlayGame(self.seed, tuple(self.seats.values()))


def play_self_play(
    make_env: Callable[[], Any],
    agent: Agent,
    num_games: int,
    *,
    seed: int = 0,
    batch_size: int = 16,
    observation_key: str | None = "text",
) -> list[SelfPlayGame]:
    """Play ``num_games`` games of the AEC env that ``make_env`` makes, ``agent`` holding
    every seat.

    Game ``i`` is played on an env reset with ``seed + i``, so a game can be replayed
    alone. The agent is shown, before each move, the seat's observation (its
    ``observation_key`` entry) and the env's info for the seat (``legal_actions`` and
    the game's own keys) plus ``seat`` (the role) and ``turn`` (the seat's moves so
    far). Its moves go to ``env.step`` as given: invalid moves are the env's to answer
    (Kuhn poker's text actions earn a penalty and forfeit a hand after too many).

    :param make_env: makes one AEC env (``reset(seed=)``, ``agent_selection``, ``last``,
        ``observe``, ``step``, ``infos``); ``batch_size`` of them are made and reused.
    :param agent: an agent with ``reset_slot(slot)`` and ``act_batch(observations,
        infos, slots)``; each (game, seat) gets its own slot, so its own history.
    :param num_games: games to play.
    :param seed: the first game's seed.
    :param batch_size: games in flight at once.
    :param observation_key: the entry of a dict observation that the agent is shown
        (``"text"`` for an LLM), or ``None`` to show it the whole observation.
    """
    if not callable(make_env):
        raise InvalidArgumentError(
            f"make_env must make an AEC env when called with no arguments, e.g. "
            f"functools.partial(cogym.envs.poker.aec.env, text_observations=True, "
            f"text_actions=True); got {make_env!r}"
        )
    if not (
        callable(getattr(agent, "reset_slot", None)) and callable(getattr(agent, "act_batch", None))
    ):
        raise InvalidArgumentError(
            "agent must have reset_slot(slot) and act_batch(observations, infos, slots), "
            f"as every cogym.core.agent.Agent does; got {agent!r}"
        )
    check_int("num_games", num_games, minimum=0)
    check_int("batch_size", batch_size, minimum=1)
    check_int("seed", seed)
    if observation_key is not None and not isinstance(observation_key, str):
        raise InvalidArgumentError(
            f"observation_key must be a str such as 'text', or None; got {observation_key!r}"
        )
    envs = [make_env() for _ in range(min(batch_size, num_games))]
    games: list[SelfPlayGame] = []
    try:
        for start in range(0, num_games, batch_size):
            seeds = range(seed + start, seed + min(start + batch_size, num_games))
            tables: list[_Table] = []
            first_slot = 0
            for env, game_seed in zip(envs, seeds, strict=False):  # the last batch may be short
                tables.append(_Table(env, game_seed, first_slot, observation_key))
                first_slot += len(tables[-1].seats)
            _play(agent, tables)
            games.extend(table.result() for table in tables)
    finally:
        for env in envs:
            env.close()
    return games


def _play(agent: Agent, tables: Sequence[_Table]) -> None:
    """Play ``tables`` to the end, asking every seat to move in one ``act_batch`` call."""
    for table in tables:
        for seat in table.seats.values():
            agent.reset_slot(table.first_slot + seat.role)
    while True:
        movers = [(table, seat) for table in tables if (seat := table.next_mover()) is not None]
        if not movers:
            return
        observations = [table.observation(seat) for table, seat in movers]
        actions = agent.act_batch(
            observations,
            [table.info(seat) for table, seat in movers],
            [table.first_slot + seat.role for table, seat in movers],
        )
        if len(actions) != len(movers):
            raise InvalidArgumentError(
                f"{type(agent).__name__}.act_batch returned {len(actions)} actions for "
                f"{len(movers)} observations; it must return one per observation"
            )
        for (table, seat), observation, action in zip(movers, observations, actions, strict=True):
            seat.observations.append(observation)
            seat.actions.append(action)
            seat.rewards.append(0.0)
            table.env.step(action)


def role_baselines(games: Sequence[SelfPlayGame]) -> tuple[float, ...]:
    """The mean return of each role over ``games``.

    :param games: finished games of one env, so with the same seats.
    """
    if not games:
        raise InvalidArgumentError("role_baselines needs at least one game")
    if len({len(game.trajectories) for game in games}) > 1:
        raise InvalidArgumentError(
            "role_baselines needs games with the same number of seats; pass games of one env"
        )
    means = np.mean([game.returns for game in games], axis=0)
    return tuple(float(mean) for mean in means)


def role_advantages(
    games: Sequence[SelfPlayGame], baselines: Sequence[float] | None = None
) -> list[tuple[float, ...]]:
    """Each seat's return minus its role's baseline (by default the batch mean per role).

    :param games: finished games of one env.
    :param baselines: one baseline per role; ``None`` uses :func:`role_baselines`.
    """
    base = role_baselines(games) if baselines is None else tuple(baselines)
    if any(len(game.returns) != len(base) for game in games):
        raise InvalidArgumentError(
            f"baselines must hold one value per role ({len(games[0].returns)} here); "
            f"got {len(base)}"
        )
    return [
        tuple(ret - baseline for ret, baseline in zip(game.returns, base, strict=True))
        for game in games
    ]
