"""The game-generic solvers on Kuhn poker, whose exact values are known."""

from fractions import Fraction

import numpy as np
import pytest

from cogym.core.errors import InvalidArgumentError
from cogym.envs.poker.game import BET, PASS, KuhnPoker, KuhnState
from cogym.envs.poker.nash import nash_policy
from cogym.games import (
    BestResponse,
    CFRPlusSolver,
    CFRSolver,
    FunctionPolicy,
    TabularPolicy,
    UniformPolicy,
    expected_returns,
    exploitability,
    nash_conv,
    sample_action,
)

GAME = KuhnPoker()
ALWAYS_BET = FunctionPolicy(lambda key: {BET: 1})
ALWAYS_PASS = FunctionPolicy(lambda key: {PASS: 1})


def test_uniform_random_play_has_nash_conv_exactly_eleven_twelfths():
    assert nash_conv(GAME, UniformPolicy()) == Fraction(11, 12)
    assert exploitability(GAME, UniformPolicy()) == Fraction(11, 24)


@pytest.mark.parametrize(
    "policies",
    [UniformPolicy(), nash_policy(Fraction(1, 3)), [ALWAYS_BET, UniformPolicy()], ALWAYS_PASS],
)
def test_expected_returns_are_zero_sum(policies):
    first, second = expected_returns(GAME, policies)
    assert first + second == 0


def test_expected_returns_of_always_betting_against_itself_are_zero():
    # Every hand is a 2-chip showdown, and each seat holds the higher card half the time.
    assert expected_returns(GAME, ALWAYS_BET) == (0, 0)


def test_best_response_to_always_bet_wins_one_third_of_a_chip():
    # Against a player who always bets and calls, player 0 holding J checks and folds
    # (-1; betting loses 2), with Q either line is worth 0 (+2 against J, -2 against K),
    # and with K bets or calls to win 2: (-1 + 0 + 2) / 3.
    best = BestResponse(GAME, 0, ALWAYS_BET)
    assert best.value == Fraction(1, 3)
    assert best.best_response_action("J:pb") == PASS
    assert best.best_response_action("K:pb") == BET


def test_best_response_to_always_pass_bets_every_hand_and_wins_one_chip():
    # Player 0 always checks and folds to a bet: player 1 bets with J and Q and takes the
    # antes; with K checking wins the showdown just as well, and ties go to PASS.
    best = BestResponse(GAME, 1, ALWAYS_PASS)
    assert best.value == 1
    assert [best.best_response_action(f"{card}:p") for card in "JQK"] == [BET, BET, PASS]


def test_best_response_breaks_ties_toward_the_lowest_action():
    # With K against always-bet, betting and check-calling both win 2.
    assert BestResponse(GAME, 0, ALWAYS_BET).best_response_action("K:") == PASS


@pytest.mark.parametrize(
    "opponent", [UniformPolicy(), ALWAYS_BET, ALWAYS_PASS, nash_policy(Fraction(1, 10))]
)
@pytest.mark.parametrize("player", [0, 1])
def test_best_response_policy_is_deterministic_and_earns_its_value(player, opponent):
    best = BestResponse(GAME, player, opponent)
    assert len(best.policy.table) == 6
    for entry in best.policy.table.values():
        assert sorted(entry.values()) == [0, 1]
    profile = [opponent, opponent]
    profile[player] = best.policy
    assert expected_returns(GAME, profile)[player] == best.value


def test_best_response_refuses_a_seat_the_game_lacks_and_a_foreign_key():
    with pytest.raises(InvalidArgumentError, match="seat"):
        BestResponse(GAME, 2, UniformPolicy())
    with pytest.raises(InvalidArgumentError, match="not an information set"):
        BestResponse(GAME, 0, UniformPolicy()).best_response_action("K:p")


def test_cfr_plus_reaches_exploitability_one_thousandth_within_200_iterations():
    solver = CFRPlusSolver(GAME)
    reached = None
    while solver.iteration < 200:
        solver.iterate(10)
        if reached is None and exploitability(GAME, solver.average_policy()) <= 1e-3:
            reached = solver.iteration
    assert reached is not None and reached <= 150  # measured: 130
    assert exploitability(GAME, solver.average_policy()) <= 5e-4  # measured: 2.9e-4


