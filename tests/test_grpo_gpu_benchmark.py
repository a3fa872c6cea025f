"""benchmarks/grpo_gpu.py runs end to end on CPU with its tiny settings, so it cannot rot."""

from __future__ import annotations

import json
import math

import pytest

from tests.benchmark_scripts import load_benchmark

pytest.importorskip("transformers", reason="needs the llm extra: pip install 'cogym[llm]'")


@pytest.fixture(scope="module")
def grpo_gpu(monkeypatch_module):
    """The benchmark script, imported by path (it imports ``common`` from its folder)."""
    return load_benchmark("grpo_gpu", monkeypatch_module)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def tiny_run(grpo_gpu, tmp_path_factory):
    """What the tiny CPU run returned and what it wrote."""
    out = tmp_path_factory.mktemp("grpo-gpu") / "x.json"
    returned = grpo_gpu.main(["--tiny", "--device", "cpu", "--out", str(out)])
    return returned, json.loads(out.read_text())


def positive_finite(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def test_the_file_holds_what_main_returned(tiny_run):
    returned, written = tiny_run
    assert written == json.loads(json.dumps(returned))


def test_rollouts_have_tokens_per_s_and_the_decode_bound_at_each_batch_size(tiny_run):
    _, result = tiny_run
    rows = result["rollout"]["transformers"]
    assert [row["batch"] for row in rows] == result["settings"]["batches"] == [2, 4]
    for row in rows:
        for key in ("generated_tokens", "seconds", "tokens_per_s", "bound_tokens_per_s"):
            assert positive_finite(row[key]), (key, row[key])
        assert row["generated_tokens"] <= row["batch"] * row["new_tokens"]
        assert row["fraction_of_bound"] == pytest.approx(
            row["tokens_per_s"] / row["bound_tokens_per_s"]
        )


def test_the_bound_counts_weights_once_per_step_and_kv_cache_per_row(grpo_gpu, tiny_run):
    _, result = tiny_run
    model, bandwidth = result["model"], result["bandwidth"]
    row = result["rollout"]["transformers"][1]
    step_bytes = (
        model["weight_bytes"] + row["batch"] * row["mean_context"] * (model["kv_bytes_per_token"])
    )
    assert row["bound_tokens_per_s"] == pytest.approx(
        row["batch"] * bandwidth["gbs"] * 1e9 / step_bytes
    )
    # 2 layers x 2 KV heads x head dim 16 x (K and V) x 4 bytes (float32 on CPU)
    assert model["kv_bytes_per_token"] == 2 * 2 * 16 * 2 * 4
    assert model["weight_bytes"] == model["parameters"] * 4


def test_on_cpu_the_bandwidth_is_measured_and_labelled_so(tiny_run):
    _, result = tiny_run
    assert result["bandwidth"]["source"] == "measured (tensor copy)"
    assert positive_finite(result["bandwidth"]["gbs"])


def test_the_train_step_reports_time_throughput_and_peak_memory(tiny_run):
    _, result = tiny_run
    train = result["train"]
    for key in ("step_s", "forward_s", "backward_s", "optimizer_s", "tokens_per_s"):
        assert positive_finite(train[key]), (key, train[key])
    assert train["step_s"] == pytest.approx(
        train["forward_s"] + train["backward_s"] + train["optimizer_s"]
    )
    assert train["tokens_per_s"] == pytest.approx(2 * 16 / train["step_s"])
    assert positive_finite(train["peak_memory_bytes"])
    assert train["peak_memory_kind"] == "process peak RSS"
    assert train["autocast_bf16"] is False


def test_device_versions_and_a_skipped_vllm_are_recorded(tiny_run):
    _, result = tiny_run
    assert result["device"]["device"] == "cpu"
    assert result["versions"]["torch"] and result["versions"]["transformers"]
    assert result["vllm_skipped"].startswith("skipped:")
    assert "vllm" not in result["rollout"]


def test_the_full_preset_has_qwen2_05b_parameter_count_and_kv_cache(grpo_gpu):
    import torch
    from transformers import Qwen2ForCausalLM

    with torch.device("meta"):  # shapes only: no memory, no init
        model = Qwen2ForCausalLM(grpo_gpu.qwen2_config(grpo_gpu.QWEN2_05B)).to(torch.bfloat16)
    sizes = grpo_gpu.model_sizes(model, grpo_gpu.QWEN2_05B)
    assert sizes["parameters"] == 494_032_768  # Qwen2-0.5B's count, embeddings tied
    assert sizes["weight_bytes"] == 2 * 494_032_768
    # 24 layers x 2 KV heads x head dim 64 x (K and V) x 2 bytes
    assert sizes["kv_bytes_per_token"] == 12_288


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--batches", "0,4"], "--batches must be at least 1"),
        (["--train-tokens", "1"], "--train-tokens must be at least 2"),
        (["--bandwidth-gbs", "0"], "--bandwidth-gbs must be > 0"),
    ],
)
def test_impossible_flags_fail_before_any_work_saying_what_to_pass(grpo_gpu, flags, message):
    from cogym.core.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match=message):
        grpo_gpu.parse_args(["--tiny", "--device", "cpu", *flags])
