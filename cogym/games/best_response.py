"""An exact best response of one player to the others' fixed policies.

The standard algorithm for games with perfect recall: one walk of the tree collects, for
each of the responder's information sets, its states with their counterfactual reach
(the product of chance's and the opponents' probabilities on the way there). The value of
an action at an information set is the reach-weighted sum of its states' action values,
found by recursion below; the best action maximises it. Perfect recall makes this well
founded: an information set's choice depends only on information sets after it.
"""

from __future__ import annotations

from collections.abc import Sequence

from cogym.core.errors import InvalidArgumentError
from cogym.games.policy import Policy, TabularPolicy, policies_for_players
from cogym.games.state import Game, GameState, Probability

#: The actions taken from the root: a hashable name for a state of any game.
Path = tuple[int, ...]


class BestResponse:
    """The best ``player`` can do against the others' fixed policies, computed exactly.

    Ties between actions are broken toward the lowest action, so the result is the same
    on every run; an information set that the opponents never reach gets its lowest
    action.

    :param game: the game.
    :param player: the responding seat.
    :param opponent_policy: one policy for every other seat, or a sequence with one per
        seat (the responder's own entry is ignored).

    Attributes: ``value`` (the responder's expected return; exact for exact policies),
    ``policy`` (a deterministic :class:`TabularPolicy` over all the responder's
    information sets).
    """

    def __init__(self, game: Game, player: int, opponent_policy: Policy | Sequence[Policy]) -> None:
        if isinstance(player, bool) or not isinstance(player, int):
            raise InvalidArgumentError(f"player must be a seat number (int); got {player!r}")
        if not 0 <= player < game.num_players:
            raise InvalidArgumentError(
                f"player must be a seat in 0..{game.num_players - 1}; got {player}"
            )
        self.game = game
        self.player = player
        self._policies = policies_for_players(game, opponent_policy)
        self._info_sets: dict[str, list[tuple[Path, GameState, Probability]]] = {}
        self._collect(game.new_initial_state(), (), 1)
        self._values: dict[Path, Probability] = {}
        self._actions: dict[str, int] = {}
        self.value: Probability = self._value(game.new_initial_state(), ())
        self.policy = TabularPolicy(
            {
                key: {
                    action: int(action == self.best_response_action(key))
                    for action in members[0][1].legal_actions()
                }
                for key, members in self._info_sets.items()
            }
        )

    def best_response_action(self, info_state_key: str) -> int:
        """The best action at one of the responder's information sets.

        :param info_state_key: a key of the responder's, e.g. ``"Q:pb"`` for seat 0.
        """
        action = self._actions.get(info_state_key)
        if action is not None:
            return action
        members = self._info_sets.get(info_state_key)
        if members is None:
            raise InvalidArgumentError(
                f"{info_state_key!r} is not an information set of player {self.player}; "
                f"pass one of {sorted(self._info_sets)}"
            )
        best_value: Probability | None = None
        for candidate in sorted(members[0][1].legal_actions()):
            total = sum(
                reach * self._value(state.child(candidate), (*path, candidate))
                for path, state, reach in members
            )
            if best_value is None or total > best_value:
                action, best_value = candidate, total
        self._actions[info_state_key] = action
        return action

    def _collect(self, state: GameState, path: Path, reach: Probability) -> None:
        """Record every state of the responder with its counterfactual reach, zero included
        (the policy covers information sets the opponents never reach)."""
        if state.is_terminal():
            return
        if state.is_chance():
            for action, probability in state.chance_outcomes():
                self._collect(state.child(action), (*path, action), reach * probability)
            return
        player = state.current_player()
        if player == self.player:
            key = state.information_state_key(player)
            self._info_sets.setdefault(key, []).append((path, state, reach))
            for action in state.legal_actions():
                self._collect(state.child(action), (*path, action), reach)
            return
        probabilities = self._policies[player].action_probabilities(state, player)
        for action in state.legal_actions():
            child_reach = reach * probabilities.get(action, 0)
            self._collect(state.child(action), (*path, action), child_reach)

    def _value(self, state: GameState, path: Path) -> Probability:
        """The responder's expected return from ``state`` on, playing best responses."""
        value = self._values.get(path)
        if value is not None:
            return value
        if state.is_terminal():
            value = state.returns()[self.player]
        elif state.is_chance():
            value = sum(
                probability * self._value(state.child(action), (*path, action))
                for action, probability in state.chance_outcomes()
            )
        elif (player := state.current_player()) == self.player:
            action = self.best_response_action(state.information_state_key(player))
            value = self._value(state.child(action), (*path, action))
        else:
            value = sum(
                probability * self._value(state.child(action), (*path, action))
                for action, probability in self._policies[player]
                .action_probabilities(state, player)
                .items()
                if probability != 0
            )
        self._values[path] = value
        return value