def test_vanilla_cfr_exploitability_decreases():
    solver = CFRSolver(GAME)
    measured = []
    for _ in range(5):
        solver.iterate(100)
        measured.append(exploitability(GAME, solver.average_policy()))
    assert measured == sorted(measured, reverse=True)
    assert measured[-1] < 0.02  # measured after 500: 0.0107


def test_cfr_plus_average_policy_approaches_the_game_value():
    solver = CFRPlusSolver(GAME)
    solver.iterate(200)
    assert expected_returns(GAME, solver.average_policy())[0] == pytest.approx(-1 / 18, abs=2e-3)


def test_cfr_solver_options_follow_plus_unless_given():
    assert (CFRSolver(GAME).alternating, CFRSolver(GAME).linear_averaging) == (False, False)
    plus = CFRPlusSolver(GAME)
    assert (plus.plus, plus.alternating, plus.linear_averaging) == (True, True, True)
    mixed = CFRSolver(GAME, plus=True, alternating=False)
    assert (mixed.alternating, mixed.linear_averaging) == (False, True)


def test_cfr_policies_cover_every_information_state_and_start_uniform():
    solver = CFRSolver(GAME)
    assert solver.iteration == 0
    assert set(solver.average_policy().table) == set(nash_policy().table)
    assert all(entry == {PASS: 0.5, BET: 0.5} for entry in solver.current_policy().table.values())
    solver.iterate(3)
    assert solver.iteration == 3


def test_cfr_refuses_a_non_positive_iteration_count():
    with pytest.raises(InvalidArgumentError, match="positive int"):
        CFRSolver(GAME).iterate(0)


def test_tabular_policy_falls_back_to_its_default_then_to_uniform():
    state = KuhnPoker().new_initial_state().child(0)  # player 0 holds J
    assert TabularPolicy({}).action_probabilities(state, 0) == {
        PASS: Fraction(1, 2),
        BET: Fraction(1, 2),
    }
    assert TabularPolicy({}, default=ALWAYS_BET).action_probabilities(state, 0) == {BET: 1}
    assert TabularPolicy({"J:": {PASS: 1}}).action_probabilities(state, 0) == {PASS: 1}


def test_tabular_policy_round_trips_through_its_dict_form():
    policy = nash_policy(Fraction(1, 6))
    data = policy.to_dict()
    assert data["Q:pb"] == {"0": "1/2", "1": "1/2"}
    assert TabularPolicy.from_dict(data).table == policy.table


@pytest.mark.parametrize(
    "table", [{"K:": {0: Fraction(1, 2)}}, {"K:": {0: -0.5, 1: 1.5}}, {"K:": {}}, {3: {0: 1}}]
)
def test_tabular_policy_refuses_an_entry_that_is_not_a_distribution(table):
    with pytest.raises(InvalidArgumentError):
        TabularPolicy(table)


def test_sample_action_follows_the_probabilities():
    rng = np.random.default_rng(0)
    state = KuhnState((0, 1), "")
    policy = TabularPolicy({"J:": {PASS: 0.25, BET: 0.75}})
    draws = [sample_action(policy, state, 0, rng) for _ in range(4000)]
    assert draws.count(BET) / len(draws) == pytest.approx(0.75, abs=0.03)
    assert {sample_action(ALWAYS_PASS, state, 0, rng) for _ in range(50)} == {PASS}


def test_sample_action_is_reproducible_from_the_seed():
    state = KuhnState((2, 0), "p")  # player 1 holds J after a check: bets 1/3 at equilibrium
    policy = nash_policy()

    def draws(seed):
        rng = np.random.default_rng(seed)
        return [sample_action(policy, state, 1, rng) for _ in range(30)]

    assert draws(7) == draws(7)
    assert set(draws(7)) == {PASS, BET}


def test_sample_action_refuses_a_policy_with_no_legal_action():
    policy = FunctionPolicy(lambda key: {5: 1})
    with pytest.raises(InvalidArgumentError, match="no legal action"):
        sample_action(policy, KuhnState((0, 1), ""), 0, np.random.default_rng(0))


def test_a_profile_must_give_one_policy_per_seat():
    with pytest.raises(InvalidArgumentError, match="one per seat"):
        expected_returns(GAME, [UniformPolicy()])
