"""GRPOConfig: defaults, YAML round trip, CLI overrides, and every impossible setting."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from cogym.core.errors import InvalidArgumentError, UnknownEnvError
from cogym.training import EnvMix, GRPOConfig
from cogym.training.config import LoraConfig

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "grpo_countdown.yaml"
ENVS = (EnvMix(id="cogym/Countdown-Easy-v0"),)


def make(**fields) -> GRPOConfig:
    return GRPOConfig(envs=fields.pop("envs", ENVS), **fields)


def test_defaults_follow_the_literature():
    config = make()
    assert config.model == "builtin"
    assert config.device == "auto" and config.dtype == "auto" and config.bf16 == "auto"
    assert config.backend == "transformers"
    assert config.group_size == 8 and config.tasks_per_step == 4
    assert config.episodes_per_step == 32
    assert config.max_turns is None
    assert config.max_new_tokens_per_turn == 256 and config.max_tokens_per_episode == 1024
    assert config.temperature == 1.0 and config.top_p == 1.0
    assert config.learning_rate == 1e-6 and config.lr_schedule == "constant"
    assert config.updates_per_batch == 1 and config.off_policy_steps == 0
    assert config.clip_low == 0.2 and config.clip_high == 0.28 and config.ratio_cap is None
    assert config.kl_beta == 0.0
    assert config.loss_aggregation == "token_mean" and config.reward_scaling == "group"
    assert config.dr_grpo_normaliser is None and config.dr_grpo_constant == 1024
    assert config.sample_unit == "episode" and config.turn_discount is None
    assert config.lora is None and config.gradient_accumulation_steps == 1
    assert config.max_grad_norm == 1.0 and config.seed == 0 and config.checkpoint_every == 0


def test_envs_accept_ids_and_mappings_and_default_weight_one():
    config = make(envs=["Countdown-v0", {"id": "cogym/Countdown-Hard-v0", "weight": 3}])
    assert config.envs == (
        EnvMix(id="Countdown-v0"),
        EnvMix(id="cogym/Countdown-Hard-v0", weight=3.0),
    )
    assert isinstance(config.envs[1].weight, float)


def test_the_config_is_frozen_and_keeps_its_own_copy_of_env_kwargs():
    kwargs = {"max_turns": 2, "numbers": (1, 2)}
    config = make(envs=[EnvMix(id="Countdown-v0", kwargs=kwargs)])
    kwargs["max_turns"] = 9
    assert config.envs[0].kwargs == {"max_turns": 2, "numbers": [1, 2]}
    with pytest.raises(AttributeError):
        config.group_size = 4  # type: ignore[misc]
    assert hash(config) == hash(make(envs=[EnvMix(id="Countdown-v0", kwargs=kwargs)]))


def full_config() -> GRPOConfig:
    """A config with every optional part set, so a round trip covers all of them."""
    return make(
        envs=[
            EnvMix(id="Countdown-Easy-v0", kwargs={"max_turns": 3, "preset": "easy"}, weight=2.0),
            EnvMix(id="cogym/Countdown-v0", kwargs={"tag": "1e-6", "nested": {"a": [1, 2]}}),
        ],
        max_turns=4,
        horizon_schedule=[[0, 2], [5, 4]],
        lora={"r": 8, "alpha": 16, "dropout": 0.05, "target_modules": ["q_proj", "v_proj"]},
        ratio_cap=3.0,
        kl_beta=0.04,
        loss_aggregation="dr_grpo",
        dr_grpo_normaliser=512,
        reward_scaling="none",
        dynamic_sampling=True,
        mask_truncated=True,
        sample_unit="turn",
        turn_discount=0.9,
        learning_rate=3e-7,
        lr_schedule="cosine",
        warmup_steps=5,
        total_steps=50,
        max_grad_norm=None,
        output_dir="runs/x",
    )


def test_yaml_round_trip_is_exact(tmp_path):
    config = full_config()
    path = tmp_path / "run.yaml"
    path.write_text(config.to_yaml(), encoding="utf-8")
    loaded = GRPOConfig.from_yaml(path)
    assert loaded == config
    assert loaded.to_dict() == config.to_dict()
    assert loaded.to_yaml() == config.to_yaml()
    # a string that looks like a YAML 1.2 float stays a string
    assert loaded.envs[1].kwargs["tag"] == "1e-6"
    assert loaded.horizon_schedule == ((0, 2), (5, 4))
    assert loaded.lora == LoraConfig(
        r=8, alpha=16.0, dropout=0.05, target_modules=("q_proj", "v_proj")
    )


def test_dict_round_trip_is_exact():
    data = full_config().to_dict()
    assert GRPOConfig.from_dict(data).to_dict() == data
    assert data["horizon_schedule"] == [[0, 2], [5, 4]]
    assert data["envs"][0] == {
        "id": "Countdown-Easy-v0",
        "kwargs": {"max_turns": 3, "preset": "easy"},
        "weight": 2.0,
        "self_play": False,
    }


def test_yaml_reads_exponents_without_a_dot_as_numbers(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("envs: [Countdown-v0]\nlearning_rate: 1e-5\nkl_beta: 5E-3\n", encoding="utf-8")
    config = GRPOConfig.from_yaml(path)
    assert config.learning_rate == 0.00001 and config.kl_beta == 0.005


def test_yaml_key_given_twice_is_refused(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("envs: [Countdown-v0]\nseed: 1\nseed: 2\n", encoding="utf-8")
    with pytest.raises(InvalidArgumentError, match="'seed' is given twice"):
        GRPOConfig.from_yaml(path)


def test_yaml_errors_name_the_file(tmp_path):
    with pytest.raises(InvalidArgumentError, match="cannot read"):
        GRPOConfig.from_yaml(tmp_path / "missing.yaml")
    path = tmp_path / "bad.yaml"
    path.write_text("envs: [Countdown-v0\n", encoding="utf-8")
    with pytest.raises(InvalidArgumentError, match="not valid YAML"):
        GRPOConfig.from_yaml(path)
    path.write_text("envs: [Countdown-v0]\ngroup_size: 1\n", encoding="utf-8")
    with pytest.raises(InvalidArgumentError, match=r"bad\.yaml: GRPOConfig\.group_size"):
        GRPOConfig.from_yaml(path)
    path.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(InvalidArgumentError, match="must be a mapping"):
        GRPOConfig.from_yaml(path)


def test_missing_envs_say_how_to_give_one():
    with pytest.raises(InvalidArgumentError, match=r"envs is missing.*Countdown-Easy-v0"):
        GRPOConfig.from_dict({"seed": 1})


def test_unknown_key_lists_the_accepted_ones_and_suggests_close_matches():
    with pytest.raises(InvalidArgumentError) as caught:
        GRPOConfig.from_dict({"envs": ["Countdown-v0"], "grup_size": 4})
    message = str(caught.value)
    assert "unknown key 'grup_size'" in message
    assert "Did you mean group_size?" in message
    assert "accepted keys are: model, dtype" in message and "output_dir" in message


@pytest.mark.parametrize(
    ("override", "suggestion"),
    [
        ("lr=1e-5", "learning_rate"),
        ("loss.aggregation=dr_grpo", "loss_aggregation"),
        ("mu=2", "updates_per_batch"),
        ("temprature=0.7", "temperature"),
    ],
)
def test_unknown_override_key_suggests_the_field(override, suggestion):
    with pytest.raises(InvalidArgumentError, match=f"Did you mean {suggestion}"):
        make().with_overrides([override])


def test_unknown_keys_inside_envs_and_lora_are_refused():
    with pytest.raises(InvalidArgumentError, match=r"envs\[0\]: unknown key 'wieght'.*weight"):
        make(envs=[{"id": "Countdown-v0", "wieght": 2}])
    with pytest.raises(InvalidArgumentError, match=r"lora: unknown key 'rank'.*Did you mean r\?"):
        make().with_overrides(["lora.rank=8"])


def test_overrides_parse_yaml_scalars_and_reach_nested_values():
    config = make().with_overrides(
        [
            "learning_rate=1e-5",
            "group_size=4",
            "dynamic_sampling=true",
            "max_turns=null",
            "loss_aggregation=dr_grpo",
            "lora.r=8",
            "envs.0.kwargs.max_turns=3",
            "envs.0.weight=2",
        ]
    )
    assert config.learning_rate == 0.00001 and config.group_size == 4
    assert config.dynamic_sampling is True and config.max_turns is None
    assert config.loss_aggregation == "dr_grpo"
    assert config.lora == LoraConfig(r=8)
    assert config.envs == (
        EnvMix(id="cogym/Countdown-Easy-v0", kwargs={"max_turns": 3}, weight=2.0),
    )


def test_overrides_replace_lists_whole():
    config = make().with_overrides(
        [
            "envs=[Countdown-v0, {id: Countdown-Hard-v0, weight: 0.5, kwargs: {max_turns: 2}}]",
            "horizon_schedule=[[0, 1], [10, 3]]",
        ]
    )
    assert config.envs == (
        EnvMix(id="Countdown-v0"),
        EnvMix(id="Countdown-Hard-v0", kwargs={"max_turns": 2}, weight=0.5),
    )
    assert config.horizon_schedule == ((0, 1), (10, 3))


def test_overrides_apply_in_order_and_leave_the_original_alone():
    config = make()
    changed = config.with_overrides(["seed=1", "seed=7", "lora.r=4", "lora=null"])
    assert changed.seed == 7 and changed.lora is None
    assert config.seed == 0


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("seed", "an override is 'key=value'"),
        ("seed.x=1", "seed is 0, not a mapping"),
        ("envs.1.weight=2", "not an index of a list of 1"),
        ("envs..weight=2", "empty part"),
        ("group_size=[1", "not valid YAML"),
        ("group_size=1", "override|overrides"),
    ],
)
def test_bad_overrides_say_which_and_why(override, fragment):
    with pytest.raises(InvalidArgumentError, match=fragment):
        make().with_overrides([override])


def test_overrides_must_be_a_list_not_one_string():
    with pytest.raises(InvalidArgumentError, match="list of 'key=value' strings"):
        make().with_overrides("seed=1")


# One row per impossible setting: the fields to set and the field the message must name.
IMPOSSIBLE = [
    ({"group_size": 1}, "group_size.*no group-relative signal"),
    ({"group_size": True}, "group_size"),
    ({"group_size": 4.0}, "group_size"),
    ({"tasks_per_step": 0}, "tasks_per_step"),
    ({"envs": []}, "envs: must be a non-empty list"),
    ({"envs": [{"id": "Countdown-v0", "weight": 0}]}, r"envs\[0\]: weight"),
    ({"envs": [{"id": "Countdown-v0", "weight": -1.0}]}, r"envs\[0\]: weight"),
    ({"envs": [{"id": "Countdown-v0", "weight": math.inf}]}, r"envs\[0\]: weight"),
    ({"envs": [{"id": "Countdown-v0", "weight": math.nan}]}, r"envs\[0\]: weight"),
    ({"envs": [{"id": "Countdown-v0", "kwargs": {"x": [math.nan]}}]}, r"kwargs\.x\[0\]"),
    ({"envs": [{"id": "Countdown-v0", "kwargs": [1]}]}, r"envs\[0\]: kwargs"),
    ({"envs": [{"weight": 1.0}]}, r"envs\[0\]: id is missing"),
    ({"envs": [{"id": ""}]}, r"envs\[0\]: id"),
    ({"envs": [3]}, r"envs\[0\]"),
    ({"model": ""}, "model"),
    ({"model": "openai:http://x"}, "model.*backend: vllm"),
    ({"dtype": "float16"}, "dtype"),
    ({"device": "gpu"}, "device"),
    ({"bf16": "yes"}, "bf16"),
    ({"bf16": True, "device": "cpu"}, "bf16.*CUDA"),
    ({"backend": "sglang"}, "backend"),
    ({"max_turns": 0}, "max_turns"),
    ({"max_new_tokens_per_turn": 0}, "max_new_tokens_per_turn"),
    ({"max_tokens_per_episode": 100}, "max_tokens_per_episode.*at least one full turn"),
    ({"temperature": 0.0}, "temperature"),
    ({"temperature": math.nan}, "temperature"),
    ({"top_p": 0.0}, "top_p"),
    ({"top_p": 1.5}, "top_p"),
    ({"learning_rate": 0.0}, "learning_rate"),
    ({"learning_rate": math.inf}, "learning_rate"),
    ({"lr_schedule": "step"}, "lr_schedule"),
    ({"total_steps": 0}, "total_steps"),
    ({"warmup_steps": 101}, "warmup_steps.*outlast"),
    ({"warmup_steps": -1}, "warmup_steps"),
    ({"updates_per_batch": 0}, "updates_per_batch"),
    ({"gradient_accumulation_steps": 0}, "gradient_accumulation_steps"),
    ({"gradient_accumulation_steps": 3}, r"gradient_accumulation_steps=3 must divide .* 32"),
    ({"max_grad_norm": 0.0}, "max_grad_norm"),
    ({"max_grad_norm": math.nan}, "max_grad_norm"),
    ({"lora": {"r": 0}}, "lora: r must"),
    ({"lora": {"dropout": 1.0}}, "lora: dropout"),
    ({"lora": {"target_modules": []}}, "lora: target_modules"),
    ({"lora": 8}, "lora: must be null or a mapping"),
    ({"off_policy_steps": 2}, "off_policy_steps"),
    ({"off_policy_steps": -1}, "off_policy_steps"),
    (
        {"updates_per_batch": 2, "off_policy_steps": 1},
        "updates_per_batch: 2 with off_policy_steps=1.*staleness",
    ),
    ({"clip_low": 0.0}, "clip_low"),
    ({"clip_low": 1.0}, "clip_low"),
    ({"clip_high": 1.5}, "clip_high"),
    ({"clip_high": math.nan}, "clip_high"),
    ({"ratio_cap": 1.28}, r"ratio_cap: must be > 1 \+ clip_high = 1.28"),
    ({"ratio_cap": math.inf}, "ratio_cap"),
    ({"kl_beta": -0.1}, "kl_beta"),
    ({"kl_beta": math.nan}, "kl_beta"),
    ({"loss_aggregation": "sum"}, "loss_aggregation"),
    ({"loss_aggregation": "dr_grpo", "dr_grpo_normaliser": 0}, "dr_grpo_normaliser"),
    ({"loss_aggregation": "dr_grpo", "dr_grpo_normaliser": -5}, "dr_grpo_normaliser"),
    ({"loss_aggregation": "dr_grpo", "dr_grpo_normaliser": 2.5}, "dr_grpo_normaliser"),
    ({"dr_grpo_normaliser": 512}, "dr_grpo_normaliser: only used by loss_aggregation"),
    ({"reward_scaling": "std"}, "reward_scaling"),
    ({"dynamic_sampling": 1}, "dynamic_sampling"),
    ({"mask_truncated": "no"}, "mask_truncated"),
    ({"sample_unit": "token"}, "sample_unit"),
    ({"turn_discount": 0.0}, "turn_discount"),
    ({"turn_discount": 1.1}, "turn_discount"),
    ({"seed": -1}, "seed"),
    ({"seed": 2**63}, "seed"),
    ({"seed": False}, "seed"),
    ({"checkpoint_every": -1}, "checkpoint_every"),
    ({"eval_every": 1.5}, "eval_every"),
    ({"output_dir": ""}, "output_dir"),
    ({"horizon_schedule": []}, "horizon_schedule: must be a non-empty list"),
    ({"horizon_schedule": [[0, 2, 3]]}, "horizon_schedule: must be a non-empty list"),
    ({"horizon_schedule": [[0, True]]}, "horizon_schedule: must be a non-empty list"),
    ({"horizon_schedule": [[1, 2]]}, "horizon_schedule: must start at step 0"),
    ({"horizon_schedule": [[0, 2], [10, 2]]}, "horizon_schedule: steps and turn limits must"),
    ({"horizon_schedule": [[0, 2], [0, 3]]}, "horizon_schedule: steps and turn limits must"),
    ({"horizon_schedule": [[0, 2], [100, 3]]}, "horizon_schedule: step 100 is never reached"),
    ({"horizon_schedule": [[0, 0]]}, "horizon_schedule: turn limits must be >= 1"),
    ({"horizon_schedule": [[0, 2], [5, 6]], "max_turns": 5}, "horizon_schedule.*past max_turns"),
]


@pytest.mark.parametrize(("fields", "names"), IMPOSSIBLE)
def test_impossible_setting_fails_at_construction_naming_the_field(fields, names):
    with pytest.raises(InvalidArgumentError, match=f"^GRPOConfig\\.(.*){names}"):
        GRPOConfig.from_dict({"envs": list(ENVS), **fields})


def test_settings_at_their_bounds_are_accepted():
    config = make(
        group_size=2,
        tasks_per_step=1,
        gradient_accumulation_steps=2,
        max_tokens_per_episode=256,
        top_p=1.0,
        ratio_cap=1.29,
        turn_discount=1.0,
        warmup_steps=100,
        horizon_schedule=[[0, 1], [99, 5]],
        max_turns=5,
        off_policy_steps=1,
        bf16=True,
        device="cuda:1",
    )
    assert config.episodes_per_step == 2
    assert config.horizon_schedule == ((0, 1), (99, 5))


def test_dr_grpo_constant_is_the_normaliser_or_the_episode_budget():
    assert make(loss_aggregation="dr_grpo").dr_grpo_constant == 1024
    assert make(loss_aggregation="dr_grpo", dr_grpo_normaliser=300).dr_grpo_constant == 300


def test_max_turns_at_follows_the_horizon_schedule():
    config = make(horizon_schedule=[[0, 2], [10, 4], [30, 8]], max_turns=8)
    turns = [config.max_turns_at(step) for step in (0, 9, 10, 29, 30, 99)]
    assert turns == [2, 2, 4, 4, 8, 8]
    assert make(max_turns=6).max_turns_at(50) == 6
    assert make().max_turns_at(0) is None
    with pytest.raises(InvalidArgumentError, match="step"):
        config.max_turns_at(-1)


def test_validate_envs_resolves_ids_without_building_envs():
    config = make(envs=["Countdown-Easy-v0", "cogym/Countdown-v0"])
    assert config.validate_envs() == ("cogym/Countdown-Easy-v0", "cogym/Countdown-v0")


def test_validate_envs_names_the_closest_id_for_a_typo():
    config = make(envs=["Countdown-Esy-v0"])  # built fine: ids are checked on request only
    with pytest.raises(UnknownEnvError, match="Did you mean cogym/Countdown-Easy-v0"):
        config.validate_envs()


def test_example_config_loads_and_is_small_enough_for_a_cpu():
    config = GRPOConfig.from_yaml(EXAMPLE)
    assert config.model == "builtin" and config.device == "cpu"
    assert config.envs == (EnvMix(id="cogym/Countdown-Easy-v0", kwargs={"max_turns": 2}),)
    assert config.validate_envs() == ("cogym/Countdown-Easy-v0",)
    assert config.episodes_per_step == 8
    assert config.max_tokens_per_episode == 128 and config.learning_rate == 0.000002


def test_self_play_needs_a_game():
    import cogym  # noqa: F401 - registers the families

    config = GRPOConfig(envs=[{"id": "cogym/KuhnPoker-v0", "self_play": True}])
    assert config.validate_envs() == ("cogym/KuhnPoker-v0",)
    config = GRPOConfig(envs=[{"id": "cogym/Countdown-v0", "self_play": True}])
    with pytest.raises(InvalidArgumentError, match="no two-player game for self_play"):
        config.validate_envs()
    with pytest.raises(InvalidArgumentError, match="self_play"):
        GRPOConfig(envs=[{"id": "cogym/KuhnPoker-v0", "self_play": "yes"}])


def test_lora_with_vllm_is_allowed():  # the weight sync merges the adapters
    config = GRPOConfig(envs=["cogym/Countdown-v0"], lora={"r": 8}, backend="vllm")
    assert config.lora.r == 8 and config.backend == "vllm"
