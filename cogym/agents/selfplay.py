"""Self-play Kuhn poker: one policy plays both seats; each seat's trajectory comes back.

Each game gives two trajectories, one per seat (role), with the text each seat was
shown, its replies and its return, ready for a trainer that updates the one policy
from both. Kuhn poker is not symmetric (the first seat's equilibrium value is -1/18),
so advantages use a baseline per role (SPIRAL's role-conditioned advantage estimation):
:func:`role_baselines` and :func:`role_advantages`.

Games run in batches: every seat that is to move, across the batch, is asked in one
:meth:`~cogym.core.agent.Agent.act_batch` call, so an LLM agent generates for all of
them at once. Each (game, seat) pair is its own agent slot with its own history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cogym.core.agent import Agent
from cogym.core.errors import InvalidArgumentError
from cogym.core.spaces import fit_text
from cogym.envs.poker.game import DEALS
from cogym.envs.poker.hand import Hand
from cogym.envs.poker.text import RULES

ROLES = (0, 1)


@dataclass
class SeatTrajectory:
    """One seat's side of a game.

    :param role: the seat, 0 (acts first) or 1.
    :param observations: what the seat was shown before each of its moves.
    :param actions: its replies, as given.
    :param rewards: per reply: ``invalid_action_reward`` for an invalid one, and the
        chips won or lost added to the reply that ended the hand (or to the seat's last
        reply when the other seat ended it).
    :param chips: the chips the seat won (< 0: lost) in the hand.
    :param final_observation: how the hand ended, from this seat.
    """

    role: int
    observations: list[str] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    chips: int = 0
    final_observation: str = ""

    @property
    def episode_return(self) -> float:
        """Chips plus invalid-move penalties (a seat may end a hand without moving, when
        the other seat forfeits first)."""
        return float(sum(self.rewards)) if self.rewards else float(self.chips)


@dataclass
class SelfPlayGame:
    """A finished self-play game.

    :param seed: the seed of its deal.
    :param cards: player 0's card, then player 1's, e.g. ``"KQ"``.
    :param history: the betting, in ``p``/``b`` letters.
    :param chips: net chips of each seat (zero-sum).
    :param forfeited_by: the seat that forfeited, or ``None``.
    :param trajectories: one per seat, in seat order.
    """

    seed: int
    cards: str
    history: str
    chips: tuple[int, int]
    forfeited_by: int | None
    trajectories: tuple[SeatTrajectory, SeatTrajectory]

    @property
    def returns(self) -> tuple[float, float]:
        """Each seat's return: chips plus invalid-move penalties."""
        return self.trajectories[0].episode_return, self.trajectories[1].episode_return


class _Table:
    """One game in flight and what each seat has seen."""

    def __init__(self, seed: int, error_allowance: int) -> None:
        self.seed = seed
        deal = DEALS[int(np.random.default_rng(seed).integers(len(DEALS)))]
        self.hand = Hand(deal, error_allowance)
        self.seen = [0, 0]
        self.pending: list[str | None] = [None, None]
        self.trajectories = (SeatTrajectory(0), SeatTrajectory(1))

    def observation(self, seat: int) -> str:
        if self.pending[seat] is not None:
            return self.pending[seat]  # type: ignore[return-value]
        if not self.trajectories[seat].observations:
            return f"{RULES}\n{self.hand.opening_text(seat)}"
        return self.hand.situation_text(seat, self.seen[seat])

    def info(self, seat: int) -> dict[str, Any]:
        return {**self.hand.decision_info(seat), "turn": len(self.trajectories[seat].actions)}

    def apply(self, seat: int, observation: str, action: Any, invalid_reward: float) -> None:
        trajectory = self.trajectories[seat]
        trajectory.observations.append(observation)
        trajectory.actions.append(action)
        if isinstance(action, str):
            result = self.hand.play_text(action)
        elif isinstance(action, (int, np.integer)) and not isinstance(action, bool):
            result = self.hand.play(int(action))
        else:
            result = self.hand.invalid("not_text", f"Invalid move {action!r}: reply in text.")
        trajectory.rewards.append(0.0 if result.valid else invalid_reward)
        if result.valid:
            self.pending[seat] = None
            self.seen[seat] = len(self.hand.history) - 1
        else:
            self.pending[seat] = result.message

    def finish(self) -> SelfPlayGame:
        chips = self.hand.returns()
        for seat, trajectory in enumerate(self.trajectories):
            trajectory.chips = chips[seat]
            if trajectory.rewards:
                trajectory.rewards[-1] += chips[seat]
            ending = self.hand.situation_text(seat, self.seen[seat])
            trajectory.final_observation = fit_text(ending, 8192)
        return SelfPlayGame(
            self.seed,
            self.hand.cards_text,
            self.hand.history,
            chips,
            self.hand.forfeited_by,
            self.trajectories,
        )


def play_self_play(
    agent: Agent,
    num_games: int,
    *,
    seed: int = 0,
    batch_size: int = 16,
    error_allowance: int = 3,
    invalid_action_reward: float = -0.1,
) -> list[SelfPlayGame]:
    """Play ``num_games`` Kuhn poker hands in which ``agent`` holds both seats.

    Game ``i``'s deal is drawn from ``seed + i``, so a game can be replayed alone.

    :param agent: any agent; each (game, seat) gets its own slot (its own history).
    :param num_games: games to play.
    :param seed: the first game's seed.
    :param batch_size: games in flight at once (``2 * batch_size`` slots).
    :param error_allowance: invalid moves in a row that forfeit the hand.
    :param invalid_action_reward: added to a seat's reward for each invalid move.
    """
    if num_games < 0 or batch_size < 1 or error_allowance < 1:
        raise InvalidArgumentError(
            "num_games must be >= 0, and batch_size and error_allowance >= 1; got "
            f"{num_games}, {batch_size}, {error_allowance}"
        )
    games: list[SelfPlayGame] = []
    for start in range(0, num_games, batch_size):
        seeds = range(seed + start, seed + min(start + batch_size, num_games))
        tables = [_Table(game_seed, error_allowance) for game_seed in seeds]
        for slot in range(2 * len(tables)):
            agent.reset_slot(slot)
        while True:
            playing = [(index, t) for index, t in enumerate(tables) if not t.hand.over]
            if not playing:
                break
            movers = [(index, table, table.hand.current_player) for index, table in playing]
            observations = [table.observation(seat) for _, table, seat in movers]
            actions = agent.act_batch(
                observations,
                [table.info(seat) for _, table, seat in movers],
                [2 * index + seat for index, _, seat in movers],
            )
            for (_, table, seat), observation, action in zip(
                movers, observations, actions, strict=True
            ):
                table.apply(seat, observation, action, invalid_action_reward)
        games.extend(table.finish() for table in tables)
    return games


def role_baselines(games: Sequence[SelfPlayGame]) -> tuple[float, float]:
    """The mean return of each role over ``games``."""
    if not games:
        raise InvalidArgumentError("role_baselines needs at least one game")
    return (
        float(np.mean([game.returns[0] for game in games])),
        float(np.mean([game.returns[1] for game in games])),
    )


def role_advantages(
    games: Sequence[SelfPlayGame], baselines: tuple[float, float] | None = None
) -> list[tuple[float, float]]:
    """Each seat's return minus its role's baseline (by default the batch mean per role)."""
    base = role_baselines(games) if baselines is None else baselines
    return [(game.returns[0] - base[0], game.returns[1] - base[1]) for game in games]
