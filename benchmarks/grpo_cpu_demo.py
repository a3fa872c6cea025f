"""GRPO on a 2-core CPU: the built-in SmolLM2-135M-Instruct learns a cogym env in under an hour.

Usage: python benchmarks/grpo_cpu_demo.py [--env ID] [--train-minutes 35] [--eval-episodes 200]

1. Evaluates the model on ``--eval-episodes`` held-out tasks (seeds never trained on):
   mean return and success rate, with 95% confidence intervals.
2. Trains it with cogym's GRPO trainer (:class:`cogym.training.trainer.GRPOTrainer`) for
   ``--steps`` steps or ``--train-minutes``, whichever ends first.
3. Evaluates it again on the same tasks, and reports the rise with the 95% interval of
   the difference (two independent means: ``d +- 1.96 sqrt(se_before^2 + se_after^2)``).

Writes ``benchmarks/results/grpo_cpu_demo.json`` (figures, settings, where each step's
time went: generation, env stepping, scoring, backward), the run's ``metrics.jsonl`` and
``curves.png`` under ``--run-dir``, and ``benchmarks/results/grpo_cpu_demo.png`` (the
training curve with the before/after evaluations). ``--model`` takes a local model folder
instead of the built-in model (the tests run this script on a tiny random model).
"""

from __future__ import annotations

import argparse
import json
import math
import operator
import random
import sys
import time
from pathlib import Path
from typing import Any

from common import RESULTS, save

from cogym.training import GRPOConfig
from cogym.training.evaluation import Z95
from cogym.training.trainer import GRPOTrainer


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", default="cogym/Countdown-Easy-v0")
    parser.add_argument("--env-kwargs", default="{}", help="JSON kwargs for the env")
    parser.add_argument(
        "--arithmetic",
        action="store_true",
        help="train and evaluate cogym/Math-v0 on generated one- and two-digit arithmetic "
        "questions: a training file and a disjoint held-out file, written to --run-dir",
    )
    parser.add_argument("--model", default="builtin")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--train-minutes", type=float, default=35.0)
    parser.add_argument("--eval-episodes", type=int, default=200)
    parser.add_argument("--eval-batch", type=int, default=50)
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--tasks-per-step", type=int, default=2)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--learning-rate", type=float, default=1e-5)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--run-dir", default="runs/grpo_cpu_demo")
    parser.add_argument("--name", default="grpo_cpu_demo", help="result file stem")
    parser.add_argument("--out", default=None, help="result JSON (default benchmarks/results)")
    parser.add_argument(
        "--replot", default=None, help="redraw the PNG of a saved result JSON, and stop"
    )
    return parser.parse_args(argv)


def arithmetic_tasks(folder: Path, seed: int = 0) -> tuple[Path, Path]:
    """Write ``a + b``, ``a - b`` and ``a * b`` questions (a, b in 1..20) as two math
    task files: 60% for training and the rest, never trained on, for evaluation."""
    operations = {"+": operator.add, "-": operator.sub, "*": operator.mul}
    rows = [
        {"question": f"What is {a} {op} {b}?", "answer": str(apply(a, b))}
        for a in range(1, 21)
        for b in range(1, 21)
        for op, apply in operations.items()
    ]
    random.Random(seed).shuffle(rows)
    cut = int(len(rows) * 0.6)
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "arithmetic_train.jsonl", folder / "arithmetic_heldout.jsonl"
    for path, part in zip(paths, (rows[:cut], rows[cut:]), strict=True):
        path.write_text("".join(json.dumps(row) + "\n" for row in part), encoding="utf-8")
    return paths


def config_of(args: argparse.Namespace, env_kwargs: dict[str, Any]) -> GRPOConfig:
    return GRPOConfig(
        model=args.model,
        device="cpu",
        dtype="float32",
        envs=[{"id": args.env, "kwargs": env_kwargs}],
        group_size=args.group_size,
        tasks_per_step=args.tasks_per_step,
        max_new_tokens_per_turn=args.max_new_tokens,
        max_tokens_per_episode=args.max_new_tokens * 4,
        temperature=args.temperature,
        learning_rate=args.learning_rate,
        total_steps=args.steps,
        loss_aggregation="token_mean",
        reward_scaling="group",
        seed=args.seed,
        output_dir=args.run_dir,
    )


def difference(before: dict[str, float], after: dict[str, float], key: str) -> dict[str, float]:
    """``after - before`` of a mean with its 95% interval (independent samples)."""
    half_before = (before[f"eval/{key}_ci_high"] - before[f"eval/{key}_ci_low"]) / 2
    half_after = (after[f"eval/{key}_ci_high"] - after[f"eval/{key}_ci_low"]) / 2
    mean_key = "reward_mean" if key == "reward" else "success_rate"
    delta = after[f"eval/{mean_key}"] - before[f"eval/{mean_key}"]
    half = math.hypot(half_before, half_after)
    return {"delta": delta, "ci_low": delta - half, "ci_high": delta + half, "z": Z95}


