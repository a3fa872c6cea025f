"""Exact expected returns of a policy profile, by walking the whole game tree."""

from __future__ import annotations

from collections.abc import Sequence

from cogym.games.policy import Policy, policies_for_players
from cogym.games.state import Game, GameState, Probability


def expected_returns(game: Game, policies: Policy | Sequence[Policy]) -> tuple[Probability, ...]:
    """Each player's expected return when seat ``i`` plays ``policies[i]``.

    Sums stay in the numbers they are given: exact Fraction policies over a game with
    Fraction chance probabilities give exact Fractions; a float anywhere gives floats.

    :param game: the game.
    :param policies: one policy for every seat, or a sequence with one per seat.
    :return: one expected return per seat.
    """
    per_seat = policies_for_players(game, policies)
    return tuple(_state_returns(game.new_initial_state(), per_seat, game.num_players))


def _state_returns(
    state: GameState, policies: tuple[Policy, ...], num_players: int
) -> list[Probability]:
    if state.is_terminal():
        return list(state.returns())
    if state.is_chance():
        outcomes = state.chance_outcomes()
    else:
        player = state.current_player()
        outcomes = policies[player].action_probabilities(state, player).items()
    totals: list[Probability] = [0] * num_players
    for action, probability in outcomes:
        if probability == 0:
            continue  # also spares unreachable subtrees the policies' look-ups
        child_returns = _state_returns(state.child(action), policies, num_players)
        for seat in range(num_players):
            totals[seat] += probability * child_returns[seat]
    return totals
