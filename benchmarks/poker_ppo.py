"""PPO (stable-baselines3) on Kuhn poker in vector mode, against an exploitable opponent.

Usage: python benchmarks/poker_ppo.py [--opponent random] [--timesteps 60000] [--seed 0]

PPO trains on ``cogym/KuhnPoker-v0`` with ``obs_mode="vector"`` (the agent's seat
alternates by hand). At checkpoints the learned policy is read out over all 12
information states (``cogym.envs.poker.tabulate``) and evaluated *exactly*: its expected
chips per hand against the opponent, seats averaged. The same figure for the Nash
policy (alpha = 1/6) and for the exact best response bound it from below and above:
beating Nash means PPO found the opponent's weakness, which an equilibrium does not
exploit. Prints a table and writes ``benchmarks/results/poker_ppo_<opponent>.json``.
"""

from __future__ import annotations

import argparse
import time

import torch
from common import save
from rich.console import Console
from rich.table import Table
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env

import cogym
from cogym.envs.poker.game import KuhnPoker
from cogym.envs.poker.nash import nash_policy
from cogym.envs.poker.opponents import make_opponent, opponent_policy
from cogym.envs.poker.tabulate import tabulate
from cogym.games import BestResponse, expected_returns, exploitability

GAME = KuhnPoker()


def seat_averaged_value(policy, opponent) -> float:
    """Exact expected chips per hand of ``policy`` against ``opponent``, seats alternating."""
    as_first = expected_returns(GAME, [policy, opponent])[0]
    as_second = expected_returns(GAME, [opponent, policy])[1]
    return float(as_first + as_second) / 2


def ppo_policy(model: PPO):
    def bet_probabilities(vectors):
        with torch.no_grad():
            observation = torch.as_tensor(vectors, device=model.device)
            return model.policy.get_distribution(observation).distribution.probs[:, 1].cpu()

    return tabulate(bet_probabilities)


class ExactValue(BaseCallback):
    """Records the exact value of the current policy every ``every`` timesteps."""

    def __init__(self, opponent, every: int) -> None:
        super().__init__()
        self.opponent, self.every, self.curve = opponent, every, []

    def _on_step(self) -> bool:
        if self.num_timesteps % self.every < self.training_env.num_envs:
            value = seat_averaged_value(ppo_policy(self.model), self.opponent)
            self.curve.append({"timesteps": self.num_timesteps, "value": value})
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opponent", default="random", help="random, always_bet, always_check")
    parser.add_argument("--timesteps", type=int, default=60_000)
    parser.add_argument("--n-envs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)

    opponent = opponent_policy(make_opponent(args.opponent, 1 / 6))
    env = make_vec_env(
        lambda: cogym.make("cogym/KuhnPoker-v0", obs_mode="vector", opponent=args.opponent),
        n_envs=args.n_envs,
        seed=args.seed,
    )
    model = PPO(
        "MlpPolicy",
        env,
        n_steps=256,
        batch_size=256,
        gamma=1.0,
        ent_coef=0.01,
        learning_rate=1e-3,
        seed=args.seed,
        device="cpu",
    )
    callback = ExactValue(opponent, every=max(args.timesteps // 12, args.n_envs))
    start = time.perf_counter()
    model.learn(args.timesteps, callback=callback)
    seconds = time.perf_counter() - start

    learned = ppo_policy(model)
    nash = nash_policy(1 / 6)
    best = (BestResponse(GAME, 0, opponent).value + BestResponse(GAME, 1, opponent).value) / 2
    figures = {
        "ppo": seat_averaged_value(learned, opponent),
        "nash": seat_averaged_value(nash, opponent),
        "best_response": float(best),
    }
    table = Table(title=f"PPO vs {args.opponent!r}: exact chips per hand, seats averaged")
    for column in ("policy", "exact value", "note"):
        table.add_column(column)
    table.add_row("PPO (learned)", f"{figures['ppo']:+.4f}", f"{args.timesteps:,} steps")
    table.add_row("Nash (alpha 1/6)", f"{figures['nash']:+.4f}", "unexploitable, not exploiting")
    table.add_row("best response", f"{figures['best_response']:+.4f}", "the most one can win")
    Console().print(table)
    print(
        f"PPO beats Nash by {figures['ppo'] - figures['nash']:+.4f} chips per hand; "
        f"{seconds:.1f} s of training ({args.timesteps / seconds:,.0f} steps/s)"
    )
    path = save(
        f"poker_ppo_{args.opponent}",
        {
            "opponent": args.opponent,
            "timesteps": args.timesteps,
            "n_envs": args.n_envs,
            "seed": args.seed,
            "train_seconds": seconds,
            "exact_value": figures,
            "ppo_exploitability": float(exploitability(GAME, learned)),
            "learning_curve": callback.curve,
            "ppo_policy": learned.to_dict(),
        },
    )
    print(f"saved {path}")


if __name__ == "__main__":
    main()
