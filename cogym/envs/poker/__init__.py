"""Kuhn poker: a pure game core, exact game theory, and Gymnasium/PettingZoo views."""
