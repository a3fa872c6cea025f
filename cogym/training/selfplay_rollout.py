"""Self-play rollouts: the policy holds every seat of a family's game, through the
game-generic runner (:func:`cogym.games.selfplay.play_self_play`).

Each seat of each game becomes an :class:`~cogym.training.rollout.Episode` with its
``role``, whose token sequence the :class:`~cogym.training.policy_agent.PolicyAgent`
kept for the seat's slot, and whose turn rewards are the runner's per-move credits.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from cogym.games.selfplay import play_self_play
from cogym.registration import entries
from cogym.training.policy_agent import PolicyAgent
from cogym.training.rollout import Episode, check_reward


def game_factory(env_id: str, kwargs: Mapping[str, Any]) -> Any:
    """A no-argument maker of the text AEC env of ``env_id``'s family."""
    for family, entry in entries():
        if entry.id == env_id and family.aec_env is not None:
            return functools.partial(
                family.aec_env, text_observations=True, text_actions=True, **dict(kwargs)
            )
    raise KeyError(env_id)


def play_games(
    agent: PolicyAgent,
    env_id: str,
    kwargs: Mapping[str, Any],
    seeds: list[int],
    group_offset: int = 0,
) -> list[Episode]:
    """Play one game per seed (all at once) and return every seat as an episode.

    :param seeds: the games' seeds, consecutive (the runner seeds game ``i`` with
        ``seeds[0] + i``).
    :param group_offset: the first game's group number.
    """
    games = play_self_play(
        game_factory(env_id, kwargs), agent, len(seeds), seed=seeds[0], batch_size=len(seeds)
    )
    episodes = []
    slot = 0
    for number, game in enumerate(games):
        for seat in game.trajectories:
            tokens = agent.tokens(slot + seat.role)
            exhausted = agent.exhausted(slot + seat.role)
            episode = Episode(
                env_id,
                game.seed,
                group_offset + number,
                tokens,
                turn_rewards=list(seat.rewards),
                terminated=not exhausted,
                truncated=exhausted,
                success=seat.episode_return > 0,
                role=str(seat.role),
                info=dict(seat.final_info),
            )
            for turn, reward in enumerate(episode.turn_rewards, start=1):
                check_reward(episode, reward, turn, index=len(episodes))
            episodes.append(episode)
        slot += len(game.trajectories)
    return episodes
