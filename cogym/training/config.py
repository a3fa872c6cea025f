"""The GRPO run's settings: one frozen dataclass, loaded from YAML, overridden from the CLI.

Every impossible setting fails when the config is built, with a message that names the
field and says what to change, so a run never fails late (or trains silently wrong) on
a bad setting. Env ids are checked against the registry only by
:meth:`GRPOConfig.validate_envs`, so a config can be built and tested without the envs.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from cogym.core.checks import (
    check_bool,
    check_choice,
    check_int,
    check_number,
    check_path,
    check_text,
    is_int,
    shown,
)
from cogym.core.errors import InvalidArgumentError
from cogym.training.overrides import apply_override, reject_unknown
from cogym.training.yaml_io import load_yaml, yaml_classes, yaml_module

DTYPES = ("auto", "float32", "bfloat16")
LR_SCHEDULES = ("constant", "linear", "cosine")
LOSS_AGGREGATIONS = ("token_mean", "seq_mean", "dr_grpo")
REWARD_SCALINGS = ("group", "batch", "none")
SAMPLE_UNITS = ("episode", "turn")
BACKENDS = ("transformers", "vllm")
#: The largest seed taken: torch's generators hold 64 bits.
MAX_SEED = 2**63 - 1
_DEVICE = re.compile(r"auto|cpu|cuda(:\d+)?")


@dataclasses.dataclass(frozen=True, kw_only=True)
class EnvMix:
    """One env of the training mix.

    :param id: the env id, ``cogym/`` prefix optional (checked by
        :meth:`GRPOConfig.validate_envs`, not here).
    :param kwargs: keyword arguments for ``cogym.make`` (a copy is kept, tuples as lists,
        so it reads back from YAML equal).
    :param weight: the env's share of the tasks, relative to the other envs' weights;
        positive and finite.
    :param self_play: play the family's two-player game with the policy in every seat
        (its PettingZoo AEC env, with ``kwargs``) instead of the single-agent env; each
        seat's advantage is its return minus an EMA baseline per game and role (SPIRAL).
    """

    id: str
    kwargs: dict[str, Any] = dataclasses.field(default_factory=dict, hash=False)
    weight: float = 1.0
    self_play: bool = False

    def __post_init__(self) -> None:
        _check_field("id", check_text, self.id, owner="")
        if not isinstance(self.kwargs, Mapping) or not all(isinstance(k, str) for k in self.kwargs):
            raise InvalidArgumentError(
                f"kwargs must be a mapping of keyword names to values, got {shown(self.kwargs)}"
            )
        _check_finite("kwargs", self.kwargs)
        object.__setattr__(self, "kwargs", _plain(self.kwargs))
        weight = _check_field(
            "weight", check_number, self.weight, minimum=0, exclusive_minimum=True, owner=""
        )
        object.__setattr__(self, "weight", weight)
        _check_field("self_play", check_bool, self.self_play, owner="")

    @classmethod
    def from_value(cls, value: Any) -> EnvMix:
        """An :class:`EnvMix` from itself, an env id string, or a mapping of its fields."""
        if isinstance(value, EnvMix):
            return value
        if isinstance(value, str):
            return cls(id=value)
        if isinstance(value, Mapping):
            reject_unknown(value, _field_names(cls))
            if "id" not in value:
                raise InvalidArgumentError(f"id is missing: give the env id, e.g. {_ENV_EXAMPLE}")
            return cls(**value)
        raise InvalidArgumentError(
            f"must be an env id or a mapping with id, kwargs and weight, got {shown(value)}"
        )

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain data (a deep copy of ``kwargs``)."""
        return {
            "id": self.id,
            "kwargs": _plain(self.kwargs),
            "weight": self.weight,
            "self_play": self.self_play,
        }


