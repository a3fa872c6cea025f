import random

import numpy as np
import pytest

from cogym.core.errors import InvalidArgumentError
from cogym.envs.poker.game import (
    BET,
    DEALS,
    DECISION_HISTORIES,
    INFO_STATE_SIZE,
    JACK,
    KING,
    PASS,
    QUEEN,
    TERMINAL_HISTORIES,
    KuhnPoker,
    KuhnState,
    contributions,
    payoffs,
)


def _deal(cards):
    return KuhnPoker().new_initial_state().child(DEALS.index(cards))


def _play(cards, history):
    state = _deal(cards)
    for letter in history:
        state = state.child(PASS if letter == "p" else BET)
    return state


def test_every_terminal_is_zero_sum_over_100k_random_games():
    rng = random.Random(0)
    root = KuhnPoker().new_initial_state()
    for _ in range(100_000):
        state = root.child(rng.randrange(len(DEALS)))
        while not state.is_terminal():
            state = state.child(rng.choice(state.legal_actions()))
        first, second = state.returns()
        assert first + second == 0


# Net chips of player 0 when player 0 holds the higher card, and when player 1 does.
PAYOFF_TABLE = {
    "pp": (1, -1),  # showdown for the antes
    "bp": (1, 1),  # player 1 folds to the bet: player 0 takes the ante
    "pbp": (-1, -1),  # player 0 folds: player 1 takes the ante
    "bb": (2, -2),  # showdown for 2 chips each
    "pbb": (2, -2),
}


@pytest.mark.parametrize("history", sorted(PAYOFF_TABLE))
@pytest.mark.parametrize("cards", DEALS)
def test_payoffs_follow_the_rules_at_every_terminal(cards, history):
    high, low = PAYOFF_TABLE[history]
    expected = high if cards[0] > cards[1] else low
    state = _play(cards, history)
    assert state.is_terminal()
    assert state.returns() == (expected, -expected)
    assert payoffs(cards, history) == (expected, -expected)


def test_the_terminal_histories_are_exactly_the_five_betting_sequences():
    assert set(PAYOFF_TABLE) == TERMINAL_HISTORIES


@pytest.mark.parametrize(
    "history, chips",
    [
        ("", (1, 1)),
        ("p", (1, 1)),
        ("b", (2, 1)),
        ("pb", (1, 2)),
        ("pp", (1, 1)),
        ("bp", (2, 1)),
        ("bb", (2, 2)),
        ("pbp", (1, 2)),
        ("pbb", (2, 2)),
    ],
)
def test_chips_in_the_pot_are_the_antes_plus_one_per_bet_or_call(history, chips):
    assert contributions(history) == chips


@pytest.mark.parametrize("history", sorted(TERMINAL_HISTORIES))
def test_the_winner_gains_exactly_what_the_loser_put_in(history):
    chips = contributions(history)
    for cards in DEALS:
        won = payoffs(cards, history)
        winner = 0 if won[0] > 0 else 1
        assert won[winner] == chips[1 - winner]


def test_payoffs_refuse_a_non_terminal_history():
    with pytest.raises(InvalidArgumentError, match="not a terminal"):
        payoffs((KING, JACK), "pb")


def test_the_deal_is_one_chance_node_with_six_equally_likely_outcomes():
    root = KuhnPoker().new_initial_state()
    assert root.is_chance() and root.current_player() == -1
    outcomes = root.chance_outcomes()
    assert [action for action, _ in outcomes] == list(range(6))
    assert sum(probability for _, probability in outcomes) == 1
    assert {root.child(action).cards for action, _ in outcomes} == set(DEALS)
    assert root.legal_actions() == list(range(6))


def test_players_alternate_starting_with_player_0():
    for history in DECISION_HISTORIES:
        state = _play((QUEEN, KING), history)
        assert state.current_player() == len(history) % 2
        assert state.legal_actions() == [PASS, BET]


def test_a_terminal_has_no_legal_action_and_no_child():
    state = _play((QUEEN, KING), "bb")
    assert state.current_player() == -2
    assert state.legal_actions() == []
    with pytest.raises(InvalidArgumentError, match="terminal"):
        state.child(PASS)


def test_an_unknown_action_is_refused():
    with pytest.raises(InvalidArgumentError, match="Kuhn actions"):
        _deal((QUEEN, KING)).child(2)


def test_returns_are_zero_before_the_hand_ends():
    assert KuhnState().returns() == (0, 0)
    assert _play((QUEEN, KING), "pb").returns() == (0, 0)


def test_information_state_keys_show_own_card_and_the_public_betting():
    state = _play((KING, JACK), "pb")
    assert state.information_state_key(0) == "K:pb"
    assert state.information_state_key(1) == "J:pb"
    assert _deal((QUEEN, KING)).information_state_key(0) == "Q:"


def test_the_opponents_card_does_not_change_an_information_state():
    keys = {_play((QUEEN, other), "p").information_state_key(0) for other in (JACK, KING)}
    assert keys == {"Q:p"}


def test_information_state_tensors_are_one_hot_seat_card_and_actions():
    state = _play((JACK, QUEEN), "pb")
    tensor = state.information_state_tensor(1)
    assert tensor.dtype == np.float32 and tensor.shape == (INFO_STATE_SIZE,)
    expected = np.zeros(INFO_STATE_SIZE, dtype=np.float32)
    expected[1] = 1  # seat 1
    expected[2 + QUEEN] = 1
    expected[5 + 0 + PASS] = 1  # first action: pass
    expected[5 + 2 + BET] = 1  # second action: bet
    np.testing.assert_array_equal(tensor, expected)


def test_there_is_no_information_state_before_the_deal():
    with pytest.raises(InvalidArgumentError, match="before the deal"):
        KuhnState().information_state_key(0)
    with pytest.raises(InvalidArgumentError, match="before the deal"):
        KuhnState().information_state_tensor(0)
