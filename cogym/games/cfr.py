"""Counterfactual regret minimisation: vanilla CFR and CFR+.

Vanilla CFR (Zinkevich et al. 2007) updates every player's regrets in one pass per
iteration (simultaneous updates) and averages the iterations' strategies uniformly.
CFR+ (Tammelin 2014; Bowling et al. 2015) uses regret-matching+ (cumulative regrets
clipped at 0 after each iteration), alternating updates (one pass per player, each
against the others' freshest strategies) and linear averaging (iteration ``t`` weighs
``t``). The average policy converges to a Nash equilibrium in two-player zero-sum games.

The game tree is walked once, at construction, into plain Python nodes; iterations then
run over floats only, which for a game of Kuhn's size beats numpy's per-call overhead.
"""

from __future__ import annotations

from cogym.core.errors import InvalidArgumentError
from cogym.games.policy import TabularPolicy
from cogym.games.state import Game, GameState


class _InfoSet:
    """One information set: its actions, cumulative regrets and cumulative strategy."""

    __slots__ = ("actions", "cumulative_strategy", "index", "key", "player", "regrets")

    def __init__(self, index: int, key: str, player: int, actions: list[int]) -> None:
        self.index = index
        self.key = key
        self.player = player
        self.actions = actions
        self.regrets = [0.0] * len(actions)
        self.cumulative_strategy = [0.0] * len(actions)


class _Terminal:
    __slots__ = ("returns",)

    def __init__(self, returns: list[float]) -> None:
        self.returns = returns


class _Chance:
    __slots__ = ("outcomes",)

    def __init__(self, outcomes: list[tuple[float, _Node]]) -> None:
        self.outcomes = outcomes


class _Decision:
    __slots__ = ("children", "info_set", "player")

    def __init__(self, player: int, info_set: _InfoSet, children: list[_Node]) -> None:
        self.player = player
        self.info_set = info_set
        self.children = children


_Node = _Terminal | _Chance | _Decision


def _regret_matching(regrets: list[float]) -> list[float]:
    """Play each action in proportion to its positive regret; uniformly when none is."""
    positive = [regret if regret > 0.0 else 0.0 for regret in regrets]
    total = sum(positive)
    if total > 0.0:
        return [regret / total for regret in positive]
    return [1.0 / len(regrets)] * len(regrets)


def _normalised(weights: list[float]) -> list[float]:
    total = sum(weights)
    if total > 0.0:
        return [weight / total for weight in weights]
    return [1.0 / len(weights)] * len(weights)


