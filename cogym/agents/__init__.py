"""Agents that play any env (random, LLM), the agent registry, and the rollout loop.

Families' own baselines live with their family (``cogym.envs.<family>.agents``) and
are found through its descriptor."""

from cogym.agents.llm_agent import LLMAgent
from cogym.agents.random_agent import RandomAgent
from cogym.agents.registry import agent_specs, agents_for, make_agent
from cogym.agents.rollout import run_episode, run_episodes
from cogym.core.agent import Agent

__all__ = [
    "Agent",
    "LLMAgent",
    "RandomAgent",
    "agent_specs",
    "agents_for",
    "make_agent",
    "run_episode",
    "run_episodes",
]
