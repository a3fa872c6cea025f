"""A second game, defined here, plugs into the solvers and self-play with no poker import.

One-card poker: cards 1 < 2 < 3; each player antes 1 and is dealt one. Player 0 checks
(the higher card takes the antes) or bets 1; facing the bet, player 1 folds (player 0
takes the antes) or calls (the higher card takes 2 each). At equilibrium player 0 bets
the 3, bluffs the 1 a third of the time and checks the 2; player 1 folds the 1, calls
with the 2 a third of the time and calls with the 3. Player 0's value is 1/18.
"""

import ast
import math
from fractions import Fraction
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from gymnasium import spaces
from pettingzoo import AECEnv
from pettingzoo.test import seed_test

import cogym.games
from cogym.core.agent import Agent
from cogym.games import (
    BestResponse,
    CFRPlusSolver,
    TabularPolicy,
    UniformPolicy,
    expected_returns,
    exploitability,
    nash_conv,
    play_self_play,
    role_baselines,
)

CHECK, BET, FOLD, CALL = 0, 1, 2, 3  # each node has its own actions, unlike Kuhn poker
NAMES = ("check", "bet", "fold", "call")
LETTERS = "cbfk"
DEALS = [(mine, theirs) for mine in (1, 2, 3) for theirs in (1, 2, 3) if mine != theirs]
TERMINALS = ("check", "bet fold", "bet call")


class OneCardState:
    def __init__(self, cards=None, history=()):
        self.cards, self.history = cards, history

    def is_chance(self):
        return self.cards is None

    def chance_outcomes(self):
        return [(deal, Fraction(1, len(DEALS))) for deal in range(len(DEALS))]

    def is_terminal(self):
        return " ".join(NAMES[action] for action in self.history) in TERMINALS

    def current_player(self):
        return -1 if self.is_chance() else -2 if self.is_terminal() else len(self.history)

    def legal_actions(self):
        if self.is_chance():
            return list(range(len(DEALS)))
        return [] if self.is_terminal() else [[CHECK, BET], [FOLD, CALL]][len(self.history)]

    def child(self, action):
        if self.is_chance():
            return OneCardState(DEALS[action])
        if action not in self.legal_actions():
            raise ValueError(f"{action} is not legal after {self.history}")
        return OneCardState(self.cards, (*self.history, action))

    def returns(self):
        if not self.is_terminal():
            return (0, 0)
        if self.history[-1] == FOLD:
            return (1, -1)
        stake = 2 if self.history[-1] == CALL else 1
        won = stake if self.cards[0] > self.cards[1] else -stake
        return (won, -won)

    def information_state_key(self, player):
        return f"{self.cards[player]}:{''.join(LETTERS[a] for a in self.history)}"


class OneCardPoker:
    num_players = 2

    def new_initial_state(self):
        return OneCardState()


GAME = OneCardPoker()
EQUILIBRIUM = TabularPolicy(
    {
        "1:": {CHECK: Fraction(2, 3), BET: Fraction(1, 3)},
        "2:": {CHECK: 1, BET: 0},
        "3:": {CHECK: 0, BET: 1},
        "1:b": {FOLD: 1, CALL: 0},
        "2:b": {FOLD: Fraction(2, 3), CALL: Fraction(1, 3)},
        "3:b": {FOLD: 0, CALL: 1},
    }
)


class OneCardAEC(AECEnv):
    """The smallest PettingZoo view of the game: it deals from ``reset``'s seed, observes
    the information-state key and pays the returns at the end."""

    metadata: ClassVar[dict] = {
        "name": "one_card_poker_v0",
        "render_modes": [],
        "is_parallelizable": False,
    }

    def __init__(self):
        super().__init__()
        self.possible_agents = ["first", "second"]
        text = spaces.Text(8, charset="0123456789:bcfk")
        self.observation_spaces = dict.fromkeys(self.possible_agents, text)
        self.action_spaces = {agent: spaces.Discrete(4) for agent in self.possible_agents}

    def observation_space(self, agent):
        return self.observation_spaces[agent]

    def action_space(self, agent):
        return self.action_spaces[agent]

    def reset(self, seed=None, options=None):
        rng = np.random.default_rng(seed)
        self.state = GAME.new_initial_state().child(int(rng.integers(len(DEALS))))
        self.agents = list(self.possible_agents)
        self.rewards = dict.fromkeys(self.agents, 0.0)
        self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        self.agent_selection = self.agents[0]
        self._update_infos()

    def observe(self, agent):
        return self.state.information_state_key(self.possible_agents.index(agent))

    def step(self, action):
        agent = self.agent_selection
        if self.terminations[agent]:
            self._was_dead_step(action)
            return
        self._cumulative_rewards[agent] = 0.0
        self._clear_rewards()
        self.state = self.state.child(int(action))
        if self.state.is_terminal():
            for name, won in zip(self.possible_agents, self.state.returns(), strict=True):
                self.rewards[name] = float(won)
            self.terminations = dict.fromkeys(self.agents, True)
        else:
            self.agent_selection = self.possible_agents[self.state.current_player()]
        self._accumulate_rewards()
        self._update_infos()

    def _update_infos(self):
        to_act = self.state.current_player()  # -2 once the game is over
        legal = self.state.legal_actions()
        mask = np.isin(np.arange(4), legal).astype(np.int8)
        self.infos = {
            agent: {
                "info_state": self.observe(agent),
                "legal_actions": [NAMES[a] for a in legal] if seat == to_act else [],
                "action_mask": mask if seat == to_act else np.zeros(4, np.int8),
            }
            for seat, agent in enumerate(self.possible_agents)
        }


