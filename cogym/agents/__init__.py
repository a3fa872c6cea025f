"""Baseline agents, the agent registry, and the rollout loop."""

from cogym.agents.countdown import RandomExpressionAgent, SolverAgent
from cogym.agents.llm_agent import LLMAgent
from cogym.agents.random_agent import RandomAgent
from cogym.agents.registry import AGENTS, make_agent
from cogym.agents.rollout import run_episode, run_episodes
from cogym.core.agent import Agent

__all__ = [
    "AGENTS",
    "Agent",
    "LLMAgent",
    "RandomAgent",
    "RandomExpressionAgent",
    "SolverAgent",
    "make_agent",
    "run_episode",
    "run_episodes",
]
