"""The single-seat Kuhn poker env: the agent plays one seat against an opponent policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces

from cogym.core.checks import check_choice, shown
from cogym.core.errors import InvalidTaskError
from cogym.core.text_env import Outcome, TextEnv
from cogym.envs.poker.game import CARD_NAMES, DEALS, INFO_STATE_SIZE, NUM_ACTIONS
from cogym.envs.poker.hand import Hand, MoveResult
from cogym.envs.poker.opponents import make_opponent
from cogym.envs.poker.settings import check_table_settings, default_max_turns
from cogym.envs.poker.text import RULES

OBS_MODES = ("text", "vector")
_MASK_OPEN = np.ones(NUM_ACTIONS, dtype=np.int8)
_MASK_DONE = np.zeros(NUM_ACTIONS, dtype=np.int8)


class KuhnPokerEnv(TextEnv):
    """Two-player Kuhn poker, from one seat, against a fixed opponent.

    ## Description
    Kuhn poker (J < Q < K, ante 1, bet 1) is the smallest poker with bluffing and a
    known equilibrium, and a zero-sum self-play game used to train LLM reasoning
    (SPIRAL). Chips move exactly as the rules say, so every hand is zero-sum. The agent
    plays one seat; the other is played by ``opponent``. With ``num_hands > 1`` an
    episode is a match (``cogym/KuhnPoker-Match-v0``) and chips add up over the hands.

    ## Action Space
    ``obs_mode="text"``: ``Text(max_length=16384)``; the move is the last of ``[check]``,
    ``[bet]``, ``[call]``, ``[fold]`` in the reply (or the reply is one bare move word).
    ``[check]``/``[bet]`` are legal with no bet outstanding, ``[fold]``/``[call]`` when
    facing a bet. ``obs_mode="vector"``: ``Discrete(2)``: 0 passes (check or fold), 1 bets
    (bet or call); both are legal at every decision (``info["action_mask"]``).

    ## Observation Space
    ``"text"``: ``Text(max_length=8192)``, printable ASCII. The first observation holds
    the rules, the seat, the card, the betting so far, the pot and the legal moves. Each
    later one answers the last move: the moves since (yours and the opponent's), then
    either the next decision or the hand's result (cards are shown at a showdown, not
    after a fold); in a match, the next hand follows. ``"vector"``: ``Box(0, 1, (11,),
    float32)``, the one-hot information state: seat (2), card (3), and for each of the
    up to 3 actions so far, pass or bet (6).

    ## Rewards
    At the end of each hand, the chips the agent won (+1 or +2) or lost (-1 or -2): the
    opponent's loss or gain, exactly. Each invalid move earns ``invalid_action_reward``
    (default -0.1) and counts a turn; after ``error_allowance`` (default 3) invalid
    moves in a row the agent forfeits the hand and loses the chips it has put in (its
    ante, and its bet if it made one), which the opponent wins. An agent or callable
    opponent (below) that answers ``error_allowance`` times in a row without a legal move
    passes (checks, or folds facing a bet).

    ## Starting State
    A deal drawn from the env's seeded generator, or ``options={"cards": "KQ"}`` (player
    0's card, then player 1's; also a pair of card indices, 0 = J). The seat follows
    ``seat``; ``options={"seat": 0 | 1}`` pins it for one episode. If the agent sits in
    seat 1, the opponent's first move is already in the first observation.

    ## Episode End
    Terminated when the last of ``num_hands`` hands ends (a showdown, a fold or a
    forfeit). Truncated after ``max_turns`` turns, by default ``2 * error_allowance *
    num_hands``, which no episode reaches before it ends by the rules.

    ## Info
    ``turn``, ``action_valid``, ``success`` (the episode ended with the agent ahead in
    chips), ``feedback_kind`` (``ok``, ``hand_won``, ``hand_lost``, ``no_move``,
    ``illegal_move``, ``invalid_action``, ``forfeit``, ``not_text``, ``action_too_long``),
    ``legal_actions`` (e.g. ``["[check]", "[bet]"]``; empty at the end), ``action_mask``
    (int8, ``[1, 1]`` while the agent is to move; also ``env.action_masks()`` for
    sb3-contrib's ``MaskablePPO``), ``seat``, ``info_state`` (the agent's
    information-state key such as ``"K:pb"``), ``hand`` (1-based), ``chips`` (the agent's
    net chips this episode), ``invalid_in_a_row``, and, on a step that ends a hand,
    ``hand_result``: ``{"cards", "history", "seat", "returns", "forfeited_by"}``
    (``forfeited_by``: the seat that forfeited, or -1: an int either way, so that vector
    envs can batch it).

    ## Arguments
    - ``opponent``: ``"nash"`` (default; the equilibrium family with ``opponent_alpha``),
      ``"random"`` (bets half the time), ``"always_bet"`` (bets and calls),
      ``"always_check"`` (checks and folds), a policy with ``action_probabilities(state,
      player)`` (e.g. ``CFRSolver(...).average_policy()``), a callable ``fn(info_state_key)``
      returning 0/1, a move string or ``{action: probability}``, or an agent with
      ``act(observation, info)`` that is shown the same text (``info`` has
      ``legal_actions``, ``info_state``, ``seat``, ``action_mask``).
    - ``opponent_alpha``: the equilibrium's alpha in [0, 1/3] (default 1/6): as player 0
      the Nash opponent bluffs a J with probability alpha and bets a K with 3 alpha.
    - ``seat``: ``"alternate"`` (default: every hand alternates; a reset with seed ``s``
      starts at seat ``s % 2``, so consecutive seeds alternate too), ``"random"``, ``0``
      or ``1``.
    - ``obs_mode``: ``"text"`` (default) or ``"vector"``.
    - ``num_hands`` (1; at most 10^6), ``error_allowance`` (3; at most 100),
      ``invalid_action_reward`` (-0.1), ``max_turns`` (None: see Episode End),
      ``render_mode`` (``None`` or ``"ansi"``).

    ## Version History
    - v0: initial version.
    """

    option_keys: ClassVar[frozenset[str]] = frozenset({"cards", "seat"})

    def __init__(
        self,
        *,
        opponent: Any = "nash",
        opponent_alpha: float = 1 / 6,
        seat: int | str = "alternate",
        obs_mode: str = "text",
        num_hands: int = 1,
        error_allowance: int = 3,
        invalid_action_reward: float = -0.1,
        max_turns: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        check_table_settings(seat, num_hands=num_hands, error_allowance=error_allowance)
        check_choice("obs_mode", obs_mode, OBS_MODES)
        if max_turns is None:
            max_turns = default_max_turns(error_allowance, num_hands)
        super().__init__(
            max_turns=max_turns,
            invalid_action_reward=invalid_action_reward,
            render_mode=render_mode,
        )
        self.opponent = make_opponent(opponent, opponent_alpha, tries=error_allowance)
        self.seat_mode = seat
        self.obs_mode = obs_mode
        self.num_hands = num_hands
        self.error_allowance = error_allowance
        if obs_mode == "vector":
            self.observation_space = spaces.Box(0.0, 1.0, (INFO_STATE_SIZE,), np.float32)
            self.action_space = spaces.Discrete(NUM_ACTIONS)
        self._hands_played = 0
        self._hand = Hand(DEALS[0], error_allowance)
        self._seat = 0
        self._seen = 0
        self._hand_index = 0
        self._chips = 0
        self._pinned_seat: int | None = None

    # -- episode -------------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        if seed is not None:
            self._hands_played = seed % 2
        return super().reset(seed=seed, options=options)

    def _start_episode(self, options: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        self._pinned_seat = self._read_seat_option(options.get("seat"))
        cards = self._read_cards_option(options.get("cards"))
        self._hand_index, self._chips = 0, 0
        opening = self._start_hand(cards)
        return f"{RULES}\n{self._match_header()}{opening}", self._info()

    def _start_hand(self, cards: tuple[int, int] | None = None) -> str:
        """Deal, seat the agent, let the opponent move first if it sits in seat 0."""
        if cards is None:
            cards = DEALS[int(self.np_random.integers(len(DEALS)))]
        if self._pinned_seat is not None:
            self._seat = self._pinned_seat
        elif self.seat_mode == "alternate":
            self._seat = self._hands_played % 2
        elif self.seat_mode == "random":
            self._seat = int(self.np_random.integers(2))
        else:
            self._seat = int(self.seat_mode)
        self._hands_played += 1
        self._hand = Hand(cards, self.error_allowance)
        self.opponent.start_hand(self._hand, 1 - self._seat)
        self._opponent_moves()
        self._seen = len(self._hand.history)
        return self._hand.opening_text(self._seat)

    def _opponent_moves(self) -> None:
        hand, seat = self._hand, 1 - self._seat
        while hand.current_player == seat:
            self.opponent.move(hand, seat, self.np_random)

    def _match_header(self) -> str:
        if self.num_hands == 1:
            return ""
        return f"Match of {self.num_hands} hands. Hand {self._hand_index + 1}: "

    # -- moves ---------------------------------------------------------------------------

    def _apply_choice(self, choice: int) -> Outcome:
        return self._after_move(self._hand.play(choice))

    def _invalid_choice(self, action: Any) -> Outcome:
        message = f"Invalid action {action!r}: use 0 (pass) or 1 (bet)."
        return self._after_move(self._hand.invalid("invalid_action", message))

    def _apply_action(self, action: str) -> Outcome:
        return self._after_move(self._hand.play_text(action))

    def _after_move(self, result: MoveResult) -> Outcome:
        hand = self._hand
        if not hand.over:
            if not result.valid:
                return Outcome(result.message, result.feedback_kind, valid=False, info=self._info())
            self._opponent_moves()
        text = hand.situation_text(self._seat, self._seen)
        if result.feedback_kind == "forfeit":
            text = f"{result.message}\n{text}"
        self._seen = len(hand.history)
        if not hand.over:
            return Outcome(text, "ok", info=self._info())
        returns = hand.returns()
        won = returns[self._seat]
        self._chips += won
        hand_result = {
            "cards": hand.cards_text,
            "history": hand.history,
            "seat": self._seat,
            "returns": returns,
            "forfeited_by": -1 if hand.forfeited_by is None else hand.forfeited_by,
        }
        kind = (
            result.feedback_kind if not result.valid else ("hand_won" if won > 0 else "hand_lost")
        )
        self._hand_index += 1
        if self._hand_index < self.num_hands:
            text += (
                f"\nChips after {self._hand_index} of {self.num_hands} hands: "
                f"you {self._chips:+d}.\n\n{self._match_header()}{self._start_hand()}"
            )
            return Outcome(text, kind, valid=result.valid, reward=won, info=self._info(hand_result))
        if self.num_hands > 1:
            text += f"\nThe match is over. Your chips: {self._chips:+d}."
        return Outcome(
            text,
            kind,
            valid=result.valid,
            reward=won,
            terminated=True,
            success=self._chips > 0,
            info=self._info(hand_result),
        )

    # -- views ---------------------------------------------------------------------------

    def legal_actions(self) -> list[str]:
        return self._hand.legal_moves()

    def action_masks(self) -> np.ndarray:
        """The legal actions now as a mask, for sb3-contrib's ``MaskablePPO``."""
        return self._action_mask().astype(bool)

    def _action_mask(self) -> np.ndarray:
        """``[1, 1]`` while the agent is to move; once the episode is over, ``[0, 0]``
        (in a match the next hand is dealt as soon as one ends)."""
        return (_MASK_DONE if self._hand.over else _MASK_OPEN).copy()

    def _observe(self, text: str) -> Any:
        if self.obs_mode == "text":
            return text
        return self._hand.info_state_tensor(self._seat)

    def _info(self, hand_result: dict[str, Any] | None = None) -> dict[str, Any]:
        info: dict[str, Any] = {
            "seat": self._seat,
            "info_state": self._hand.info_state_key(self._seat),
            "action_mask": self._action_mask(),
            "hand": min(self._hand_index + 1, self.num_hands),
            "chips": self._chips,
            "invalid_in_a_row": self._hand.invalid_in_a_row[self._seat],
        }
        if hand_result is not None:
            info["hand_result"] = hand_result
        return info

    # -- options -------------------------------------------------------------------------

    @staticmethod
    def _read_seat_option(seat: Any) -> int | None:
        if seat is None:
            return None
        if seat not in (0, 1) or isinstance(seat, bool):
            raise InvalidTaskError(f"options['seat'] must be 0 or 1, got {shown(seat)}")
        return int(seat)

    @staticmethod
    def _read_cards_option(cards: Any) -> tuple[int, int] | None:
        if cards is None:
            return None
        if isinstance(cards, str):
            cards = [CARD_NAMES.index(c) if c in CARD_NAMES else -1 for c in cards.upper()]
        try:
            deal = tuple(int(card) for card in cards)
        except (TypeError, ValueError):
            deal = ()
        if deal not in DEALS:
            raise InvalidTaskError(
                "options['cards'] must name two different cards, player 0's then player 1's, "
                f"as 'KQ' or (2, 1) with J=0, Q=1, K=2; got {shown(cards)}"
            )
        return deal  # type: ignore[return-value]