class TablePlayer(Agent):
    """Plays a tabular policy from the observed key; stateless, so one generator serves
    every slot."""

    def __init__(self, policy, seed):
        self.table = policy.table
        self.np_random = np.random.default_rng(seed)

    def reset_slot(self, slot):
        pass

    def act(self, observation, info):
        entry = self.table[observation]
        actions = [action for action in entry if NAMES[action] in info["legal_actions"]]
        weights = np.array([float(entry[action]) for action in actions])
        return actions[int(self.np_random.choice(len(actions), p=weights / weights.sum()))]

    def act_batch(self, observations, infos, slots):
        return [self.act(o, i) for o, i in zip(observations, infos, strict=True)]


def test_the_equilibrium_worked_out_by_hand_is_exactly_unexploitable():
    assert expected_returns(GAME, EQUILIBRIUM) == (Fraction(1, 18), Fraction(-1, 18))
    assert nash_conv(GAME, EQUILIBRIUM) == 0


def test_best_responses_and_exploitability_of_uniform_play_are_exact():
    # Uniform: player 0 wins 1/4 (a bet folded half the time; showdowns even out).
    # Player 0's best reply bets every card: (-1/2 + 1/2 + 3/2) / 3 = 1/2.
    # Player 1's best reply folds the 1 and calls otherwise: (-1 + 0 + 2) / 3 after the
    # half of the deals where player 0 bets, so 1/6.
    assert expected_returns(GAME, UniformPolicy()) == (Fraction(1, 4), Fraction(-1, 4))
    first, second = BestResponse(GAME, 0, UniformPolicy()), BestResponse(GAME, 1, UniformPolicy())
    assert (first.value, second.value) == (Fraction(1, 2), Fraction(1, 6))
    assert [first.best_response_action(f"{card}:") for card in (1, 2, 3)] == [BET, BET, BET]
    assert [second.best_response_action(f"{card}:b") for card in (1, 2, 3)] == [FOLD, CALL, CALL]
    assert nash_conv(GAME, UniformPolicy()) == Fraction(2, 3)
    assert exploitability(GAME, UniformPolicy()) == Fraction(1, 3)


def test_cfr_plus_drives_exploitability_near_zero_and_finds_the_game_value():
    solver = CFRPlusSolver(GAME)
    assert exploitability(GAME, solver.average_policy()) == pytest.approx(1 / 3)  # uniform
    solver.iterate(300)
    policy = solver.average_policy()
    assert set(policy.table) == set(EQUILIBRIUM.table)
    assert exploitability(GAME, policy) < 1e-3  # measured: 4.0e-4
    assert expected_returns(GAME, policy)[0] == pytest.approx(1 / 18, abs=1e-3)


def test_the_aec_view_passes_the_pettingzoo_seed_test():
    seed_test(OneCardAEC, num_cycles=50)


def test_the_self_play_runner_plays_the_game_through_its_aec_view():
    hands = 6000
    agent = TablePlayer(EQUILIBRIUM, seed=0)
    games = play_self_play(OneCardAEC, agent, hands, batch_size=256, observation_key=None)
    first, second = games[0].trajectories
    assert (first.agent, second.agent) == ("first", "second")
    assert first.observations[0] == first.final_info["info_state"].split(":")[0] + ":"
    for game in games:
        assert game.returns[0] + game.returns[1] == 0
        assert all(len(t.actions) == len(t.rewards) <= 1 for t in game.trajectories)
    returns = np.array([game.returns[0] for game in games])
    stderr = returns.std(ddof=1) / math.sqrt(hands)
    assert abs(returns.mean() - 1 / 18) < 4 * stderr
    assert role_baselines(games)[0] == pytest.approx(returns.mean())


def test_the_games_package_imports_nothing_but_core_and_itself():
    allowed = ("cogym.core", "cogym.games")
    for path in Path(cogym.games.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            inside = [name for name in names if name.startswith("cogym")]
            assert all(name.startswith(allowed) for name in inside), (path.name, inside)
