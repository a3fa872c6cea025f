import pytest

pytest.importorskip("transformers", reason="needs the llm extra: pip install 'cogym[llm]'")

import cogym
from cogym.agents import make_agent, run_episode
from cogym.agents.backends import SamplingParams
from cogym.agents.llm_agent import LLMAgent
from cogym.agents.rollout import run_episodes
from cogym.core.errors import InvalidArgumentError, UnknownKwargError
from cogym.wrappers import ChatHistory

PUZZLE = {"numbers": [3, 7, 8, 25], "target": 24}
SHORT = SamplingParams(max_new_tokens=8)


def test_llm_agent_plays_a_whole_episode(tiny_backend):
    env = cogym.make("cogym/Countdown-v0", max_turns=3)
    agent = LLMAgent(tiny_backend, sampling=SHORT)
    record = run_episode(env, agent, options={"task": PUZZLE})
    assert record.num_turns == 3 and record.done
    conversation = agent.conversation()
    assert [m["role"] for m in conversation] == ["system", "user"] + ["assistant", "user"] * 2 + [
        "assistant"
    ]
    assert conversation[1]["content"] == record.reset_observation
    assert [m["content"] for m in conversation[2::2]] == [step.action for step in record.steps]
    assert conversation[3]["content"] == record.steps[0].observation


def test_agent_conversation_is_the_chat_history_of_the_same_episode(tiny_backend):
    env = ChatHistory(cogym.make("cogym/Countdown-v0", max_turns=3), system_prompt="Be terse.")
    agent = LLMAgent(tiny_backend, sampling=SHORT, system_prompt="Be terse.")
    history, info = env.reset(options={"task": PUZZLE})
    agent.reset()
    done = False
    while not done:
        action = agent.act(history[-1]["content"], info)
        history, _, terminated, truncated, info = env.step(action)
        done = terminated or truncated
        # the agent's conversation holds its reply but not yet the env's answer to it
        assert agent.conversation() == list(history[:-1])
    assert len(history) == 2 + 2 * 3


def test_completions_keep_tokens_and_logprobs_per_turn(tiny_backend):
    env = cogym.make("cogym/Countdown-v0", max_turns=2)
    agent = LLMAgent(tiny_backend, sampling=SHORT)
    run_episode(env, agent, options={"task": PUZZLE})
    completions = agent.completions()
    assert len(completions) == 2
    for completion in completions:
        assert 0 < completion.num_tokens <= 8 and len(completion.logprobs) == completion.num_tokens
    assert agent.stats.calls == 2 and agent.stats.generated_tokens == sum(
        c.num_tokens for c in completions
    )


def test_system_prompt_can_be_fixed_or_absent(tiny_backend):
    env = cogym.make("cogym/Countdown-v0", max_turns=1)
    fixed = LLMAgent(tiny_backend, sampling=SHORT, system_prompt="Be terse.")
    run_episode(env, fixed, seed=0)
    assert fixed.conversation()[0] == {"role": "system", "content": "Be terse."}
    bare = LLMAgent(tiny_backend, sampling=SHORT, system_prompt=None)
    run_episode(env, bare, seed=0)
    assert bare.conversation()[0]["role"] == "user"


def test_history_truncation_keeps_prompts_within_the_budget(tiny_backend):
    env = cogym.make("cogym/Countdown-v0", max_turns=6)
    # the tiny tokenizer spends ~600 tokens on system prompt + task, ~170 per exchange
    budget = 900
    agent = LLMAgent(
        tiny_backend, sampling=SamplingParams(max_new_tokens=24), max_history_tokens=budget
    )
    run_episode(env, agent, options={"task": PUZZLE})
    prompt_lengths = [len(c.prompt_token_ids) for c in agent.completions()]
    assert len(prompt_lengths) == 6 and max(prompt_lengths) <= budget
    full = tiny_backend.count_tokens(agent.conversation()[:-1])
    assert full > budget  # the whole history did not fit: truncation really happened
    last_prompt = tiny_backend.tokenizer.decode(agent.completions()[-1].prompt_token_ids)
    assert "Countdown. Using the numbers [3, 7, 8, 25]" in last_prompt  # the task stays


def test_batched_episodes_equal_one_by_one_greedy(tiny_backend):
    seeds = list(range(5))
    make_env = lambda: cogym.make("cogym/Countdown-Easy-v0", max_turns=2)  # noqa: E731
    batched = run_episodes(make_env, LLMAgent(tiny_backend, sampling=SHORT), seeds, batch_size=3)
    single = run_episodes(make_env, LLMAgent(tiny_backend, sampling=SHORT), seeds, batch_size=1)
    assert [r.seed for r in batched] == seeds
    assert [[s.action for s in r.steps] for r in batched] == [
        [s.action for s in r.steps] for r in single
    ]


def test_act_batch_makes_one_generate_call_per_turn(tiny_backend):
    agent = LLMAgent(tiny_backend, sampling=SHORT)
    make_env = lambda: cogym.make("cogym/Countdown-Easy-v0", max_turns=2)  # noqa: E731
    run_episodes(make_env, agent, list(range(4)), batch_size=4)
    assert agent.stats.calls == 2


def test_act_batch_needs_reset_slot(tiny_backend):
    with pytest.raises(InvalidArgumentError, match="reset_slot"):
        LLMAgent(tiny_backend).act_batch(["obs"], [{}], [3])


def test_strip_think_applies_to_action_and_history(tiny_backend):
    agent = LLMAgent(tiny_backend, sampling=SHORT, strip_think=True)
    agent.reset()
    action = agent.act("hello", {})
    assert "<think>" not in action and agent.conversation()[-1]["content"] == action


def test_make_agent_builds_the_llm_agent_with_options(tiny_backend):
    env = cogym.make("cogym/Countdown-v0")
    agent = make_agent("llm", env, backend=tiny_backend, sampling=SHORT)
    assert isinstance(agent, LLMAgent) and agent.sampling == SHORT
    with pytest.raises(UnknownKwargError, match="its options"):
        make_agent("llm", env, backend=tiny_backend, temperature=1.0)
    with pytest.raises(UnknownKwargError, match="none"):
        make_agent("solver", env, backend=tiny_backend)
