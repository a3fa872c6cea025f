"""Two-player games, game-generic: the state protocol (:mod:`cogym.games.state`),
policies, exact expected returns, best responses, NashConv/exploitability, CFR and CFR+,
and the self-play runner over any game's PettingZoo AEC env.

Nothing here names a game: a game plugs in by offering the state protocol (for the
solvers) and an AEC env factory (for self-play). Kuhn poker (:mod:`cogym.envs.poker`) is
the first game."""

from cogym.games.best_response import BestResponse
from cogym.games.cfr import CFRPlusSolver, CFRSolver
from cogym.games.evaluation import expected_returns
from cogym.games.exploitability import exploitability, nash_conv
from cogym.games.policy import (
    FunctionPolicy,
    Policy,
    TabularPolicy,
    UniformPolicy,
    policies_for_players,
    sample_action,
)
from cogym.games.selfplay import (
    SeatTrajectory,
    SelfPlayGame,
    play_self_play,
    role_advantages,
    role_baselines,
)
from cogym.games.state import Game, GameState, Probability

__all__ = [
    "BestResponse",
    "CFRPlusSolver",
    "CFRSolver",
    "FunctionPolicy",
    "Game",
    "GameState",
    "Policy",
    "Probability",
    "SeatTrajectory",
    "SelfPlayGame",
    "TabularPolicy",
    "UniformPolicy",
    "expected_returns",
    "exploitability",
    "nash_conv",
    "play_self_play",
    "policies_for_players",
    "role_advantages",
    "role_baselines",
    "sample_action",
]