def draw(history: list[dict[str, Any]], before: dict, after: dict, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4), dpi=110)
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    steps = [m["step"] for m in history]
    for key, label in (
        ("reward_mean", "train reward (mean of G x tasks)"),
        ("success_rate", "train success"),
    ):
        values = [m[key] for m in history]
        window = 5
        smooth = [
            sum(values[max(0, i - window + 1) : i + 1])
            / len(values[max(0, i - window + 1) : i + 1])
            for i in range(len(values))
        ]
        left.plot(steps, values, alpha=0.3)
        left.plot(steps, smooth, label=f"{label}, 5-step mean")
    left.set_xlabel("GRPO step")
    left.set_title("training")
    left.legend(fontsize=7)
    for offset, (name, result) in enumerate((("before", before), ("after", after))):
        for index, (key, low, high) in enumerate(
            (
                ("reward_mean", "reward_ci_low", "reward_ci_high"),
                ("success_rate", "success_ci_low", "success_ci_high"),
            )
        ):
            value = result[f"eval/{key}"]
            error = [
                [max(value - result[f"eval/{low}"], 0.0)],
                [max(result[f"eval/{high}"] - value, 0.0)],
            ]
            right.bar(
                index * 3 + offset,
                value,
                yerr=error,
                capsize=4,
                color=("grey", "tab:blue")[offset],
                label=name if index == 0 else None,
            )
    right.set_xticks([0.5, 3.5], ["mean return", "success rate"])
    right.set_title(f"held-out evaluation, {before['eval/episodes']} episodes, 95% CI")
    right.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    if args.replot:
        saved = json.loads(Path(args.replot).read_text())
        draw(saved["curve"], saved["before"], saved["after"], Path(args.replot).with_suffix(".png"))
        return saved
    env_kwargs = json.loads(args.env_kwargs)
    eval_kwargs: dict[str, dict[str, Any]] = {}
    if args.arithmetic:
        train_file, heldout_file = arithmetic_tasks(Path(args.run_dir) / "tasks", args.seed)
        args.env = "cogym/Math-v0"
        env_kwargs = {"max_turns": 1, **env_kwargs, "tasks_path": str(train_file)}
        eval_kwargs = {args.env: {"tasks_path": str(heldout_file)}}
    config = config_of(args, env_kwargs)
    started = time.perf_counter()
    trainer = GRPOTrainer(config)
    try:
        print(
            f"evaluating before training: {args.eval_episodes} episodes of {args.env}", flush=True
        )
        t0 = time.perf_counter()
        before = trainer.evaluate(
            args.eval_episodes, batch_size=args.eval_batch, env_kwargs=eval_kwargs
        )
        eval_before_s = time.perf_counter() - t0
        print(json.dumps(before), flush=True)
        trainer.logger.log(0, before)
        history = []
        deadline = time.perf_counter() + args.train_minutes * 60
        t0 = time.perf_counter()
        while trainer.step_index < config.total_steps and time.perf_counter() < deadline:
            metrics = trainer.step()
            history.append(metrics)
            print(
                f"step {metrics['step']:3d}  reward {metrics['reward_mean']:+.3f}  success "
                f"{metrics['success_rate']:.2f}  zero-var {metrics['zero_variance_fraction']:.2f}  "
                f"gap {metrics['logprob_gap_max'] or 0:.1e}  {metrics['step_time_s']:.1f}s",
                flush=True,
            )
        train_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        after = trainer.evaluate(
            args.eval_episodes, batch_size=args.eval_batch, env_kwargs=eval_kwargs
        )
        eval_after_s = time.perf_counter() - t0
        print(json.dumps(after), flush=True)
        trainer.logger.log(trainer.step_index, after)
    finally:
        trainer.close()
    times = {
        key: sum(m.get(key) or 0.0 for m in history)
        for key in (
            "time/generation_s",
            "time/env_s",
            "time/scoring_s",
            "time/backward_s",
            "step_time_s",
        )
    }
    result = {
        "settings": {k: v for k, v in vars(args).items()},
        "config": config.to_dict(),
        "eval_env_kwargs": eval_kwargs,
        "steps_trained": len(history),
        "before": before,
        "after": after,
        "rise": {
            "reward": difference(before, after, "reward"),
            "success": difference(before, after, "success"),
        },
        "seconds": {
            "total": time.perf_counter() - started,
            "eval_before": eval_before_s,
            "train": train_s,
            "eval_after": eval_after_s,
            **{f"train_{k.split('/')[-1].removesuffix('_s')}": v for k, v in times.items()},
        },
        "curve": [
            {
                k: m.get(k)
                for k in (
                    "step",
                    "reward_mean",
                    "success_rate",
                    "zero_variance_fraction",
                    "step_time_s",
                )
            }
            for m in history
        ],
    }
    out = Path(args.out) if args.out else RESULTS / f"{args.name}.json"
    if args.out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
    else:
        out = save(args.name, result)
    picture = out.with_suffix(".png")
    if history:
        draw(history, before, after, picture)
    from cogym.training.plot import plot_run

    plot_run(args.run_dir)
    rise = result["rise"]
    print(
        f"\nreturn {before['eval/reward_mean']:+.3f} -> {after['eval/reward_mean']:+.3f} "
        f"(rise {rise['reward']['delta']:+.3f}, 95% CI [{rise['reward']['ci_low']:+.3f}, "
        f"{rise['reward']['ci_high']:+.3f}])\nsuccess {before['eval/success_rate']:.3f} -> "
        f"{after['eval/success_rate']:.3f} (rise {rise['success']['delta']:+.3f}, 95% CI "
        f"[{rise['success']['ci_low']:+.3f}, {rise['success']['ci_high']:+.3f}])\n"
        f"{len(history)} steps in {train_s / 60:.1f} min; wrote {out} and {picture}"
    )
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