class CFRSolver:
    """Tabular CFR over a whole game tree, with the CFR+ options.

    :param game: the game (any game with the solvers' state interface and perfect recall).
    :param plus: use regret-matching+, and by default alternating updates and linear
        averaging (CFR+).
    :param alternating: update one player per pass; ``None`` follows ``plus``.
    :param linear_averaging: weight iteration ``t``'s strategy by ``t`` in the average
        policy; ``None`` follows ``plus``.

    Attribute ``iteration``: the number of iterations run so far.
    """

    def __init__(
        self,
        game: Game,
        plus: bool = False,
        alternating: bool | None = None,
        linear_averaging: bool | None = None,
    ) -> None:
        for name, flag in (
            ("plus", plus),
            ("alternating", alternating),
            ("linear_averaging", linear_averaging),
        ):
            if not isinstance(flag, bool) and not (flag is None and name != "plus"):
                raise InvalidArgumentError(
                    f"{name} must be True or False"
                    f"{' (or None to follow plus)' if name != 'plus' else ''}; got {flag!r}"
                )
        self.game = game
        self.plus = plus
        self.alternating = plus if alternating is None else alternating
        self.linear_averaging = plus if linear_averaging is None else linear_averaging
        self.iteration = 0
        self._num_players = game.num_players
        self._info_sets: dict[str, _InfoSet] = {}
        self._root = self._build(game.new_initial_state())
        self._info_sets_of = [
            [info for info in self._info_sets.values() if info.player == seat]
            for seat in range(self._num_players)
        ]

    def iterate(self, n: int = 1) -> None:
        """Run ``n`` more iterations.

        :param n: how many (a positive int).
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidArgumentError(f"n must be a positive int; got {n!r}")
        for _ in range(n):
            self.iteration += 1
            weight = float(self.iteration) if self.linear_averaging else 1.0
            if self.alternating:
                for seat in range(self._num_players):
                    self._update(seat, weight)
            else:
                self._update(None, weight)

    def current_policy(self) -> TabularPolicy:
        """The strategy that regret matching plays at the next iteration (floats)."""
        return TabularPolicy(
            {
                key: dict(zip(info.actions, _regret_matching(info.regrets), strict=True))
                for key, info in self._info_sets.items()
            }
        )

    def average_policy(self) -> TabularPolicy:
        """The (weighted) average of the strategies played so far: the one that converges
        to equilibrium (floats; uniform where nothing was accumulated yet)."""
        return TabularPolicy(
            {
                key: dict(zip(info.actions, _normalised(info.cumulative_strategy), strict=True))
                for key, info in self._info_sets.items()
            }
        )

    def _build(self, state: GameState) -> _Node:
        if state.is_terminal():
            return _Terminal([float(value) for value in state.returns()])
        if state.is_chance():
            return _Chance(
                [
                    (float(probability), self._build(state.child(action)))
                    for action, probability in state.chance_outcomes()
                ]
            )
        player = state.current_player()
        actions = list(state.legal_actions())
        key = state.information_state_key(player)
        info = self._info_sets.get(key)
        if info is None:
            info = self._info_sets[key] = _InfoSet(len(self._info_sets), key, player, actions)
        elif info.player != player or info.actions != actions:
            raise InvalidArgumentError(
                f"information-state key {key!r} names states of different seats or actions; "
                "CFR needs keys that identify one seat's information set"
            )
        return _Decision(player, info, [self._build(state.child(action)) for action in actions])

    def _update(self, updating: int | None, weight: float) -> None:
        """One pass: regrets (and strategy sums) of ``updating``, or of all seats if None."""
        strategies = [_regret_matching(info.regrets) for info in self._info_sets.values()]
        self._walk(self._root, [1.0] * self._num_players, 1.0, updating, strategies, weight)
        if self.plus:
            seats = range(self._num_players) if updating is None else (updating,)
            for seat in seats:
                for info in self._info_sets_of[seat]:
                    info.regrets = [regret if regret > 0.0 else 0.0 for regret in info.regrets]

    def _walk(
        self,
        node: _Node,
        reaches: list[float],
        chance_reach: float,
        updating: int | None,
        strategies: list[list[float]],
        weight: float,
    ) -> list[float]:
        """Every seat's expected return at ``node`` under this pass's strategies; updates
        the regrets and strategy sums of ``updating``'s information sets on the way."""
        if type(node) is _Terminal:
            return node.returns
        num_players = self._num_players
        values = [0.0] * num_players
        if type(node) is _Chance:
            for probability, child in node.outcomes:
                child_values = self._walk(
                    child, reaches, chance_reach * probability, updating, strategies, weight
                )
                for seat in range(num_players):
                    values[seat] += probability * child_values[seat]
            return values
        player = node.player
        info = node.info_set
        strategy = strategies[info.index]
        own_reach = reaches[player]
        action_values = []
        for probability, child in zip(strategy, node.children, strict=True):
            child_reaches = reaches.copy()
            child_reaches[player] = own_reach * probability
            if any(child_reaches):
                child_values = self._walk(
                    child, child_reaches, chance_reach, updating, strategies, weight
                )
            else:  # nobody reaches this subtree: it changes no regret and no average
                child_values = [0.0] * num_players
            action_values.append(child_values[player])
            for seat in range(num_players):
                values[seat] += probability * child_values[seat]
        if updating is None or updating == player:
            counterfactual_reach = chance_reach
            for seat in range(num_players):
                if seat != player:
                    counterfactual_reach *= reaches[seat]
            node_value = values[player]
            regrets = info.regrets
            for index, action_value in enumerate(action_values):
                regrets[index] += counterfactual_reach * (action_value - node_value)
            if own_reach > 0.0:
                cumulative = info.cumulative_strategy
                for index, probability in enumerate(strategy):
                    cumulative[index] += weight * own_reach * probability
        return values


class CFRPlusSolver(CFRSolver):
    """CFR+: :class:`CFRSolver` with ``plus=True`` (regret-matching+, alternating updates,
    linear averaging).

    :param game: the game.
    """

    def __init__(self, game: Game) -> None:
        super().__init__(game, plus=True)
