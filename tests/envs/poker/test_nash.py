"""Kuhn's family of equilibria, checked exactly with the game-generic solvers."""

from fractions import Fraction

import pytest

from cogym.core.errors import InvalidArgumentError
from cogym.envs.poker.game import BET, PASS, KuhnPoker
from cogym.envs.poker.nash import GAME_VALUE, nash_policy
from cogym.games import expected_returns, exploitability, nash_conv

GAME = KuhnPoker()
ALPHAS = [Fraction(0), Fraction(1, 10), Fraction(1, 6), Fraction(1, 3)]


@pytest.mark.parametrize("alpha", ALPHAS)
def test_every_nash_policy_gives_player_0_exactly_minus_one_eighteenth(alpha):
    first, second = expected_returns(GAME, nash_policy(alpha))
    assert first == Fraction(-1, 18) == GAME_VALUE
    assert second == Fraction(1, 18)


@pytest.mark.parametrize("alpha", ALPHAS)
def test_every_nash_policy_has_exploitability_exactly_zero(alpha):
    policy = nash_policy(alpha)
    assert nash_conv(GAME, policy) == 0
    assert exploitability(GAME, policy) == 0


def test_nash_policy_is_exact_for_fractions_and_float_for_floats():
    exact = nash_policy(Fraction(1, 6)).table
    assert exact["Q:pb"] == {PASS: Fraction(1, 2), BET: Fraction(1, 2)}
    assert exact["K:"] == {PASS: Fraction(1, 2), BET: Fraction(1, 2)}
    assert all(type(p) is Fraction for entry in exact.values() for p in entry.values())
    approximate = nash_policy(1 / 6)
    assert approximate.table["Q:pb"][BET] == pytest.approx(0.5)
    assert exploitability(GAME, approximate) == pytest.approx(0, abs=1e-12)


def test_nash_policy_covers_all_twelve_information_states():
    keys = set(nash_policy().table)
    assert len(keys) == 12
    assert {key.split(":")[1] for key in keys} == {"", "p", "b", "pb"}


@pytest.mark.parametrize("alpha", [Fraction(-1, 10), Fraction(1, 2), 0.34, 1, "1/6", True])
def test_nash_policy_refuses_alpha_outside_zero_to_one_third(alpha):
    with pytest.raises(InvalidArgumentError, match=r"alpha must"):
        nash_policy(alpha)
