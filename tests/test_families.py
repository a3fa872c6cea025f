"""Every family's descriptor is whole and true: its ids, its generator, validator and
verifier (usable without the env), and its baseline agents."""

import random

import gymnasium as gym
import pytest

import cogym
from cogym.agents import agents_for, make_agent, run_episodes
from cogym.core.verdict import Verdict
from tests.marks import needs_sandbox

FAMILIES = {family.name: family for family in cogym.families()}
TASK_FAMILIES = [name for name, family in FAMILIES.items() if family.generate is not None]
SANDBOXED = {"code"}


def _marks(name):
    return [needs_sandbox] if name in SANDBOXED else []


def test_the_family_table_is_the_id_table():
    ids = [env_id for family in cogym.families() for env_id in family.env_ids]
    assert ids == cogym.env_ids()
    for family in cogym.families():
        for env_id in family.env_ids:
            assert gym.registry[env_id].entry_point.env_class is family.env_class
            assert cogym.registration.family_of(cogym.make(env_id)) is family


@pytest.mark.parametrize("name", TASK_FAMILIES)
def test_generated_tasks_pass_their_own_validator(name):
    family = FAMILIES[name]
    config = family.config()
    for index in range(5):
        task = family.generate(random.Random(index), config)
        assert family.validate_task(task) == task


@pytest.mark.parametrize("name", [pytest.param(name, marks=_marks(name)) for name in TASK_FAMILIES])
def test_the_verifier_grades_without_the_env(name):
    family = FAMILIES[name]
    env = cogym.make(family.env_ids[0])
    _, info = env.reset(seed=0)
    env.close()
    wrong = family.verify("<answer>no</answer> <submit>pass</submit> \\boxed{no}", info["task"])
    assert isinstance(wrong, Verdict) and not wrong.success and wrong.score < 1


def _plays(spec, env_id):
    env = cogym.make(env_id)
    try:
        return spec.supports is None or spec.supports(env)
    finally:
        env.close()


def _oracles():
    for family in cogym.families():
        for spec in family.agents:
            if spec.role in ("expert", "oracle") and family.generate is not None:
                for env_id in family.env_ids:
                    if _plays(spec, env_id):
                        yield pytest.param(env_id, spec.name, marks=_marks(family.name))


@pytest.mark.parametrize(("env_id", "agent"), list(_oracles()))
def test_expert_and_oracle_baselines_solve_every_episode(env_id, agent):
    probe = cogym.make(env_id)
    player = make_agent(agent, probe, seed=0)
    probe.close()
    records = run_episodes(lambda: cogym.make(env_id), player, list(range(6)), batch_size=3)
    assert [record.success for record in records] == [True] * 6


@pytest.mark.parametrize("env_id", cogym.env_ids())
def test_every_id_is_playable_by_random_and_its_family_agents(env_id):
    env = cogym.make(env_id)
    names = [spec.name for spec in agents_for(env)]
    family = cogym.registration.family_of(env)
    own = {spec.name for spec in family.agents if spec.supports is None or spec.supports(env)}
    assert names[0] == "random" and own <= set(names)
    env.close()


def test_game_families_give_their_game_and_aec_env():
    pytest.importorskip("pettingzoo")
    games = [family for family in cogym.families() if family.game is not None]
    assert games
    for family in games:
        state = family.game().new_initial_state()
        assert not state.is_terminal()
        aec = family.aec_env()
        aec.reset(seed=0)
        assert aec.agent_selection in aec.possible_agents
        aec.close()
