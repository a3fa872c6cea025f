"""Many Kuhn poker games stepped together in numpy: the native vector env.

``gym.make_vec("cogym/KuhnPoker-v0", num_envs=B)`` returns :class:`KuhnPokerVectorEnv`
(``vectorization_mode="sync"`` still gives gymnasium's ``SyncVectorEnv`` of single
envs, text mode included). Every game's state is a few small integer arrays and one
step is a handful of table lookups over the whole batch, so a batch of thousands of
games costs little more than one.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from cogym.core.checks import check_int, check_number
from cogym.core.errors import InvalidArgumentError, ResetNeeded
from cogym.core.text_env import MAX_TURNS
from cogym.envs.poker.game import (
    ACTION_LETTERS,
    DEALS,
    DECISION_HISTORIES,
    INFO_STATE_SIZE,
    NUM_ACTIONS,
    TERMINAL_HISTORIES,
    contributions,
    info_state_tensor,
    payoffs,
)
from cogym.envs.poker.opponents import make_opponent, opponent_policy
from cogym.envs.poker.settings import check_table_settings, default_max_turns
from cogym.envs.poker.tabulate import bet_probabilities

#: Every betting history, decisions first (their codes 0-3 match DECISION_HISTORIES).
HISTORIES = (*DECISION_HISTORIES, "pp", "bp", "bb", "pbp", "pbb")
_CODE = {history: code for code, history in enumerate(HISTORIES)}
_NEXT = np.array(
    [
        [_CODE.get(history + letter, -1) for letter in ACTION_LETTERS]
        if history not in TERMINAL_HISTORIES
        else [-1, -1]
        for history in HISTORIES
    ],
    dtype=np.int64,
)
_TERMINAL = np.array([history in TERMINAL_HISTORIES for history in HISTORIES])
_TO_MOVE = np.array([len(history) % 2 for history in HISTORIES], dtype=np.int64)
#: Player 0's chips at each terminal, by whether player 0 holds the higher card.
_PAYOFF_P0 = np.array(
    [
        [payoffs((0, 1), h)[0], payoffs((1, 0), h)[0]] if h in TERMINAL_HISTORIES else [0, 0]
        for h in HISTORIES
    ],
    dtype=np.float64,
)
_CONTRIBUTION = np.array([contributions(history) for history in HISTORIES], dtype=np.float64)
#: Observation of (seat, card, history code).
_OBSERVATION = np.array(
    [
        [[info_state_tensor(seat, card, history) for history in HISTORIES] for card in range(3)]
        for seat in range(2)
    ],
    dtype=np.float32,
)
_DEALS = np.array(DEALS, dtype=np.int64)


class KuhnPokerVectorEnv(VectorEnv):
    """A batch of single-seat Kuhn poker games against one opponent policy.

    Each game follows :class:`~cogym.envs.poker.env.KuhnPokerEnv` in ``obs_mode="vector"``:
    the same observations (the one-hot information state, ``(num_envs, 11)``), actions
    (0 pass, 1 bet; ``MultiDiscrete([2] * num_envs)``), rewards (chips at the end of
    each hand; ``invalid_action_reward`` for an action other than 0 or 1, and the
    agent's chips in the pot after ``error_allowance`` of them in a row), seats, matches
    (``num_hands``) and opponents. Games reset in the same step that ends them
    (``AutoresetMode.SAME_STEP``): the ending observation is in ``info["final_obs"]``
    and the episode's chips in ``info["final_info"]["chips"]``, each with its ``_key``
    mask. ``info`` also has ``action_mask`` ``(num_envs, 2)``, ``seat`` and ``chips``.
    With ``seat="alternate"``, game ``i`` reset with seed ``s`` starts at seat
    ``(s + i) % 2``, as in a ``SyncVectorEnv`` of single envs.

    :param num_envs: games stepped together.
    :param opponent: a name (``"nash"``, ``"random"``, ``"always_bet"``,
        ``"always_check"``) or a solver policy; it is read once into a table.
    """

    metadata: ClassVar[dict[str, Any]] = {
        "autoreset_mode": AutoresetMode.SAME_STEP,
        "render_modes": [],
    }

    def __init__(
        self,
        num_envs: int = 1,
        *,
        opponent: Any = "nash",
        opponent_alpha: float = 1 / 6,
        seat: int | str = "alternate",
        obs_mode: str = "vector",
        num_hands: int = 1,
        error_allowance: int = 3,
        invalid_action_reward: float = -0.1,
        max_turns: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        if obs_mode != "vector":
            raise InvalidArgumentError(
                f"the native Kuhn vector env has obs_mode='vector' only, got {obs_mode!r}; for "
                "a batch of text envs use gym.make_vec(..., vectorization_mode='sync')"
            )
        if render_mode is not None:
            raise InvalidArgumentError("the native Kuhn vector env does not render")
        check_table_settings(
            seat, num_envs=num_envs, num_hands=num_hands, error_allowance=error_allowance
        )
        policy = opponent_policy(make_opponent(opponent, opponent_alpha))
        if policy is None:
            raise InvalidArgumentError(
                "the native Kuhn vector env takes an opponent name or a solver policy; for a "
                "callable or agent opponent use gym.make_vec(..., vectorization_mode='sync')"
            )
        self.opponent_bet_probability = bet_probabilities(policy)
        self.num_envs = num_envs
        self.seat_mode = seat
        self.num_hands = num_hands
        self.error_allowance = error_allowance
        self.invalid_action_reward = check_number("invalid_action_reward", invalid_action_reward)
        self.max_turns = (
            default_max_turns(error_allowance, num_hands)
            if max_turns is None
            else check_int("max_turns", max_turns, minimum=1, maximum=MAX_TURNS)
        )
        self.render_mode = None
        self.single_observation_space = spaces.Box(0.0, 1.0, (INFO_STATE_SIZE,), np.float32)
        self.single_action_space = spaces.Discrete(NUM_ACTIONS)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self._np_random, self._np_random_seed = seeding.np_random(None)
        shape = (num_envs,)
        self._cards = np.zeros((num_envs, 2), dtype=np.int64)
        self._code = np.zeros(shape, dtype=np.int64)
        self._seat = np.zeros(shape, dtype=np.int64)
        self._hands_played = np.zeros(shape, dtype=np.int64)
        self._hand_index = np.zeros(shape, dtype=np.int64)
        self._invalid = np.zeros(shape, dtype=np.int64)
        self._turn = np.zeros(shape, dtype=np.int64)
        self._chips = np.zeros(shape, dtype=np.float64)
        self._started = False

    # -- the episode -------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        if options:
            raise InvalidArgumentError(
                "the native Kuhn vector env takes no reset options; got "
                f"{sorted(options)}; use gym.make_vec(..., vectorization_mode='sync')"
            )
        if seed is not None:
            self._np_random, self._np_random_seed = seeding.np_random(seed)
            self._hands_played = (seed + np.arange(self.num_envs)) % 2
        else:
            self._hands_played = np.arange(self.num_envs) % 2
        everyone = np.ones(self.num_envs, dtype=bool)
        self._start_episodes(everyone)
        self._started = True
        return self._observe(), self._info()

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if not self._started:
            raise ResetNeeded("KuhnPokerVectorEnv: call reset() before step()")
        actions = np.asarray(actions)
        if actions.size != self.num_envs:
            raise InvalidArgumentError(
                f"step takes one action per game ({self.num_envs}), got shape {actions.shape}"
            )
        actions = actions.reshape(self.num_envs)
        valid = np.isin(actions, (0, 1)) & (actions.dtype.kind in "iu")
        rewards = np.where(valid, 0.0, self.invalid_action_reward)
        self._turn += 1
        self._invalid = np.where(valid, 0, self._invalid + 1)
        forfeit = self._invalid >= self.error_allowance
        moved = np.flatnonzero(valid)
        self._code[moved] = _NEXT[self._code[moved], actions[moved].astype(np.int64)]
        self._opponent_moves(valid)

        over = _TERMINAL[self._code] | forfeit
        agent_high = self._cards[np.arange(self.num_envs), self._seat] == self._cards.max(axis=1)
        p0_high = np.where(self._seat == 0, agent_high, ~agent_high).astype(np.int64)
        sign = np.where(self._seat == 0, 1.0, -1.0)
        won = np.where(
            forfeit,
            -_CONTRIBUTION[self._code, self._seat],
            _PAYOFF_P0[self._code, p0_high] * sign,
        )
        rewards += np.where(over, won, 0.0)
        self._chips += np.where(over, won, 0.0)
        self._hand_index += over
        terminated = over & (self._hand_index >= self.num_hands)
        truncated = ~terminated & (self._turn >= self.max_turns)
        next_hand = over & ~terminated & ~truncated
        if next_hand.any():
            self._start_hands(next_hand)
        ended = terminated | truncated
        final: dict[str, Any] = {}
        if ended.any():
            final_obs = self._observe()
            final["final_obs"] = np.full(self.num_envs, None, dtype=object)
            for index in np.flatnonzero(ended):
                final["final_obs"][index] = final_obs[index]
            final["_final_obs"] = ended.copy()
            final["final_info"] = {"chips": self._chips.copy(), "_chips": ended.copy()}
            final["_final_info"] = ended.copy()
            self._start_episodes(ended)
        return self._observe(), rewards, terminated, truncated, {**self._info(), **final}

    # -- helpers -------------------------------------------------------------------------

    def _start_episodes(self, mask: np.ndarray) -> None:
        self._hand_index[mask] = 0
        self._turn[mask] = 0
        self._chips[mask] = 0.0
        self._start_hands(mask)

    def _start_hands(self, mask: np.ndarray) -> None:
        index = np.flatnonzero(mask)
        self._cards[index] = _DEALS[self.np_random.integers(len(DEALS), size=len(index))]
        if self.seat_mode == "alternate":
            self._seat[index] = self._hands_played[index] % 2
        elif self.seat_mode == "random":
            self._seat[index] = self.np_random.integers(2, size=len(index))
        else:
            self._seat[index] = int(self.seat_mode)
        self._hands_played[index] += 1
        self._code[index] = 0
        self._invalid[index] = 0
        self._opponent_moves(mask)

    def _opponent_moves(self, mask: np.ndarray) -> None:
        """One opponent move in every game of ``mask`` where the opponent is to move."""
        to_move = mask & ~_TERMINAL[self._code] & (_TO_MOVE[self._code] != self._seat)
        index = np.flatnonzero(to_move)
        if len(index) == 0:
            return
        code = self._code[index]
        card = self._cards[index, 1 - self._seat[index]]
        bets = self.np_random.random(len(index)) < self.opponent_bet_probability[code * 3 + card]
        self._code[index] = _NEXT[code, bets.astype(np.int64)]

    def _observe(self) -> np.ndarray:
        cards = self._cards[np.arange(self.num_envs), self._seat]
        return _OBSERVATION[self._seat, cards, self._code].copy()

    def _info(self) -> dict[str, Any]:
        everyone = np.ones(self.num_envs, dtype=bool)
        return {
            "action_mask": np.ones((self.num_envs, NUM_ACTIONS), dtype=np.int8),
            "_action_mask": everyone,
            "seat": self._seat.copy(),
            "_seat": everyone.copy(),
            "chips": self._chips.copy(),
            "_chips": everyone.copy(),
        }
