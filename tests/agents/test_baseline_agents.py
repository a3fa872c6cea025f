import pytest

import cogym
from cogym.agents import RandomAgent, make_agent, run_episode
from cogym.core.errors import InvalidArgumentError, UnknownAgentError
from cogym.envs.countdown import RandomExpressionAgent, SolverAgent, verify

UNSOLVABLE = {"numbers": [1, 1, 1, 1], "target": 100}


def test_solver_agent_answers_in_tags_on_the_first_turn():
    env = cogym.make("cogym/Countdown-Hard-v0")
    record = run_episode(env, SolverAgent(), seed=0)
    assert record.success and record.steps[0].action.startswith("<answer>")


def test_solver_agent_respects_use_all_numbers():
    env = cogym.make("cogym/Countdown-v0", use_all_numbers=True)
    agent = make_agent("solver", env)
    for seed in range(30):
        assert run_episode(env, agent, seed=seed).success


def test_solver_agent_gives_a_valid_wrong_answer_when_unsolvable():
    env = cogym.make("cogym/Countdown-v0", max_turns=2)
    record = run_episode(env, SolverAgent(), options={"task": UNSOLVABLE})
    assert not record.success and record.num_turns == 2
    assert all(step.info["action_valid"] for step in record.steps)


def test_countdown_agents_need_the_reset_info():
    with pytest.raises(InvalidArgumentError, match="reset info"):
        SolverAgent().act("obs", {"turn": 1})


def test_random_expression_agent_is_always_valid_and_sometimes_right():
    env = cogym.make("cogym/Countdown-Easy-v0")
    agent = RandomExpressionAgent(seed=0)
    records = [run_episode(env, agent, seed=seed) for seed in range(200)]
    assert all(step.info["action_valid"] for record in records for step in record.steps)
    assert 0 < sum(record.success for record in records) < 200


def test_random_expression_agent_is_seeded():
    env = cogym.make("cogym/Countdown-v0")
    first = [
        run_episode(env, RandomExpressionAgent(seed=1), seed=0).steps[0].action for _ in range(2)
    ]
    assert first[0] == first[1]


def test_random_agent_samples_text_and_prefers_legal_actions():
    env = cogym.make("cogym/Countdown-v0")
    agent = RandomAgent(env.action_space, seed=0)
    assert isinstance(agent.act("obs", {}), str)
    assert agent.act("obs", {"legal_actions": ["call"]}) == "call"


def test_make_agent_checks_name_and_env():
    env = cogym.make("cogym/Countdown-v0")
    with pytest.raises(UnknownAgentError, match="choose one of: random, llm, solver"):
        make_agent("oracle", env)
    assert isinstance(make_agent("random", env, seed=0), RandomAgent)


def test_episode_record_round_trips_to_json():
    import json

    env = cogym.make("cogym/Countdown-v0")
    record = run_episode(env, SolverAgent(), seed=4, agent_name="solver")
    data = json.loads(record.to_json())
    assert data["agent"] == "solver" and data["success"] and data["num_turns"] == 1
    task = data["reset_info"]["task"]
    expression = data["steps"][0]["info"]["expression"]
    assert verify(expression, task["numbers"], task["target"]).correct
