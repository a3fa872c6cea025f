"""The rollout engine: token-in/token-out episodes, env tokens masked, groups share seeds."""

from __future__ import annotations

import pytest

from cogym.training.policy_agent import PolicyAgent
from cogym.training.rollout import RolloutEngine, make_pool
from cogym.training.samples import Advantages, build_samples, collate
from tests.training.toy_envs import DIGITS_ID


class Recorder:
    """Passes every generate_from_ids call through to the real backend and keeps it."""

    def __init__(self, backend):
        self.backend = backend
        self.calls = []
        self._generate = backend.generate_from_ids

    def __enter__(self):
        def record(prompts, params, interrupt=None):
            completions = self._generate(prompts, params, interrupt)
            self.calls.append(([list(p) for p in prompts], completions))
            return completions

        self.backend.generate_from_ids = record
        return self

    def __exit__(self, *exc):
        del self.backend.generate_from_ids


@pytest.fixture
def agent(tiny_backend):
    return PolicyAgent(tiny_backend, max_new_tokens_per_turn=6, max_tokens_per_episode=64, seed=3)


def play(agent, env_id, seeds, group_size, max_turns=None, kwargs=None):
    pool = make_pool(env_id, kwargs or {}, len(seeds) * group_size)
    try:
        return RolloutEngine(agent, {env_id: pool}).run({env_id: seeds}, group_size, max_turns)
    finally:
        pool.close()


def test_trained_ids_are_the_generated_ids_across_a_3_turn_episode(
    agent, tiny_backend, digits_family
):
    with Recorder(tiny_backend) as recorder:
        episodes = play(agent, DIGITS_ID, [11, 12], 2, kwargs={"max_turns": 3})
    assert len(recorder.calls) == 3  # one batched call per turn, all 4 episodes in it
    assert all(len(prompts) == 4 for prompts, _ in recorder.calls)
    samples = build_samples(
        episodes, Advantages([[1.0] * 3] * 4, [True] * 4, 0.0), unit="episode", mask_truncated=False
    )
    batch = collate(samples, tiny_backend.tokenizer.pad_token_id)
    for row, episode in enumerate(episodes):
        tokens = episode.tokens
        assert episode.turns == 3 and episode.truncated and not episode.terminated
        for turn, (prompts, completions) in enumerate(recorder.calls):
            start, end = tokens.turns[turn]
            # the prompt of turn t is the sequence so far, byte for byte
            assert prompts[row] == tokens.ids[:start]
            assert completions[row].token_ids == tokens.ids[start:end]
            assert completions[row].logprobs == tokens.logprobs[start:end]
        n = len(tokens.ids)
        assert batch["input_ids"][row, :n].tolist() == tokens.ids
        scored = batch["loss_mask"][row].nonzero().flatten() + 1  # targets are shifted by one
        generated = [p for start, end in tokens.turns for p in range(start, end)]
        assert scored.tolist() == generated


def test_env_tokens_are_masked_and_hold_the_env_replies(agent, tiny_backend, digits_family):
    episodes = play(agent, DIGITS_ID, [5], 2, kwargs={"max_turns": 3})
    decode = tiny_backend.tokenizer.decode
    for episode in episodes:
        tokens = episode.tokens
        gaps = [(tokens.turns[i][1], tokens.turns[i + 1][0]) for i in range(len(tokens.turns) - 1)]
        for start, end in gaps:
            assert set(tokens.mask[start:end]) == {0}
            text = decode(tokens.ids[start:end])
            assert "% digits. Again." in text and "<|im_start|>user" in text
            assert text.rstrip().endswith("<|im_start|>assistant")
        prompt = decode(tokens.ids[: tokens.prompt_length])
        assert "reply with digits only" in prompt and set(tokens.mask[: tokens.prompt_length]) == {
            0
        }


def test_a_group_shares_its_seed_and_groups_differ(agent, tiny_backend, digits_family):
    episodes = play(agent, DIGITS_ID, [1, 2], 3, kwargs={"max_turns": 1})
    assert [e.group for e in episodes] == [0, 0, 0, 1, 1, 1]
    assert [e.seed for e in episodes] == [1, 1, 1, 2, 2, 2]
    prompts = [tuple(e.tokens.ids[: e.tokens.prompt_length]) for e in episodes]
    assert len(set(prompts[:3])) == 1 and len(set(prompts[3:])) == 1
    # sampled replies differ within a group (the same prompt, different samples)
    replies = {tuple(e.tokens.ids[e.tokens.prompt_length :]) for e in episodes[:3]}
    assert len(replies) > 1


def test_the_horizon_limit_and_token_budget_truncate(tiny_backend, digits_family):
    agent = PolicyAgent(tiny_backend, max_new_tokens_per_turn=6, max_tokens_per_episode=9)
    episodes = play(agent, DIGITS_ID, [3], 2, kwargs={"max_turns": 5})
    for episode in episodes:  # 6 + 3 tokens: the second reply is cut at the budget
        assert episode.tokens.generated <= 9 and episode.truncated
        assert episode.turns == 2 or episode.tokens.finish_reasons[0] == "stop"
    agent = PolicyAgent(tiny_backend, max_new_tokens_per_turn=4, max_tokens_per_episode=64)
    episodes = play(agent, DIGITS_ID, [3], 2, max_turns=2, kwargs={"max_turns": 5})
    assert [e.turns for e in episodes] == [2, 2] and all(e.truncated for e in episodes)


def test_a_nan_reward_stops_with_the_env_id_and_seed(agent, digits_family):
    from cogym.training.advantages import NonFiniteRewardError

    with pytest.raises(NonFiniteRewardError, match=r"ToyDigits-v0 reset with seed 77 .* turn 2"):
        play(agent, DIGITS_ID, [77], 2, kwargs={"max_turns": 3, "nan_at_turn": 2})


def test_countdown_episodes_run_through_an_async_pool(agent):
    import gymnasium as gym

    import cogym

    env_id = "cogym/Countdown-Easy-v0"
    pool = gym.vector.AsyncVectorEnv([lambda: cogym.make(env_id, max_turns=2)] * 4)
    try:
        episodes = RolloutEngine(agent, {env_id: pool}).run({env_id: [9, 10]}, 2)
    finally:
        pool.close()
    assert [e.seed for e in episodes] == [9, 9, 10, 10]
    assert all(e.turns in (1, 2) and e.turn_rewards for e in episodes)
