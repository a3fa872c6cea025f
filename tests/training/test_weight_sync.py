"""The vLLM weight sync: checkpoint names, merged LoRA weights, loud failures."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from cogym.core.errors import CogymError
from cogym.training import GRPOConfig
from cogym.training.trainer import GRPOTrainer
from cogym.training.weight_sync import (
    VLLMGenerator,
    WeightSyncError,
    check_loaded,
    vllm_weight_items,
)
from tests.training.toy_envs import DIGITS_ID

peft = pytest.importorskip("peft", reason="needs the train extra: pip install 'cogym[train]'")
no_vllm = pytest.mark.skipif(
    importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here"
)


def load_model(folder):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(folder, local_files_only=True).eval()


def lora_model(folder, targets=("q_proj", "v_proj")):
    model = peft.get_peft_model(
        load_model(folder),
        peft.LoraConfig(r=4, lora_alpha=8, target_modules=list(targets), task_type="CAUSAL_LM"),
    )
    torch.manual_seed(3)
    with torch.no_grad():  # B starts at zero: give the adapters an update to merge
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0.0, 0.5)
    return model.eval()


def tokens():
    return torch.tensor([[5, 17, 42, 99, 3, 250]])


def test_a_plain_model_gives_its_state_dict(tiny_model_dir):
    model = load_model(tiny_model_dir)
    items = dict(vllm_weight_items(model))
    state = model.state_dict()
    assert list(items) == list(state)
    assert all(torch.equal(items[name], state[name]) for name in state)


def test_lora_weights_carry_base_names_and_merged_values(tiny_model_dir):
    base = load_model(tiny_model_dir)
    names = list(base.state_dict())
    model = lora_model(tiny_model_dir)
    items = dict(vllm_weight_items(model))
    assert list(items) == names
    merged_layers = 0
    for name, module in model.named_modules():
        if isinstance(module, peft.tuners.lora.LoraLayer):
            key = name.removeprefix("base_model.model.") + ".weight"
            a, b = module.lora_A["default"].weight, module.lora_B["default"].weight
            expected = module.base_layer.weight + module.scaling["default"] * (b @ a)
            assert module.scaling["default"] == 2.0
            assert not torch.allclose(items[key], module.base_layer.weight)
            torch.testing.assert_close(items[key], expected)
            merged_layers += 1
    assert merged_layers == 4  # q_proj and v_proj of two layers
    untouched = "model.layers.0.mlp.up_proj.weight"
    assert torch.equal(items[untouched], base.state_dict()[untouched])


def test_merged_weights_give_the_lora_models_outputs(tiny_model_dir):
    model = lora_model(tiny_model_dir)
    plain = load_model(tiny_model_dir)
    plain.load_state_dict(dict(vllm_weight_items(model)))
    with torch.no_grad():
        torch.testing.assert_close(
            plain(tokens()).logits, model(tokens()).logits, rtol=1e-4, atol=1e-4
        )


def test_reading_the_weights_leaves_the_lora_model_unchanged(tiny_model_dir):
    model = lora_model(tiny_model_dir, targets=("q_proj", "k_proj", "v_proj", "o_proj"))
    before = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    with torch.no_grad():
        logits = model(tokens()).logits
    for _ in range(3):
        list(vllm_weight_items(model))
    after = model.state_dict()
    assert all(torch.equal(before[name], after[name]) for name in before)
    assert not any(m.merged for m in model.modules() if isinstance(m, peft.tuners.lora.LoraLayer))
    with torch.no_grad():
        assert torch.equal(model(tokens()).logits, logits)


def test_disabled_adapters_give_the_base_weights(tiny_model_dir):
    model = lora_model(tiny_model_dir)
    base = load_model(tiny_model_dir).state_dict()
    with model.disable_adapter():
        items = dict(vllm_weight_items(model))
    assert all(torch.equal(items[name], base[name]) for name in base)


def test_dora_adapters_are_refused_by_name(tiny_model_dir):
    model = peft.get_peft_model(
        load_model(tiny_model_dir),
        peft.LoraConfig(r=4, target_modules=["q_proj"], use_dora=True, task_type="CAUSAL_LM"),
    )
    with pytest.raises(WeightSyncError, match=r"q_proj.*DoRA.*backend: transformers"):
        list(vllm_weight_items(model))


def test_a_sync_that_misses_vllm_parameters_fails_naming_them(tiny_model_dir):
    # vLLM fuses q/k/v and gate/up: a name it does not have leaves its parameter unloaded
    vllm_names = ["model.layers.0.self_attn.qkv_proj.weight", "model.norm.weight"]
    with pytest.raises(WeightSyncError, match=r"1 of vLLM's parameters .*qkv_proj.*transformers"):
        check_loaded(vllm_names, ["model.norm.weight"], sent=2)
    with pytest.raises(WeightSyncError, match="no weights"):
        check_loaded(vllm_names, vllm_names, sent=0)
    check_loaded(vllm_names, reversed(vllm_names), sent=2)
    check_loaded(vllm_names, None, sent=2)


@no_vllm
def test_without_vllm_the_generator_says_what_to_install_or_use(tiny_model_dir, tiny_backend):
    settings = GRPOConfig(model=str(tiny_model_dir), backend="vllm", envs=["Countdown-v0"])
    with pytest.raises(CogymError) as caught:
        VLLMGenerator(tiny_backend.model, tiny_backend, settings)
    message = str(caught.value)
    assert "pip install 'cogym[vllm]'" in message
    assert "CUDA" in message
    assert "backend: transformers" in message
    assert "No module named 'vllm'" in message


@no_vllm
@pytest.mark.usefixtures("digits_family")
def test_a_vllm_run_without_vllm_fails_before_any_rollout(tiny_model_dir, tmp_path):
    settings = GRPOConfig(
        model=str(tiny_model_dir),
        device="cpu",
        backend="vllm",
        envs=[{"id": DIGITS_ID, "kwargs": {"max_turns": 1}}],
        group_size=2,
        tasks_per_step=1,
        max_new_tokens_per_turn=4,
        max_tokens_per_episode=4,
        total_steps=1,
        output_dir=str(tmp_path / "run"),
    )
    with pytest.raises(CogymError, match=r"cogym\[vllm\].*backend: transformers"):
        GRPOTrainer(settings, log=True)
    assert not (tmp_path / "run").exists()
