"""The ``cogym`` command: ``list``, ``run``, ``eval``, ``play``, ``serve``, ``train``, ``plot``."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import statistics
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import gymnasium as gym
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from tqdm import tqdm

import cogym
from cogym import registration
from cogym.agents.backends import MODEL_SPEC_HELP, Backend, SamplingParams, load_backend
from cogym.agents.llm_agent import GenerationStats
from cogym.agents.registry import agent_specs, make_agent
from cogym.agents.rollout import run_episodes
from cogym.core.episode import EpisodeRecord
from cogym.core.errors import CogymError
from cogym.core.spaces import describe_space


def parse_env_kwargs(pairs: Sequence[str]) -> dict[str, Any]:
    """Turn ``["max_turns=2", "preset=hard"]`` into kwargs; values are JSON when they parse."""
    kwargs: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise CogymError(f"--env-kwarg takes KEY=VALUE, got {pair!r}")
        try:
            kwargs[key] = json.loads(raw)
        except json.JSONDecodeError:
            kwargs[key] = raw
    return kwargs


# -- list -------------------------------------------------------------------------------


def env_table_rows() -> list[dict[str, str]]:
    """One row per registered id: id, spaces, turn limit, summary."""
    rows = []
    for family, entry in registration.entries():
        env = family.env_class(**entry.kwargs)
        rows.append(
            {
                "id": entry.id,
                "observation": describe_space(env.observation_space),
                "action": describe_space(env.action_space),
                "max_turns": str(getattr(env, "max_turns", "-")),
                "summary": entry.summary,
            }
        )
        env.close()
    return rows


def markdown_table(rows: list[dict[str, str]]) -> str:
    """The env table as GitHub markdown (the README's table is this output)."""
    header = "| id | observation | action | max turns | description |"
    lines = [header, "|---|---|---|---|---|"]
    for row in rows:
        lines.append(
            f"| `{row['id']}` | `{row['observation']}` | `{row['action']}` "
            f"| {row['max_turns']} | {row['summary']} |"
        )
    return "\n".join(lines)


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    rows = env_table_rows()
    if args.format == "markdown":
        print(markdown_table(rows))
    elif args.format == "json":
        print(json.dumps(rows, indent=2))
    else:
        table = Table(title="cogym envs")
        for column in ("id", "observation", "action", "max turns"):
            table.add_column(column, no_wrap=True)
        table.add_column("description")
        for row in rows:
            table.add_row(*row.values())
        console.print(table)
    return 0


# -- run --------------------------------------------------------------------------------


def summarize(
    records: list[EpisodeRecord], elapsed_s: float, generated_tokens: int | None = None
) -> dict[str, Any]:
    """Success rate, mean return and turns, and throughput of a batch of episodes
    (``{"episodes": 0}`` when there are none, as after an early Ctrl-C)."""
    if not records:
        return {"episodes": 0}
    returns = [record.total_reward for record in records]
    summary = {
        "episodes": len(records),
        "success_rate": sum(record.success for record in records) / len(records),
        "mean_return": statistics.fmean(returns),
        "std_return": statistics.pstdev(returns),
        "mean_turns": statistics.fmean(record.num_turns for record in records),
        "episodes_per_s": len(records) / elapsed_s if elapsed_s > 0 else float("inf"),
    }
    if generated_tokens is not None:
        summary["generated_tokens"] = generated_tokens
        summary["tokens_per_s"] = generated_tokens / elapsed_s if elapsed_s > 0 else float("inf")
    return summary


def agent_options(args: argparse.Namespace, backend: Backend | None) -> dict[str, Any]:
    """The options ``make_agent`` takes for the chosen agent (the LLM's, for ``llm``)."""
    if args.agent != "llm":
        return {}
    sampling = SamplingParams(
        max_new_tokens=args.max_new_tokens, temperature=args.temperature, seed=args.seed
    )
    return {
        "backend": backend,
        "sampling": sampling,
        "max_history_tokens": args.max_history_tokens,
        "strip_think": args.strip_think,
    }


STOPPING_NOTE = b"\nstopping after the current turn (Ctrl-C again stops at once)\n"


@contextlib.contextmanager
def ctrl_c_flag(note: bytes = STOPPING_NOTE) -> Iterator[threading.Event]:
    """An event that the first Ctrl-C (SIGINT) sets, writing ``note`` to stderr; a second
    raises ``KeyboardInterrupt``.

    The episode loop checks the event before every turn, so the first Ctrl-C ends the run
    between turns, with every ended episode both in the JSONL file and in the table (an
    exception raised at an arbitrary point could land between the two, or inside a
    finalizer, where Python drops it). Outside the main thread no handler can be
    installed and the event stays clear.
    """
    event = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield event
        return

    def on_sigint(signum: int, frame: Any) -> None:
        if event.is_set():
            raise KeyboardInterrupt
        event.set()
        os.write(2, note)  # not print(): the handler may interrupt a print

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield event
    finally:
        signal.signal(signal.SIGINT, previous)


def evaluate(
    env_id: str,
    args: argparse.Namespace,
    backend: Backend | None,
    out: TextIO | None = None,
    env: gym.Env | None = None,
) -> dict[str, Any]:
    """Run ``args.episodes`` episodes of ``args.agent`` on ``env_id``; return the summary.

    :param env: an env of ``env_id`` already made; it plays the first slot, so the env is
        built once per slot and never just to be looked at.
    :return: the summary; after Ctrl-C, the summary of the episodes that ended, with
        ``interrupted`` True (its ``episodes`` may then be 0).
    """
    env_kwargs = parse_env_kwargs(args.env_kwarg)
    first = env if env is not None else cogym.make(env_id, **env_kwargs)
    full_id = first.spec.id
    try:
        agent = make_agent(args.agent, first, seed=args.seed, **agent_options(args, backend))
    except BaseException:
        first.close()
        raise
    unused = [first]

    def make_env() -> gym.Env:
        return unused.pop() if unused else cogym.make(full_id, **env_kwargs)

    seeds = list(range(args.seed, args.seed + args.episodes))
    records: list[EpisodeRecord] = []
    with tqdm(total=len(seeds), desc=f"{args.agent} on {full_id}", disable=args.quiet) as bar:

        def done(record: EpisodeRecord) -> None:
            records.append(record)
            bar.update()
            if out is not None:
                out.write(record.to_json() + "\n")
                out.flush()

        start = time.perf_counter()
        with ctrl_c_flag() as ctrl_c:
            try:
                run_episodes(
                    make_env,
                    agent,
                    seeds,
                    batch_size=args.batch,
                    agent_name=args.agent,
                    on_episode=done,
                    stop=ctrl_c.is_set,
                )
            except KeyboardInterrupt:
                pass
            finally:
                for leftover in unused:
                    leftover.close()
        interrupted = ctrl_c.is_set()
        elapsed = time.perf_counter() - start
    stats = getattr(agent, "stats", None)
    tokens = stats.generated_tokens if isinstance(stats, GenerationStats) else None
    summary = {"env": full_id, "agent": args.agent, **summarize(records, elapsed, tokens)}
    if interrupted:
        summary["interrupted"] = True
    return summary


def load_model(args: argparse.Namespace) -> Backend:
    """Load ``--model`` with ``--dtype`` where given (local models only)."""
    local = not args.model.startswith(("openai:", "vllm:"))
    return load_backend(args.model, **({"dtype": args.dtype} if args.dtype and local else {}))


def open_backend(args: argparse.Namespace) -> Backend | None:
    """Load the model once for every run of an LLM agent; ``None`` for other agents."""
    return load_model(args) if args.agent == "llm" else None


def check_counts(args: argparse.Namespace) -> None:
    if args.episodes < 1:
        raise CogymError(f"--episodes must be >= 1, got {args.episodes}")
    if args.batch < 1:
        raise CogymError(f"--batch must be >= 1, got {args.batch}")


def interrupted_line(summaries: list[dict[str, Any]], planned: int) -> str | None:
    """The line that says a run was cut short by Ctrl-C, or ``None`` when it was not."""
    if not any(s.get("interrupted") for s in summaries):
        return None
    ended = sum(s["episodes"] for s in summaries)
    return f"interrupted (Ctrl-C) after {ended} of {planned} episodes; the table covers those."


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    check_counts(args)
    env = cogym.make(args.env_id, **parse_env_kwargs(args.env_kwarg))  # fails before a model loads
    with contextlib.ExitStack() as stack:
        stack.callback(env.close)  # closes it if the model cannot load; no-op once used
        backend = open_backend(args)
        if backend is not None:
            stack.callback(backend.close)
        out = stack.enter_context(Path(args.out).open("w", encoding="utf-8")) if args.out else None
        summary = evaluate(args.env_id, args, backend, out, env=env)
    note = interrupted_line([summary], args.episodes)
    if args.json:
        print(json.dumps(summary))
    elif summary["episodes"]:
        console.print(summary_table([summary]))
    if note is not None:
        Console(stderr=True, soft_wrap=True, highlight=False).print(f"[yellow]{note}[/yellow]")
        return 130
    return 0


def cmd_eval(args: argparse.Namespace, console: Console) -> int:
    check_counts(args)
    env_ids = [env_id.strip() for env_id in args.envs.split(",") if env_id.strip()]
    agents = [agent.strip() for agent in args.agents.split(",") if agent.strip()]
    env_kwargs = parse_env_kwargs(args.env_kwarg)
    for env_id in env_ids:  # every id fails before a model loads
        cogym.make(env_id, **env_kwargs).close()
    summaries: list[dict[str, Any]] = []
    backend = None
    try:
        for agent in agents:
            agent_args = argparse.Namespace(**{**vars(args), "agent": agent})
            if agent == "llm" and backend is None:
                backend = load_model(args)
            for env_id in env_ids:
                summaries.append(evaluate(env_id, agent_args, backend))
                if summaries[-1].get("interrupted"):
                    break
            if summaries and summaries[-1].get("interrupted"):
                break
    finally:
        if backend is not None:
            backend.close()
    done = [s for s in summaries if s["episodes"]]
    table = markdown_summary(done, model=backend.name if backend is not None else None)
    print(table)
    if args.out:
        Path(args.out).write_text(table + "\n", encoding="utf-8")
    note = interrupted_line(summaries, args.episodes * len(env_ids) * len(agents))
    if note is not None:
        Console(stderr=True, soft_wrap=True, highlight=False).print(f"[yellow]{note}[/yellow]")
        return 130
    return 0


def markdown_summary(summaries: list[dict[str, Any]], model: str | None = None) -> str:
    """Summaries as a GitHub markdown table (``cogym eval``'s output)."""
    lines = [
        "| env | agent | episodes | success | mean return | mean turns | episodes/s | tokens/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        agent = f"{s['agent']} ({model})" if s["agent"] == "llm" and model else s["agent"]
        tokens = f"{s['tokens_per_s']:.1f}" if "tokens_per_s" in s else "-"
        lines.append(
            f"| `{s['env']}` | {agent} | {s['episodes']} | {s['success_rate']:.1%} "
            f"| {s['mean_return']:.3f} | {s['mean_turns']:.2f} | {s['episodes_per_s']:.2f} "
            f"| {tokens} |"
        )
    return "\n".join(lines)


def summary_table(summaries: list[dict[str, Any]]) -> Table:
    """A rich table with one row per (env, agent) summary."""
    table = Table(title="cogym run")
    columns = ["env", "agent", "episodes", "success", "mean return", "mean turns", "episodes/s"]
    with_tokens = any("tokens_per_s" in s for s in summaries)
    if with_tokens:
        columns.append("tokens/s")
    for column in columns:
        justify = "left" if column in ("env", "agent") else "right"
        table.add_column(column, justify=justify, no_wrap=True)
    for s in summaries:
        row = [
            s["env"],
            s["agent"],
            str(s["episodes"]),
            f"{s['success_rate']:.1%}",
            f"{s['mean_return']:.3f} ± {s['std_return']:.3f}",
            f"{s['mean_turns']:.2f}",
            f"{s['episodes_per_s']:.2f}",
        ]
        if with_tokens:
            row.append(f"{s['tokens_per_s']:.1f}" if "tokens_per_s" in s else "-")
        table.add_row(*row)
    return table


def cmd_serve(args: argparse.Namespace, console: Console) -> int:
    from cogym.serve import ServeLimits, serve

    limits = ServeLimits(
        max_new_tokens=args.max_new_tokens,
        request_timeout_s=args.request_timeout,
        max_batch_size=args.max_batch_size,
        max_queued=args.max_queued,
        chunk_tokens=args.chunk_tokens,
    )
    backend = load_model(args)
    try:
        serve(backend, host=args.host, port=args.port, model_name=args.name, limits=limits)
    finally:
        backend.close()
    return 0


# -- play -------------------------------------------------------------------------------

_OPEN_TAG = re.compile(r"<([A-Za-z_]+)>")


def unclosed_tag(text: str) -> str | None:
    """The last opened ``<tag>`` in ``text`` when it has no closing tag after it."""
    matches = list(_OPEN_TAG.finditer(text))
    if not matches:
        return None
    last = matches[-1]
    closed = f"</{last.group(1).lower()}>" in text[last.end() :].lower()
    return None if closed else last.group(1)


def read_action() -> str:
    """One action from the terminal; a line that opens a tag (``<submit>``) continues
    over more lines until the tag closes, so code can be typed."""
    action = input("> ")
    while unclosed_tag(action) is not None:
        action += "\n" + input("... ")
    return action


def cmd_play(args: argparse.Namespace, console: Console) -> int:
    env = cogym.make(args.env_id, **parse_env_kwargs(args.env_kwarg))
    console.print(
        "[dim]Type your action and press Enter; after an opening tag such as <submit>, "
        "keep typing lines until its closing tag. /quit leaves, /new starts a new episode.[/dim]"
    )
    seed = args.seed
    try:
        while True:
            observation, info = env.reset(seed=seed)
            seed = None if seed is None else seed + 1
            total = 0.0
            done = False
            console.print(observation, markup=False, highlight=False)
            while not done:
                if info.get("legal_actions"):
                    legal = escape(", ".join(map(str, info["legal_actions"])))
                    console.print(f"[dim]legal actions: {legal}[/dim]")
                try:
                    action = read_action()
                except EOFError:
                    return 0
                if action.strip() == "/quit":
                    return 0
                if action.strip() == "/new":
                    break
                observation, reward, terminated, truncated, info = env.step(action)
                total += reward
                done = terminated or truncated
                console.print(observation, markup=False, highlight=False)
                console.print(f"[dim]reward {reward:+.2f}  turn {info.get('turn')}[/dim]")
            if done:
                verdict = "solved" if info.get("success") else "not solved"
                console.print(f"[bold]Episode over: {verdict}, return {total:+.2f}.[/bold]")
    finally:
        env.close()


# -- plot -------------------------------------------------------------------------------


def cmd_plot(args: argparse.Namespace, console: Console) -> int:
    from cogym.training.metrics import MetricsWarning
    from cogym.training.plot import plot_run

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MetricsWarning)
        paths = plot_run(args.run_dir, out_dir=args.out, keys=args.key)
    notes = Console(stderr=True, soft_wrap=True, highlight=False, emoji=False)
    for warning in caught:  # a skipped line (a stopped run's last one) is a note, not a failure
        notes.print(f"[yellow]{escape(str(warning.message))}[/yellow]")
    for path in paths:
        print(path)
    return 0


def add_plot_parser(commands: Any) -> None:
    """``cogym plot RUN_DIR``: a training run's metrics.jsonl drawn to PNG files."""
    plot = commands.add_parser("plot", help="plot a training run's metrics.jsonl to PNG files")
    plot.add_argument("run_dir", help="a training run's directory (it holds metrics.jsonl)")
    plot.add_argument("--out", help="folder for the PNG files (default: RUN_DIR/plots)")
    plot.add_argument(
        "--key",
        action="append",
        metavar="KEY",
        help="also draw this metric alone to KEY.png; a glob such as 'success_rate/*' "
        "draws each match (repeatable)",
    )
    plot.set_defaults(handler=cmd_plot)


# -- train ------------------------------------------------------------------------------

#: ``--resume`` without a value: output_dir's newest checkpoint.
RESUME_LATEST = ""
TRAIN_STOPPING_NOTE = (
    b"\nstopping after the current step and saving a checkpoint (Ctrl-C again stops at once)\n"
)


def load_train_config(args: argparse.Namespace) -> Any:
    """The run's :class:`~cogym.training.GRPOConfig`: the file, then the ``key=value``
    overrides, checked against the registry and the task split (nothing loads a model)."""
    from cogym.training import GRPOConfig
    from cogym.training.schedule import tasks_per_env

    if args.steps is not None and args.steps < 1:
        raise CogymError(f"--steps must be >= 1, got {args.steps}")
    config = GRPOConfig.from_yaml(args.config)
    if args.overrides:
        config = config.with_overrides(args.overrides)
    config.validate_envs()
    tasks_per_env(config)
    return config


def check_train_envs(config: Any) -> None:
    """Build and close one env (or game) of each mix entry, so bad kwargs fail now."""
    from cogym.registration import resolve_id
    from cogym.training.selfplay_rollout import game_factory

    for index, mix in enumerate(config.envs):
        try:
            if mix.self_play:
                env = game_factory(resolve_id(mix.id), mix.kwargs)()
            else:
                env = cogym.make(mix.id, **mix.kwargs)
        except CogymError as error:
            raise CogymError(f"envs.{index} ({mix.id}): {error}") from None
        except TypeError as error:  # an unknown keyword of the game's constructor
            raise CogymError(f"envs.{index}.kwargs ({mix.id}): {error}") from None
        env.close()


def check_train_extras(config: Any) -> None:
    """Fail before the model loads when the config needs a package that is missing."""
    import importlib.util

    if config.lora is not None and importlib.util.find_spec("peft") is None:
        raise CogymError("lora needs peft: pip install 'cogym[train]'; or set lora=null")
    if config.backend == "vllm" and importlib.util.find_spec("vllm") is None:
        raise CogymError("backend: vllm needs vllm installed; or set backend=transformers")


def resume_folder(args: argparse.Namespace, config: Any) -> Path | None:
    """The checkpoint ``--resume`` names: the newest of ``output_dir`` (no value), the
    folder given, or the newest of a run folder given; ``None`` without ``--resume``."""
    from cogym.training.checkpoint import STATE_FILE, latest_checkpoint

    run_dir = Path(config.output_dir)
    if args.resume is None:
        if (run_dir / "metrics.jsonl").exists() or latest_checkpoint(run_dir) is not None:
            raise CogymError(
                f"{run_dir} already holds a run; pass --resume to continue it, or "
                "output_dir=OTHER_FOLDER to start a new one (or delete the folder)"
            )
        return None
    if args.resume == RESUME_LATEST:
        folder = latest_checkpoint(run_dir)
        if folder is None:
            raise CogymError(
                f"--resume: {run_dir / 'checkpoints'} holds no checkpoint to resume from; "
                "train without --resume, or pass --resume CHECKPOINT_FOLDER"
            )
    else:
        folder = Path(args.resume)
        if not (folder / STATE_FILE).is_file():
            folder = latest_checkpoint(folder) or folder
        if not (folder / STATE_FILE).is_file():
            raise CogymError(
                f"--resume: {args.resume} holds no checkpoint ({STATE_FILE} missing); pass a "
                "RUN_DIR/checkpoints/step_NNNNNN folder or a run folder that has one"
            )
    taken = re.fullmatch(r"step_(\d+)", folder.name)
    if taken and int(taken.group(1)) >= config.total_steps:
        raise CogymError(
            f"--resume: {folder} was taken after step {int(taken.group(1))}, and this run has "
            f"total_steps={config.total_steps}; raise total_steps (total_steps=N) to train on"
        )
    return folder


def train_header(config: Any, resume: Path | None) -> list[str]:
    """The lines printed before training: model, env mix, batch shape, steps, output."""
    from cogym.training.schedule import tasks_per_env

    envs = []
    for mix, tasks in zip(config.envs, tasks_per_env(config), strict=True):
        kind = ", self-play" if mix.self_play else ""
        plural = "task" if tasks == 1 else "tasks"
        envs.append(f"{mix.id} (weight {mix.weight:g}, {tasks} {plural}/step{kind})")
    tuning = "full fine-tuning" if config.lora is None else f"LoRA r={config.lora.r}"
    steps = f"{config.total_steps} steps"
    if resume is not None:
        steps += f", resuming from {resume}"
    return [
        f"model   {config.model} ({tuning}, device {config.device}, backend {config.backend})",
        f"envs    {'; '.join(envs)}",
        f"batch   G={config.group_size} x {config.tasks_per_step} tasks = "
        f"{config.episodes_per_step} episodes/step, lr {config.learning_rate:g} "
        f"({config.lr_schedule})",
        f"steps   {steps}",
        f"output  {config.output_dir}",
    ]


def _fixed(value: Any, spec: str, width: int) -> str:
    """``value`` formatted with ``spec``, or ``-`` for a missing value, right-aligned."""
    text = "-" if value is None else format(value, spec)
    return text.rjust(width)


def train_step_line(metrics: dict[str, Any], total_steps: int, with_kl: bool) -> str:
    """One fixed-format line per step (the numbers of ``metrics.jsonl``'s line)."""
    digits = len(str(max(total_steps - 1, 0)))
    success = metrics.get("success_rate")
    parts = [
        f"step {metrics['step']:>{digits}d}",
        f"reward {_fixed(metrics.get('reward_mean'), '.3f', 6)}",
        f"success {_fixed(None if success is None else 100 * success, '.1f', 5)}%",
        f"zero-var {_fixed(metrics.get('zero_variance_fraction'), '.2f', 4)}",
    ]
    if with_kl:
        parts.append(f"kl {_fixed(metrics.get('kl'), '.2e', 9)}")
    parts += [
        f"entropy {_fixed(metrics.get('entropy'), '.3f', 6)}",
        f"lp-gap {_fixed(metrics.get('logprob_gap_max'), '.1e', 7)}",
        f"tok/s {_fixed(metrics.get('generated_tokens_per_s'), '.0f', 6)}",
        f"time {_fixed(metrics.get('step_time_s'), '.1f', 5)}s",
    ]
    return "  ".join(parts)


def resume_command(args: argparse.Namespace) -> str:
    """The command line that resumes this run."""
    import shlex

    return shlex.join(["cogym", "train", "grpo", "--config", args.config, *args.overrides])


def checkpoint_now(trainer: Any) -> Path:
    """The checkpoint of the trainer's current step, written unless it exists already."""
    from cogym.training.checkpoint import STATE_FILE, checkpoint_dir

    folder = checkpoint_dir(trainer.run_dir, trainer.step_index)
    return folder if (folder / STATE_FILE).is_file() else trainer.save_checkpoint()


def cmd_train_grpo(args: argparse.Namespace, console: Console) -> int:
    from cogym.training.metrics import METRICS_FILE
    from cogym.training.trainer import GRPOTrainer

    if args.resume is not None and "=" in args.resume and not Path(args.resume).exists():
        # argparse gave `--resume key=value` the override: it is an override
        args.overrides = [*args.overrides, args.resume]
        args.resume = RESUME_LATEST
    config = load_train_config(args)  # every check here runs before the model loads
    check_train_extras(config)
    resume = resume_folder(args, config)
    check_train_envs(config)
    notes = Console(stderr=True, soft_wrap=True, highlight=False, emoji=False)
    for line in train_header(config, resume):
        console.print(escape(line), highlight=False, soft_wrap=True)
    console.print("[dim]loading the model...[/dim]")
    run_dir = Path(config.output_dir)
    with GRPOTrainer(config) as trainer:
        if resume is not None:
            trainer.load_checkpoint(resume)
        start = trainer.step_index
        end = (
            config.total_steps
            if args.steps is None
            else min(config.total_steps, start + args.steps)
        )
        with_kl = config.kl_beta > 0
        bar = tqdm(
            total=config.total_steps, initial=start, desc="grpo", unit="step", disable=args.quiet
        )

        def on_step(metrics: dict[str, Any]) -> None:
            bar.update()
            bar.write(train_step_line(metrics, config.total_steps, with_kl), file=sys.stdout)

        try:
            with bar, ctrl_c_flag(TRAIN_STOPPING_NOTE) as ctrl_c:
                trainer.train(
                    on_step=on_step, stop=lambda: ctrl_c.is_set() or trainer.step_index >= end
                )
        except KeyboardInterrupt:
            notes.print(
                f"[yellow]aborted (second Ctrl-C) during step {trainer.step_index}; that step "
                f"is lost. Resume from the newest checkpoint: "
                f"{escape(resume_command(args))} --resume[/yellow]"
            )
            return 130
        interrupted = ctrl_c.is_set()
        saved = checkpoint_now(trainer) if trainer.step_index > start else None
    trained = trainer.step_index - start
    console.print(
        f"trained      {trained} steps, {trainer.step_index} of {config.total_steps} done"
    )
    console.print(f"metrics      {escape(str(run_dir / METRICS_FILE))}")
    if saved is not None:
        console.print(
            f"checkpoint   {escape(str(saved))} (model in {escape(str(saved / 'model'))})"
        )
    console.print(f"plot         cogym plot {escape(str(run_dir))}")
    if trainer.step_index < config.total_steps:
        how = "interrupted (Ctrl-C)" if interrupted else f"stopped by --steps {args.steps}"
        notes.print(
            f"[yellow]{how} after {trainer.step_index} of {config.total_steps} steps; resume: "
            f"{escape(resume_command(args))} --resume[/yellow]"
        )
        return 130 if interrupted else 0
    return 0


def add_train_parser(commands: Any) -> None:
    """``cogym train grpo --config FILE [KEY=VALUE ...]``: train a model on cogym envs."""
    train = commands.add_parser("train", help="train an LLM on cogym envs (grpo)")
    methods = train.add_subparsers(dest="method", metavar="METHOD")
    train.set_defaults(handler=lambda args, console: train.print_help() or 0)
    grpo = methods.add_parser(
        "grpo",
        help="GRPO on a mix of envs, from a YAML config (see examples/grpo_*.yaml)",
        description="Train with GRPO. The first Ctrl-C finishes the current step, saves a "
        "checkpoint and exits 130; a second one stops at once. A checkpoint is also saved "
        "at the end (and every checkpoint_every steps). Give the KEY=VALUE overrides "
        "together, e.g. right after --config FILE.",
    )
    grpo.add_argument(
        "--config", required=True, metavar="FILE", help="the run's YAML file (GRPOConfig fields)"
    )
    grpo.add_argument(
        "overrides",
        nargs="*",
        metavar="KEY=VALUE",
        help="override a config field, e.g. learning_rate=2e-6 lora.r=8 "
        "envs.0.kwargs.max_turns=3 (values are YAML)",
    )
    grpo.add_argument(
        "--resume",
        nargs="?",
        const=RESUME_LATEST,
        metavar="CHECKPOINT",
        help="continue from output_dir's newest checkpoint, or from this checkpoint folder "
        "(or run folder); pass the same config and overrides",
    )
    grpo.add_argument(
        "--steps",
        type=int,
        metavar="N",
        help="train at most N steps now, save a checkpoint and stop (continue later with "
        "--resume); total_steps and the schedules are unchanged",
    )
    grpo.add_argument("--quiet", action="store_true", help="no progress bar (step lines stay)")
    grpo.set_defaults(handler=cmd_train_grpo)


# -- entry point ------------------------------------------------------------------------


def add_agent_arguments(
    parser: argparse.ArgumentParser, flag: str, default: str, dest: str = "agent"
) -> None:
    """The options shared by ``run`` and ``eval``: agent, episodes, seeds, model, sampling."""
    agent_help = "; ".join(f"{spec.name}: {spec.summary}" for spec in agent_specs())
    if dest == "agents":
        agent_help = "comma-separated agent names. " + agent_help
    parser.add_argument(flag, dest=dest, default=default, help=agent_help)
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0, help="episode i uses seed SEED+i")
    parser.add_argument("--batch", type=int, default=1, help="episodes played at once")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--env-kwarg", action="append", default=[], metavar="KEY=VALUE")
    llm = parser.add_argument_group("llm agent")
    llm.add_argument("--model", default="builtin", help=MODEL_SPEC_HELP)
    llm.add_argument("--dtype", help="local models: float32 (CPU default), bfloat16...")
    llm.add_argument("--max-new-tokens", type=int, default=256)
    llm.add_argument("--temperature", type=float, default=0.0, help="0 is greedy")
    llm.add_argument("--max-history-tokens", type=int, default=2048)
    llm.add_argument("--strip-think", action="store_true", help="drop <think> blocks")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cogym", description=cogym.__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"cogym {cogym.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="list every env id with its spaces")
    listing.add_argument("--format", choices=("table", "markdown", "json"), default="table")
    listing.set_defaults(handler=cmd_list)

    run = commands.add_parser("run", help="run an agent for some episodes and summarize")
    run.add_argument("env_id", help="e.g. cogym/Countdown-v0 (the cogym/ prefix is optional)")
    add_agent_arguments(run, "--agent", "random")
    run.add_argument("--out", help="write one JSON episode record per line to this file")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    run.set_defaults(handler=cmd_run)

    evaluation = commands.add_parser("eval", help="run agents on several envs: a markdown table")
    evaluation.add_argument("--envs", required=True, help="comma-separated env ids")
    add_agent_arguments(evaluation, "--agents", "llm", dest="agents")
    evaluation.add_argument("--out", help="also write the markdown table to this file")
    evaluation.set_defaults(handler=cmd_eval)

    server = commands.add_parser("serve", help="serve a model over an OpenAI-compatible API")
    server.add_argument("--model", default="builtin", help=MODEL_SPEC_HELP)
    server.add_argument("--dtype", help="float32 (CPU default), bfloat16...")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8000)
    server.add_argument("--name", help="the model id clients use (default: the model's name)")
    server.add_argument(
        "--max-new-tokens",
        type=int,
        default=4096,
        help="the most tokens a completion may ask for, and the default (default 4096)",
    )
    server.add_argument(
        "--request-timeout",
        type=float,
        default=300.0,
        help="seconds a request may wait and generate before a 504 (default 300)",
    )
    server.add_argument(
        "--max-batch-size", type=int, default=64, help="completions per model call (default 64)"
    )
    server.add_argument(
        "--max-queued",
        type=int,
        default=256,
        help="requests held at once (waiting or generating); more get 503 (default 256)",
    )
    server.add_argument(
        "--chunk-tokens",
        type=int,
        default=64,
        help="tokens a request generates before the next gets its turn (default 64)",
    )
    server.set_defaults(handler=cmd_serve)

    play = commands.add_parser("play", help="play an env yourself in the terminal")
    play.add_argument("env_id")
    play.add_argument("--seed", type=int, default=None)
    play.add_argument("--env-kwarg", action="append", default=[], metavar="KEY=VALUE")
    play.set_defaults(handler=cmd_play)

    add_plot_parser(commands)
    add_train_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``cogym`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    # Pipes and logs get wide tables, even when FORCE_COLOR makes rich act as a terminal.
    console = Console() if sys.stdout.isatty() else Console(width=140)
    try:
        return args.handler(args, console)
    except CogymError as error:
        # soft_wrap: never break a message (a long path) at the terminal's width
        Console(stderr=True, soft_wrap=True, highlight=False, emoji=False).print(
            f"[red]error:[/red] {escape(str(error))}"
        )
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