@dataclasses.dataclass(frozen=True, kw_only=True)
class LoraConfig:
    """LoRA adapters (peft) instead of full fine-tuning.

    :param r: the adapters' rank, >= 1.
    :param alpha: the scaling numerator (the update is scaled by ``alpha / r``), > 0.
    :param dropout: dropout on the adapters' input, in [0, 1).
    :param target_modules: the module names that get adapters, or ``("all-linear",)``.
    """

    r: int = 16
    alpha: float = 32.0
    dropout: float = 0.0
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")

    def __post_init__(self) -> None:
        _check_field("r", check_int, self.r, minimum=1, owner="")
        alpha = _check_field(
            "alpha", check_number, self.alpha, minimum=0, exclusive_minimum=True, owner=""
        )
        object.__setattr__(self, "alpha", alpha)
        dropout = _check_field("dropout", check_number, self.dropout, minimum=0, owner="")
        _require(dropout < 1, "dropout", f"must be < 1, got {dropout:g}", owner="")
        object.__setattr__(self, "dropout", dropout)
        modules = self.target_modules
        _require(
            isinstance(modules, (list, tuple))
            and len(modules) > 0
            and all(isinstance(name, str) and name.strip() for name in modules),
            "target_modules",
            f"must be a non-empty list of module names, got {shown(modules)}",
            owner="",
        )
        object.__setattr__(self, "target_modules", tuple(modules))

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain data (``target_modules`` as a list)."""
        return {
            "r": self.r,
            "alpha": self.alpha,
            "dropout": self.dropout,
            "target_modules": list(self.target_modules),
        }


@dataclasses.dataclass(frozen=True, kw_only=True)
class GRPOConfig:
    """The settings of one GRPO run; defaults follow the literature (DAPO, Dr. GRPO).

    Built with keywords, from a dict (:meth:`from_dict`) or a YAML file
    (:meth:`from_yaml`); :meth:`with_overrides` applies CLI ``key=value`` strings.

    Model and hardware:

    :param model: ``"builtin"`` (SmolLM2-135M-Instruct) or a local transformers model path.
    :param dtype: the weights' dtype: ``"auto"`` (float32 on CPU, bfloat16 on CUDA),
        ``"float32"`` or ``"bfloat16"`` (float16 is not offered: it needs loss scaling).
    :param device: ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    :param bf16: bfloat16 autocast for the trainer's forward passes: ``"auto"`` (on CUDA
        only), ``True`` (not with ``device: cpu``) or ``False``.
    :param backend: the generation backend, ``"transformers"`` (generates with the policy
        being trained) or ``"vllm"`` (weights synced after each update).

    Rollouts:

    :param envs: the env mix, at least one :class:`EnvMix`.
    :param group_size: G, episodes per task, sharing the env seed; >= 2.
    :param tasks_per_step: tasks (groups) per step; a step has ``tasks_per_step *
        group_size`` episodes.
    :param max_turns: the policy turns an episode may take, or ``None`` for each env's own.
    :param max_new_tokens_per_turn: the tokens the policy may generate in one turn (256).
    :param max_tokens_per_episode: the tokens the policy may generate over an episode
        (1024), at least ``max_new_tokens_per_turn``.
    :param temperature: sampling temperature, > 0 (1.0: sample from the policy itself).
    :param top_p: nucleus sampling mass in (0, 1] (1.0: off, so the log-probs are the
        policy's own).
    :param horizon_schedule: ``None``, or ``(step, max_turns)`` pairs that raise the turn
        limit during training (AgentGym-RL's ScalingInter-RL): the first at step 0, steps
        and turn limits strictly increasing, steps below ``total_steps`` and limits at most
        ``max_turns``.

    Optimisation:

    :param learning_rate: the peak learning rate (1e-6, as in DAPO).
    :param lr_schedule: ``"constant"``, ``"linear"`` (decay to 0 at ``total_steps``) or
        ``"cosine"``, after ``warmup_steps`` of linear warmup.
    :param warmup_steps: steps of linear warmup from 0, at most ``total_steps``.
    :param total_steps: the steps of the run.
    :param updates_per_batch: mu, optimiser passes over each batch (1: on-policy).
    :param gradient_accumulation_steps: micro-batches per optimiser step; must divide
        ``tasks_per_step * group_size``.
    :param max_grad_norm: the gradient-norm clip (1.0), or ``None`` for none.
    :param lora: ``None`` for full fine-tuning, or a :class:`LoraConfig` (a mapping
        ``{r, alpha, dropout, target_modules}`` in YAML).
    :param off_policy_steps: 0, or 1 to generate step k+1 while step k trains (the
        staleness bound; the ratio uses the stored behaviour log-probs).

    Loss:

    :param clip_low: PPO's epsilon below 1, in (0, 1) (0.2).
    :param clip_high: PPO's epsilon above 1, in (0, 1) (0.28, DAPO's clip-higher).
    :param ratio_cap: ``None``, or a two-sided cap on the ratio for negative advantages
        (dual-clip), > ``1 + clip_high``.
    :param kl_beta: the weight of the k3 KL to a reference model, >= 0 (0.0: no
        reference model is loaded).
    :param loss_aggregation: ``"token_mean"`` (DAPO: mean over all tokens of the batch),
        ``"seq_mean"`` (GRPO: mean per sequence, then over sequences) or ``"dr_grpo"``
        (sum over tokens divided by a constant).
    :param dr_grpo_normaliser: the constant of ``dr_grpo``, in tokens; ``None`` for
        ``max_tokens_per_episode``. Only with ``loss_aggregation: dr_grpo``.
    :param reward_scaling: advantages are rewards minus the group mean divided by the
        ``"group"``'s std (GRPO), by the ``"batch"``'s std, or not divided (``"none"``,
        Dr. GRPO).
    :param dynamic_sampling: drop groups whose rewards are all equal (DAPO); off by default.
    :param mask_truncated: give truncated episodes (turn limit or token budget) no loss
        (DAPO's overlong filtering); off by default.
    :param sample_unit: ``"episode"`` (one sequence per episode, env tokens masked) or
        ``"turn"`` (one sample per policy turn, with its context).
    :param turn_discount: ``None`` for one advantage per episode, or gamma in (0, 1] for
        per-turn discounted returns.

    Bookkeeping:

    :param seed: the run's seed, >= 0.
    :param checkpoint_every: steps between checkpoints (0: off).
    :param eval_every: steps between evaluations (0: off).
    :param output_dir: where metrics and checkpoints go.
    """

    model: str = "builtin"
    dtype: str = "auto"
    device: str = "auto"
    bf16: bool | Literal["auto"] = "auto"
    backend: str = "transformers"
    envs: tuple[EnvMix, ...]
    group_size: int = 8
    tasks_per_step: int = 4
    max_turns: int | None = None
    max_new_tokens_per_turn: int = 256
    max_tokens_per_episode: int = 1024
    temperature: float = 1.0
    top_p: float = 1.0
    horizon_schedule: tuple[tuple[int, int], ...] | None = None
    learning_rate: float = 1e-6
    lr_schedule: str = "constant"
    warmup_steps: int = 0
    total_steps: int = 100
    updates_per_batch: int = 1
    gradient_accumulation_steps: int = 1
    max_grad_norm: float | None = 1.0
    lora: LoraConfig | None = None
    off_policy_steps: int = 0
    clip_low: float = 0.2
    clip_high: float = 0.28
    ratio_cap: float | None = None
    kl_beta: float = 0.0
    loss_aggregation: str = "token_mean"
    dr_grpo_normaliser: int | None = None
    reward_scaling: str = "group"
    dynamic_sampling: bool = False
    mask_truncated: bool = False
    sample_unit: str = "episode"
    turn_discount: float | None = None
    seed: int = 0
    checkpoint_every: int = 0
    eval_every: int = 0
    output_dir: str = "runs/grpo"

    def __post_init__(self) -> None:
        self._check_model()
        self._check_rollouts()
        self._check_optimisation()
        self._check_loss()
        for name in ("seed", "checkpoint_every", "eval_every"):
            maximum = MAX_SEED if name == "seed" else None
            _check_field(name, check_int, getattr(self, name), minimum=0, maximum=maximum)
        self._set("output_dir", str(_check_field("output_dir", check_path, self.output_dir)))

    # --- building -----------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GRPOConfig:
        """Build from plain data, as :meth:`to_dict` writes it.

        :param data: field names to values; ``envs`` entries may be env id strings.
        :raises InvalidArgumentError: for an unknown key (naming close ones) or a bad value.
        """
        if not isinstance(data, Mapping):
            raise InvalidArgumentError(f"a GRPO config must be a mapping, got {shown(data)}")
        reject_unknown(data, _field_names(cls))
        if "envs" not in data:
            raise InvalidArgumentError(
                f"envs is missing: give at least one env, e.g. {_ENV_EXAMPLE}"
            )
        return cls(**data)

    @classmethod
    def from_yaml(cls, path: str | Path) -> GRPOConfig:
        """Build from a YAML file holding a mapping of field names to values.

        :param path: the file.
        :raises InvalidArgumentError: for a missing or unreadable file, bad YAML, a key
            given twice, an unknown key or a bad value.
        """
        path = check_path("path", path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidArgumentError(f"cannot read the GRPO config {path}: {exc}") from None
        data = load_yaml(text, str(path))
        try:
            return cls.from_dict(data if data is not None else {})
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"{path}: {exc}") from None

    def with_overrides(self, overrides: Iterable[str]) -> GRPOConfig:
        """A copy with CLI overrides applied, each ``"key=value"``, checked like the file.

        ``key`` is a field or a dotted path into one (``lora.r=8``, ``envs.0.weight=2``,
        ``envs.0.kwargs.max_turns=3``; a dotted key into an unset ``lora`` starts from its
        defaults); ``value`` is parsed as YAML (``1e-5``, ``null``, ``[a, b]``,
        ``{id: cogym/Countdown-v0}``).

        :param overrides: the ``key=value`` strings, applied in order.
        :raises InvalidArgumentError: naming the override, for a string without ``=``,
            an unknown key (naming close ones) or a bad value.
        """
        if isinstance(overrides, str):
            raise InvalidArgumentError(
                f"overrides must be a list of 'key=value' strings, got the string {overrides!r}"
            )
        overrides = list(overrides)
        data = self.to_dict()
        for override in overrides:
            try:
                apply_override(data, override)
            except InvalidArgumentError as exc:
                raise InvalidArgumentError(f"override {shown(override)}: {exc}") from None
        try:
            return GRPOConfig.from_dict(data)
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"with the overrides {overrides}: {exc}") from None

    def validate_envs(self) -> tuple[str, ...]:
        """Check every env id against the registry, building no env.

        :return: the full ids, in the order of :attr:`envs`.
        :raises UnknownEnvError: naming the closest ids, for an id cogym does not register.
        """
        from cogym.registration import entries, resolve_id

        ids = tuple(resolve_id(env.id) for env in self.envs)
        games = {entry.id for family, entry in entries() if family.aec_env is not None}
        for env, env_id in zip(self.envs, ids, strict=True):
            if env.self_play and env_id not in games:
                raise InvalidArgumentError(
                    f"{_OWNER}envs: {env_id} has no two-player game for self_play; drop "
                    f"self_play or pick a game ({', '.join(sorted(games)) or 'none registered'})"
                )
        return ids

    # --- writing ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain data (lists, dicts, scalars); :meth:`from_dict` reads it back
        to an equal config."""
        data: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name == "envs":
                value = [env.to_dict() for env in value]
            elif field.name == "lora":
                value = None if value is None else value.to_dict()
            elif field.name == "horizon_schedule":
                value = None if value is None else [list(pair) for pair in value]
            data[field.name] = value
        return data

    def to_yaml(self) -> str:
        """The config as YAML text, fields in declaration order; :meth:`from_yaml` reads it
        back to an equal config."""
        yaml = yaml_module()
        return yaml.dump(
            self.to_dict(), Dumper=yaml_classes(yaml)[1], sort_keys=False, default_flow_style=None
        )

    # --- derived values -----------------------------------------------------------------

    @property
    def episodes_per_step(self) -> int:
        """``tasks_per_step * group_size``: the episodes generated per step."""
        return self.tasks_per_step * self.group_size

    @property
    def dr_grpo_constant(self) -> int:
        """The constant ``dr_grpo`` divides by: ``dr_grpo_normaliser`` or, when unset,
        ``max_tokens_per_episode``."""
        if self.dr_grpo_normaliser is not None:
            return self.dr_grpo_normaliser
        return self.max_tokens_per_episode

    def max_turns_at(self, step: int) -> int | None:
        """The turn limit at ``step``: the horizon schedule's last entry at or before it, or
        :attr:`max_turns` (``None``: each env's own) without a schedule.

        :param step: the training step, >= 0.
        """
        step = check_int("step", step, minimum=0)
        if self.horizon_schedule is None:
            return self.max_turns
        return [turns for start, turns in self.horizon_schedule if start <= step][-1]

    # --- checks -------------------------------------------------------------------------

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    def _check_model(self) -> None:
        model = _check_field("model", check_text, self.model)
        _require(
            not model.startswith(("openai:", "vllm:")),
            "model",
            f"must be 'builtin' or a local model path, got {model!r}: training needs the "
            "weights here (for vLLM generation set backend: vllm and give the path alone)",
        )
        _check_field(
            "dtype", check_choice, self.dtype, DTYPES, hint="float16 would need loss scaling"
        )
        _require(
            isinstance(self.device, str) and _DEVICE.fullmatch(self.device) is not None,
            "device",
            f"must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {shown(self.device)}",
        )
        if self.bf16 != "auto" or isinstance(self.bf16, bool):
            _check_field("bf16", check_bool, self.bf16, hint="or 'auto'")
        _require(
            not (self.bf16 is True and self.device == "cpu"),
            "bf16",
            "bf16 autocast is for CUDA: set bf16: auto or false, or device: cuda",
        )
        _check_field("backend", check_choice, self.backend, BACKENDS)

    def _check_rollouts(self) -> None:
        envs = self.envs
        _require(
            isinstance(envs, (list, tuple)) and len(envs) > 0,
            "envs",
            f"must be a non-empty list of envs, e.g. {_ENV_EXAMPLE}; got {shown(envs)}",
        )
        mixes = []
        for index, env in enumerate(envs):
            try:
                mixes.append(EnvMix.from_value(env))
            except InvalidArgumentError as exc:
                raise InvalidArgumentError(f"GRPOConfig.envs[{index}]: {exc}") from None
        self._set("envs", tuple(mixes))
        _check_field(
            "group_size",
            check_int,
            self.group_size,
            minimum=2,
            hint="a group of 1 has no group-relative signal (its advantage is always 0)",
        )
        _check_field("tasks_per_step", check_int, self.tasks_per_step, minimum=1)
        if self.max_turns is not None:
            _check_field("max_turns", check_int, self.max_turns, minimum=1, hint=_NONE_HINT)
        per_turn = _check_field(
            "max_new_tokens_per_turn", check_int, self.max_new_tokens_per_turn, minimum=1
        )
        _check_field(
            "max_tokens_per_episode",
            check_int,
            self.max_tokens_per_episode,
            minimum=per_turn,
            hint="it must hold at least one full turn (max_new_tokens_per_turn)",
        )
        temperature = _check_field(
            "temperature", check_number, self.temperature, minimum=0, exclusive_minimum=True
        )
        self._set("temperature", temperature)
        top_p = _check_field(
            "top_p", check_number, self.top_p, minimum=0, maximum=1, exclusive_minimum=True
        )
        self._set("top_p", top_p)

    def _check_optimisation(self) -> None:
        lr = _check_field(
            "learning_rate", check_number, self.learning_rate, minimum=0, exclusive_minimum=True
        )
        self._set("learning_rate", lr)
        _check_field("lr_schedule", check_choice, self.lr_schedule, LR_SCHEDULES)
        total = _check_field("total_steps", check_int, self.total_steps, minimum=1)
        _check_field(
            "warmup_steps",
            check_int,
            self.warmup_steps,
            minimum=0,
            maximum=total,
            hint="warmup cannot outlast the run (total_steps)",
        )
        self._check_horizon_schedule()
        mu = _check_field("updates_per_batch", check_int, self.updates_per_batch, minimum=1)
        accumulation = _check_field(
            "gradient_accumulation_steps", check_int, self.gradient_accumulation_steps, minimum=1
        )
        episodes = self.tasks_per_step * self.group_size
        if episodes % accumulation:
            divisors = [d for d in range(1, episodes + 1) if episodes % d == 0][:12]
            raise InvalidArgumentError(
                f"{_OWNER}gradient_accumulation_steps={accumulation} must divide "
                f"tasks_per_step * group_size = {episodes}, so every micro-batch holds as many "
                f"episodes; pick one of {divisors}"
            )
        if self.max_grad_norm is not None:
            norm = _check_field(
                "max_grad_norm",
                check_number,
                self.max_grad_norm,
                minimum=0,
                exclusive_minimum=True,
                hint="use null for no clipping",
            )
            self._set("max_grad_norm", norm)
        if self.lora is not None:
            try:
                lora = self.lora if isinstance(self.lora, LoraConfig) else _lora(self.lora)
            except InvalidArgumentError as exc:
                raise InvalidArgumentError(f"GRPOConfig.lora: {exc}") from None
            self._set("lora", lora)
        _check_field("off_policy_steps", check_int, self.off_policy_steps, minimum=0, maximum=1)
        _require(
            not (mu > 1 and self.off_policy_steps > 0),
            "updates_per_batch",
            f"{mu} with off_policy_steps=1: the batch already comes from "
            "the policy one update behind, and each extra pass moves the policy further from "
            "the behaviour log-probs in the ratio, so the staleness bound of 1 no longer "
            "holds; set updates_per_batch: 1 or off_policy_steps: 0",
        )

    def _check_horizon_schedule(self) -> None:
        schedule = self.horizon_schedule
        if schedule is None:
            return
        name = "horizon_schedule"
        _require(
            isinstance(schedule, (list, tuple))
            and len(schedule) > 0
            and all(
                isinstance(pair, (list, tuple)) and len(pair) == 2 and all(map(is_int, pair))
                for pair in schedule
            ),
            name,
            f"must be a non-empty list of [step, max_turns] int pairs, e.g. [[0, 2], [50, 4]], "
            f"or null; got {shown(schedule)}",
        )
        pairs = tuple((int(step), int(turns)) for step, turns in schedule)
        _require(pairs[0][0] == 0, name, f"must start at step 0, got step {pairs[0][0]} first")
        for (step, turns), (next_step, next_turns) in itertools.pairwise(pairs):
            _require(
                next_step > step and next_turns > turns,
                name,
                f"steps and turn limits must both increase, got {[step, turns]} then "
                f"{[next_step, next_turns]}",
            )
        _require(
            pairs[-1][0] < self.total_steps,
            name,
            f"step {pairs[-1][0]} is never reached: total_steps is {self.total_steps}",
        )
        _require(pairs[0][1] >= 1, name, f"turn limits must be >= 1, got {pairs[0][1]}")
        if self.max_turns is not None:
            _require(
                pairs[-1][1] <= self.max_turns,
                name,
                f"turn limit {pairs[-1][1]} is past max_turns={self.max_turns}: lower it or "
                "raise max_turns",
            )
        self._set(name, pairs)

    def _check_loss(self) -> None:
        clip_low = _check_field("clip_low", check_number, self.clip_low, minimum=0, maximum=1)
        clip_high = _check_field("clip_high", check_number, self.clip_high, minimum=0, maximum=1)
        for name, value in (("clip_low", clip_low), ("clip_high", clip_high)):
            _require(0 < value < 1, name, f"must be in (0, 1) (e.g. 0.2), got {value:g}")
        self._set("clip_low", clip_low)
        self._set("clip_high", clip_high)
        if self.ratio_cap is not None:
            cap = _check_field("ratio_cap", check_number, self.ratio_cap, hint="or null")
            _require(
                cap > 1 + clip_high,
                "ratio_cap",
                f"must be > 1 + clip_high = {1 + clip_high:g} (e.g. 3.0), or null; got {cap:g}",
            )
            self._set("ratio_cap", cap)
        beta = _check_field(
            "kl_beta", check_number, self.kl_beta, minimum=0, hint="0 loads no reference model"
        )
        self._set("kl_beta", beta)
        aggregation = _check_field(
            "loss_aggregation", check_choice, self.loss_aggregation, LOSS_AGGREGATIONS
        )
        if self.dr_grpo_normaliser is not None:
            _require(
                aggregation == "dr_grpo",
                "dr_grpo_normaliser",
                f"only used by loss_aggregation: dr_grpo, not {aggregation}: set it to "
                "null or loss_aggregation: dr_grpo",
            )
            _check_field(
                "dr_grpo_normaliser",
                check_int,
                self.dr_grpo_normaliser,
                minimum=1,
                hint="a token count such as max_tokens_per_episode, or null for that",
            )
        _check_field("reward_scaling", check_choice, self.reward_scaling, REWARD_SCALINGS)
        _check_field("dynamic_sampling", check_bool, self.dynamic_sampling)
        _check_field("mask_truncated", check_bool, self.mask_truncated)
        _check_field("sample_unit", check_choice, self.sample_unit, SAMPLE_UNITS)
        if self.turn_discount is not None:
            gamma = _check_field(
                "turn_discount",
                check_number,
                self.turn_discount,
                minimum=0,
                maximum=1,
                exclusive_minimum=True,
                hint="or null for one advantage per episode",
            )
            self._set("turn_discount", gamma)


_ENV_EXAMPLE = "[{id: cogym/Countdown-Easy-v0, kwargs: {}, weight: 1.0}]"
_NONE_HINT = "or null for each env's own limit"
_OWNER = "GRPOConfig."


def _check_field(
    name: str, check: Any, value: Any, *args: Any, hint: str = "", owner: str = _OWNER, **kw: Any
) -> Any:
    """Run ``check(name, value, ...)`` (its message names the field), prefixing ``owner``
    and appending ``hint``."""
    try:
        return check(name, value, *args, **kw)
    except InvalidArgumentError as exc:
        raise InvalidArgumentError(f"{owner}{exc}{'; ' + hint if hint else ''}") from None


def _require(condition: bool, name: str, message: str, owner: str = _OWNER) -> None:
    """Raise ``InvalidArgumentError("<owner><name>: <message>")`` unless ``condition``."""
    if not condition:
        raise InvalidArgumentError(f"{owner}{name}: {message}")


def _check_finite(name: str, value: Any) -> None:
    """Reject a NaN or infinite float anywhere inside ``value``."""
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidArgumentError(f"{name} must hold finite numbers only, got {value!r}")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_finite(f"{name}.{key}", item)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_finite(f"{name}[{index}]", item)


def _plain(value: Any) -> Any:
    """A deep copy of ``value`` with tuples as lists and mappings as dicts (YAML's data)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return copy.deepcopy(value)


def _lora(value: Any) -> LoraConfig:
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(
            f"must be null or a mapping with r, alpha, dropout and target_modules, "
            f"got {shown(value)}"
        )
    reject_unknown(value, _field_names(LoraConfig))
    return LoraConfig(**value)


def _field_names(cls: type) -> list[str]:
    return [field.name for field in dataclasses.fields(cls)]
