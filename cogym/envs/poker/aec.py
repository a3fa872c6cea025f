"""Kuhn poker as a PettingZoo AEC env: two seats, one or more hands, vector or text views.

Only this module imports PettingZoo; ``cogym.envs.poker`` itself does not. With text
observations and text actions it is the env that :func:`cogym.games.selfplay.play_self_play`
plays an LLM against itself in.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from pettingzoo import AECEnv
from pettingzoo.utils import wrappers

from cogym.core.checks import check_int, check_number
from cogym.core.errors import InvalidArgumentError, ResetNeeded
from cogym.core.spaces import fit_text, text_space
from cogym.envs.poker import text
from cogym.envs.poker.game import (
    BET,
    CARD_NAMES,
    DEALS,
    INFO_STATE_SIZE,
    NUM_ACTIONS,
    PASS,
    contributions,
)
from cogym.envs.poker.hand import Hand, MoveResult

#: Longest text observation, in characters (the rules plus one hand take about 1,000).
TEXT_MAX_LENGTH = 2048
#: Longest text action, in characters; a longer one is an invalid move.
ACTION_MAX_LENGTH = 16384
AGENTS = ("player_0", "player_1")


def env(**kwargs: Any) -> AECEnv:
    """Kuhn poker wrapped as PettingZoo's classic games are: calls out of order (``step``
    before ``reset``) raise, and with index actions an action outside ``Discrete(2)``
    fails an assertion. Text actions need no such wrapper: the env answers an invalid
    move itself, with feedback and a penalty.

    :param kwargs: those of :class:`KuhnPokerAEC` (``num_hands``, ``text_observations``,
        ``text_actions``, ``error_allowance``, ``invalid_action_reward``, ``render_mode``).
    """
    game = KuhnPokerAEC(**kwargs)
    if game.text_actions:
        return wrappers.OrderEnforcingWrapper(game)
    return wrappers.OrderEnforcingWrapper(wrappers.AssertOutOfBoundsWrapper(game))


class KuhnPokerAEC(AECEnv):
    """Two-player Kuhn poker, one seat per agent, agents acting in turn.

    ## Description
    Kuhn (1950): a deck of three cards J < Q < K; each player antes 1 chip and is dealt
    one card. ``player_0`` acts first in every hand. With no bet outstanding a player
    checks or bets 1 chip; facing a bet, they fold or call. Two checks or a call go to a
    showdown, where the higher card takes the pot; a fold gives the pot to the bettor.
    A match is ``num_hands`` hands with fixed seats. The rules live in
    :mod:`cogym.envs.poker.game`; this class is a PettingZoo view over them.

    ## Action Space
    ``Discrete(2)`` for both agents: ``0`` pass (check, or fold when facing a bet) and
    ``1`` bet (bet, or call when facing a bet). Both are legal at every decision.
    With ``text_actions=True``: ``Text(max_length=16384)``, a reply in words whose last
    bracketed move counts (``[check]``/``[bet]`` with no bet outstanding,
    ``[fold]``/``[call]`` facing one; a bare move word counts too), as in
    ``cogym/KuhnPoker-v0``. A reply without a legal move, or that is not text, is an
    invalid move: the same agent is still to act and is told what was wrong.

    ## Observation Space
    ``Dict`` with
    - ``"observation"``: ``Box(0, 1, (11,), float32)``, the agent's one-hot information
      state (:func:`~cogym.envs.poker.game.info_state_tensor`): seat (2), own card (3),
      and pass/bet for each of the up to 3 actions so far (6).
    - ``"action_mask"`` (not with ``text_actions=True``): ``Box(0, 1, (2,), int8)``,
      ``[1, 1]`` for the agent to act and ``[0, 0]`` otherwise.
    - ``"text"`` (only with ``text_observations=True``): ``Text(max_length=2048)``, what
      the seat is told, in words. At its first decision of a hand: the rules (first hand)
      or the previous hand's result (later hands), then its seat, card, the betting so
      far, the pot and its legal moves. At later decisions: the opponent's moves since
      its own last move, the pot and its legal moves. After its invalid move: what was
      wrong. At the end of the match: the last moves and the result. An agent observed
      while the other is to act is told its card and that the opponent is to move.

    ## Rewards
    At the end of each hand, the chips each agent won in it (``+-1`` for the antes,
    ``+-2`` after a call): the chips always sum to zero. With text actions, an invalid
    move also earns its agent ``invalid_action_reward`` (default -0.1), and after
    ``error_allowance`` (default 3) invalid moves in a row the agent forfeits the hand:
    it loses the chips it has put in, which the other agent wins.

    ## Starting State
    The cards of each hand are dealt uniformly from the six deals by ``self.np_random``,
    seeded by ``reset(seed=...)``: the same seed gives the same match. ``reset``'s
    ``options`` are accepted and ignored.

    ## Episode End
    Both agents are terminated when the last hand of the match ends; nothing truncates.
    As in every AEC env, each terminated agent then steps once with ``None``.

    ## Info
    ``chips`` (the agent's net chips over the match so far, penalties excluded), ``hand``
    (the number of the hand being played, from 1), ``info_state`` (card and betting as
    the agent sees them, e.g. ``"K:pb"``), ``legal_actions`` (e.g. ``["[check]",
    "[bet]"]`` for the agent to act, ``[]`` for the other) and, once a hand has ended,
    ``hand_result`` of the latest one: ``{"cards": "KQ", "history": "pbb", "returns":
    (2, -2), "forfeited_by": None}``. With text actions also ``action_valid`` and
    ``feedback_kind`` (of the agent's own last move: ``ok``, ``no_move``,
    ``illegal_move``, ``not_text``, ``action_too_long`` or ``forfeit``) and
    ``invalid_in_a_row``.

    ## Arguments
    - ``num_hands``: hands in the match (default 1).
    - ``text_observations``: add the ``"text"`` observation (default False).
    - ``text_actions``: moves in words (default False; needs ``text_observations``).
    - ``error_allowance`` (3) and ``invalid_action_reward`` (-0.1): with text actions,
      the invalid moves in a row that forfeit a hand and the reward for each.
    - ``render_mode``: ``None``, ``"ansi"`` (``render`` returns the table as a string,
      both cards shown) or ``"human"`` (printed after every step).

    ## Version History
    - v0: initial version.

    ## Example
    >>> from cogym.envs.poker.aec import env
    >>> game = env(num_hands=3)
    >>> game.reset(seed=0)
    >>> for agent in game.agent_iter():
    ...     observation, reward, terminated, truncated, info = game.last()
    ...     action = None if terminated else game.action_space(agent).sample()
    ...     game.step(action)
    """

    metadata: ClassVar[dict[str, Any]] = {
        "render_modes": ["ansi", "human"],
        "name": "kuhn_poker_v0",
        "is_parallelizable": False,
        "render_fps": 1,
    }

    def __init__(
        self,
        *,
        num_hands: int = 1,
        text_observations: bool = False,
        text_actions: bool = False,
        error_allowance: int = 3,
        invalid_action_reward: float = -0.1,
        render_mode: str | None = None,
    ) -> None:
        super().__init__()
        check_int("num_hands", num_hands, minimum=1)
        for name, flag in (
            ("text_observations", text_observations),
            ("text_actions", text_actions),
        ):
            if not isinstance(flag, bool):
                raise InvalidArgumentError(f"{name} must be True or False, got {flag!r}")
        if text_actions and not text_observations:
            raise InvalidArgumentError(
                "text_actions=True needs text_observations=True: an agent that moves in "
                "words is told the game in words"
            )
        self.error_allowance = check_int("error_allowance", error_allowance, minimum=1)
        self.invalid_action_reward = check_number("invalid_action_reward", invalid_action_reward)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise InvalidArgumentError(
                f"unknown render_mode {render_mode!r}; use None, 'ansi' or 'human'"
            )
        self.num_hands = num_hands
        self.text_observations = text_observations
        self.text_actions = text_actions
        self.render_mode = render_mode
        self.possible_agents = list(AGENTS)
        self.agents = list(AGENTS)
        entries: dict[str, spaces.Space] = {
            "observation": spaces.Box(0.0, 1.0, (INFO_STATE_SIZE,), np.float32),
        }
        if not text_actions:
            entries["action_mask"] = spaces.Box(0, 1, (NUM_ACTIONS,), np.int8)
        if text_observations:
            entries["text"] = text_space(TEXT_MAX_LENGTH)
        self.observation_spaces = {agent: spaces.Dict(dict(entries)) for agent in AGENTS}
        self.action_spaces: dict[str, spaces.Space] = {
            agent: text_space(ACTION_MAX_LENGTH) if text_actions else spaces.Discrete(NUM_ACTIONS)
            for agent in AGENTS
        }
        self.np_random, self.np_random_seed = seeding.np_random()
        self._hand: Hand | None = None
        self._hand_number = 0
        self._chips = [0, 0]
        # Per seat, how much of this hand's betting it has seen: None before its first move.
        self._seen: list[int | None] = [None, None]
        self._previous_hand: Hand | None = None
        self._previous_seen: list[int | None] = [None, None]
        self._hand_result: dict[str, Any] | None = None
        # Per seat, its own last move and, after an invalid one, what it is told.
        self._last_move = [MoveResult(True, "ok"), MoveResult(True, "ok")]
        self._feedback: list[str | None] = [None, None]

    # -- PettingZoo API ------------------------------------------------------------------

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        """Start a new match; ``seed`` reseeds ``np_random`` (``options`` is ignored)."""
        if seed is not None:
            self.np_random, self.np_random_seed = seeding.np_random(seed)
        self.agents = list(AGENTS)
        self.rewards = dict.fromkeys(self.agents, 0.0)
        self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        self._chips = [0, 0]
        self._hand_number = 0
        self._previous_hand = None
        self._previous_seen = [None, None]
        self._hand_result = None
        self._last_move = [MoveResult(True, "ok"), MoveResult(True, "ok")]
        self._deal()
        self._update_infos()

    def step(self, action: Any) -> None:
        """Apply ``action`` for ``agent_selection``: 0 pass or 1 bet, or with text actions
        a reply in words; ``None`` once terminated."""
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        if not self.text_actions and (
            action is None or not self.action_spaces[agent].contains(action)
        ):
            raise InvalidArgumentError(
                f"{agent} must act with 0 (pass: check or fold) or 1 (bet: bet or call), "
                f"got {action!r}"
            )
        hand = self._require_hand()
        player = self._seat(agent)
        self._cumulative_rewards[agent] = 0.0
        self._clear_rewards()
        result = self._play_text(hand, action) if self.text_actions else hand.play(int(action))
        self._last_move[player] = result
        if result.valid:
            self._seen[player] = len(hand.history)
            self._feedback[player] = None
        else:
            self._feedback[player] = result.message
            self.rewards[agent] = self.invalid_action_reward
        if hand.over:
            self._finish_hand(hand)
        else:
            self.agent_selection = AGENTS[hand.current_player]
        self._accumulate_rewards()
        self._update_infos()
        if self.render_mode == "human":
            self.render()

    def observe(self, agent: str) -> dict[str, Any]:
        hand = self._require_hand()
        player = self._seat(agent)
        to_act = hand.current_player == player
        observation: dict[str, Any] = {"observation": hand.info_state_tensor(player)}
        if not self.text_actions:
            observation["action_mask"] = np.full(NUM_ACTIONS, int(to_act), dtype=np.int8)
        if self.text_observations:
            observation["text"] = fit_text(self._text_for(player), TEXT_MAX_LENGTH)
        return observation

    def render(self) -> str | None:
        if self.render_mode is None:
            gymnasium.logger.warn(
                "render() was called without a render_mode; make the env with "
                "render_mode='ansi' or 'human'."
            )
            return None
        table = self._table_text()
        if self.render_mode == "human":
            print(table)
            return None
        return table

    def close(self) -> None:
        pass

    # -- the match -----------------------------------------------------------------------

    @staticmethod
    def _play_text(hand: Hand, action: Any) -> MoveResult:
        """Read and apply a move in words; anything else is an invalid move."""
        if not isinstance(action, str):
            return hand.invalid(
                "not_text",
                f"Invalid move: moves are text such as {hand.legal_moves()[0]}, "
                f"but got a {type(action).__name__}.",
            )
        if len(action) > ACTION_MAX_LENGTH:
            return hand.invalid(
                "action_too_long",
                f"Invalid move: the reply is {len(action)} characters long; the limit is "
                f"{ACTION_MAX_LENGTH}.",
            )
        return hand.play_text(action)

    def _deal(self) -> None:
        """Deal the next hand from ``np_random``; ``player_0`` acts first."""
        self._hand = Hand(DEALS[int(self.np_random.integers(len(DEALS)))], self.error_allowance)
        self._hand_number += 1
        self._seen = [None, None]
        self._feedback = [None, None]
        self.agent_selection = AGENTS[0]

    def _finish_hand(self, hand: Hand) -> None:
        """Pay the hand out, then deal the next one or end the match."""
        for player, won in enumerate(hand.returns()):
            self._chips[player] += won
            self.rewards[AGENTS[player]] += float(won)
        self._hand_result = {
            "cards": hand.cards_text,
            "history": hand.history,
            "returns": hand.returns(),
            "forfeited_by": hand.forfeited_by,
        }
        if self._hand_number < self.num_hands:
            self._previous_hand = hand
            self._previous_seen = list(self._seen)
            self._deal()
            return
        self.terminations = dict.fromkeys(self.agents, True)
        # Either agent may step first once terminated; take the one that did not just act.
        self.agent_selection = AGENTS[1 - self._seat(self.agent_selection)]

    def _update_infos(self) -> None:
        self.infos = {
            agent: self._info(player) for player, agent in enumerate(AGENTS) if agent in self.agents
        }

    def _info(self, player: int) -> dict[str, Any]:
        hand = self._require_hand()
        info: dict[str, Any] = {
            "chips": self._chips[player],
            "hand": self._hand_number,
            "info_state": hand.info_state_key(player),
            "legal_actions": hand.legal_moves() if hand.current_player == player else [],
        }
        if self._hand_result is not None:
            info["hand_result"] = dict(self._hand_result)
        if self.text_actions:
            info["action_valid"] = self._last_move[player].valid
            info["feedback_kind"] = self._last_move[player].feedback_kind
            info["invalid_in_a_row"] = hand.invalid_in_a_row[player]
        return info

    def _require_hand(self) -> Hand:
        if self._hand is None:
            raise ResetNeeded("call reset() before step(), observe() or render()")
        return self._hand

    @staticmethod
    def _seat(agent: str) -> int:
        if agent not in AGENTS:
            raise InvalidArgumentError(f"unknown agent {agent!r}; the agents are {list(AGENTS)}")
        return AGENTS.index(agent)

    # -- what a seat is told -------------------------------------------------------------

    def _text_for(self, player: int) -> str:
        hand = self._require_hand()
        seen = self._seen[player]
        feedback = self._feedback[player]
        if hand.over:
            result = hand.situation_text(player, seen or 0)
            if feedback is not None:  # the invalid move that forfeited the hand
                result = f"{feedback}\n{result}"
            return f"{result}\n{self._match_result(player)}" if self.num_hands > 1 else result
        if hand.current_player != player:
            return f"Your card: {CARD_NAMES[hand.cards[player]]}. The opponent is to move."
        if feedback is not None:
            return feedback
        if seen is None:
            return f"{self._hand_intro(player)}\n{hand.opening_text(player)}"
        return hand.situation_text(player, seen)

    def _hand_intro(self, player: int) -> str:
        """What comes before a seat's first decision of a hand: the rules, or the news."""
        if self._hand_number == 1:
            if self.num_hands == 1:
                return f"{text.RULES}\n"
            return (
                f"{text.RULES}\nThis match has {self.num_hands} hands; you keep your seat "
                f"in every hand.\n\nHand 1 of {self.num_hands}."
            )
        previous = self._previous_hand
        assert previous is not None  # every hand after the first has one before it
        news = previous.situation_text(player, self._previous_seen[player] or 0)
        return (
            f"{news} Your chips so far: {self._chips[player]:+d}.\n\n"
            f"Hand {self._hand_number} of {self.num_hands}."
        )

    def _match_result(self, player: int) -> str:
        chips = self._chips[player]
        plural = "s" if abs(chips) != 1 else ""
        if chips > 0:
            outcome = f"won {chips} chip{plural}"
        elif chips < 0:
            outcome = f"lost {-chips} chip{plural}"
        else:
            outcome = "broke even"
        return f"The match is over after {self.num_hands} hands: you {outcome}."

    def _table_text(self) -> str:
        """The whole table, both cards shown, for ``render``."""
        hand = self._require_hand()
        cards = "  ".join(
            f"{agent}: {CARD_NAMES[card]}" for agent, card in zip(AGENTS, hand.cards, strict=True)
        )
        moves = [
            text.move_name(hand.history[:index], PASS if letter == "p" else BET)
            for index, letter in enumerate(hand.history)
        ]
        betting = f"{hand.history} ({', '.join(moves)})" if moves else "none yet"
        status = (
            "hand over: "
            + ", ".join(f"{a} {r:+d}" for a, r in zip(AGENTS, hand.returns(), strict=True))
            if hand.over
            else f"to act: {AGENTS[hand.current_player]}"
        )
        chips = ", ".join(f"{a} {c:+d}" for a, c in zip(AGENTS, self._chips, strict=True))
        return (
            f"Hand {self._hand_number} of {self.num_hands} | {cards} | betting: {betting} | "
            f"pot: {sum(contributions(hand.history))} | {status}\nChips: {chips}"
        )
