"""Game theory over the small state interface of :mod:`cogym.envs.poker.game`: policies,
exact expected returns, best responses, NashConv/exploitability, CFR and CFR+."""

from cogym.envs.poker.solvers.best_response import BestResponse
from cogym.envs.poker.solvers.cfr import CFRPlusSolver, CFRSolver
from cogym.envs.poker.solvers.evaluation import expected_returns
from cogym.envs.poker.solvers.exploitability import exploitability, nash_conv
from cogym.envs.poker.solvers.interface import Game, GameState, Probability
from cogym.envs.poker.solvers.policy import (
    FunctionPolicy,
    Policy,
    TabularPolicy,
    UniformPolicy,
    policies_for_players,
    sample_action,
)

__all__ = [
    "BestResponse",
    "CFRPlusSolver",
    "CFRSolver",
    "FunctionPolicy",
    "Game",
    "GameState",
    "Policy",
    "Probability",
    "TabularPolicy",
    "UniformPolicy",
    "expected_returns",
    "exploitability",
    "nash_conv",
    "policies_for_players",
    "sample_action",
]
