"""GRPO on a GPU: rollout tokens/s next to the decode memory-bandwidth bound, and one update.

Usage: python benchmarks/grpo_gpu.py [--device cuda] [--batches 8,32,128]
       [--prompt-tokens 256] [--new-tokens 256] [--train-batch 16] [--train-tokens 1024]
       [--train-steps 3] [--bandwidth-gbs 4800] [--gradient-checkpointing] [--no-vllm]
       [--tiny] [--out benchmarks/results/grpo_gpu.json]

The model is Qwen2-0.5B-sized (hidden 896, 24 layers, 14 heads, 2 KV heads, MLP 4864,
vocabulary 151936, tied embeddings) with random weights, saved with a word-level tokenizer
to a temporary folder: only token ids matter for speed, and nothing is downloaded.
``--tiny`` swaps in a 2-layer, hidden-64 model and a few tokens, which runs in seconds on
a CPU (the tests run it so the script cannot rot).

- Rollouts: random prompts, sampled at temperature 1, through cogym's
  ``TransformersBackend.generate_from_ids`` (the path the GRPO rollout engine takes,
  behaviour log-probs included) and through ``vllm.LLM`` with ``ignore_eos`` when vLLM
  is installed. Tokens/s counts the tokens returned (a random model rarely emits its
  end token, which ends that row early) over the call's wall time. Beside each figure is
  the decode bound ``batch * bandwidth / (weight bytes + batch * mean context * KV bytes
  per token)``: each decode step reads every weight once and every row's KV cache.
- Training: one GRPO update on ``train-batch`` sequences of ``train-tokens`` tokens, the
  second half of each scored: forward of the policy, log-probs at the scored positions
  only (``cogym.training.losses.token_log_probs``), ``grpo_loss``, backward, gradient
  clipping, AdamW step; bfloat16 weights and autocast on CUDA (the trainer's ``auto``).
  One warm-up update, then the mean of ``train-steps`` updates, split into forward (with
  the loss), backward and optimiser time. Peak memory is ``torch.cuda.max_memory_allocated``
  on CUDA, the process's peak RSS on CPU.

Prints tables and writes every figure, the device, versions and settings to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import resource
import sys
import tempfile
import time
from argparse import Namespace
from pathlib import Path
from typing import Any

import torch
import transformers
from common import RESULTS, machine_info
from rich.console import Console
from rich.table import Table
from transformers import PreTrainedModel, Qwen2Config

from cogym.agents.backends import SamplingParams
from cogym.agents.backends.transformers_backend import TransformersBackend
from cogym.core.errors import InvalidArgumentError
from cogym.training.losses import grpo_loss, token_log_probs

#: The H200's HBM3e bandwidth in GB/s (NVIDIA's figure), the default bound on an H200.
H200_BANDWIDTH_GBS = 4800.0

QWEN2_05B = {
    "hidden_size": 896,
    "num_hidden_layers": 24,
    "num_attention_heads": 14,
    "num_key_value_heads": 2,
    "intermediate_size": 4864,
    "vocab_size": 151936,
}
TINY = {
    "hidden_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "intermediate_size": 128,
    "vocab_size": 512,
}
#: Defaults of the workload flags, full size and ``--tiny``.
PRESETS = {
    "full": {
        "batches": "8,32,128",
        "prompt_tokens": 256,
        "new_tokens": 256,
        "train_batch": 16,
        "train_tokens": 1024,
        "train_steps": 3,
    },
    "tiny": {
        "batches": "2,4",
        "prompt_tokens": 8,
        "new_tokens": 8,
        "train_batch": 2,
        "train_tokens": 16,
        "train_steps": 2,
    },
}
SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


# -- the model -----------------------------------------------------------------------------


def qwen2_config(shape: dict[str, int]) -> Qwen2Config:
    """A Qwen2 config of ``shape`` with tied embeddings and the special ids of ``SPECIALS``."""
    return Qwen2Config(
        **shape,
        max_position_embeddings=32768,
        tie_word_embeddings=True,
        pad_token_id=SPECIALS.index("<|endoftext|>"),
        bos_token_id=SPECIALS.index("<|im_start|>"),
        eos_token_id=SPECIALS.index("<|im_end|>"),
    )


def build_model_folder(folder: Path, shape: dict[str, int], dtype: torch.dtype) -> Path:
    """Save a random Qwen2 model of ``shape`` and a word-level tokenizer covering its
    vocabulary (specials first, then ``t3, t4, ...``) into ``folder``."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen2ForCausalLM

    vocab = {token: i for i, token in enumerate(SPECIALS)}
    vocab.update({f"t{i}": i for i in range(len(SPECIALS), shape["vocab_size"])})
    core = Tokenizer(models.WordLevel(vocab, unk_token=SPECIALS[0]))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token=SPECIALS[1], eos_token=SPECIALS[2], pad_token=SPECIALS[0]
    )
    tokenizer.chat_template = CHATML
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(qwen2_config(shape)).to(dtype)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def model_sizes(model: torch.nn.Module, shape: dict[str, int]) -> dict[str, Any]:
    """Parameters, weight bytes (tied weights once) and KV-cache bytes per token."""
    params = {id(p): p for p in model.parameters()}.values()
    element = next(iter(params)).element_size()
    head_dim = shape["hidden_size"] // shape["num_attention_heads"]
    kv_per_token = 2 * shape["num_hidden_layers"] * shape["num_key_value_heads"] * head_dim
    return {
        "parameters": sum(p.numel() for p in params),
        "weight_bytes": sum(p.numel() * p.element_size() for p in params),
        "kv_bytes_per_token": kv_per_token * element,
        "dtype": str(next(iter(params)).dtype).removeprefix("torch."),
        **shape,
        "tie_word_embeddings": True,
    }


# -- bandwidth -------------------------------------------------------------------------------


def measure_bandwidth(device: torch.device, megabytes: int = 256, repeats: int = 5) -> float:
    """GB/s of a tensor copy on ``device`` (bytes read plus bytes written), best of ``repeats``."""
    source = torch.ones(megabytes * 2**20 // 4, dtype=torch.float32, device=device)
    target = torch.empty_like(source)
    best = math.inf
    for _ in range(repeats + 1):  # the first copy pays page faults; best-of ignores it
        synchronize(device)
        start = time.perf_counter()
        target.copy_(source)
        synchronize(device)
        best = min(best, time.perf_counter() - start)
    return 2 * source.numel() * source.element_size() / best / 1e9


def choose_bandwidth(flag: float | None, device: torch.device) -> dict[str, Any]:
    """The bandwidth the bound uses and where it came from, plus the measured copy rate."""
    # 1 GiB on a GPU keeps a copy well above the timer's resolution at TB/s
    measured = measure_bandwidth(device, megabytes=1024 if device.type == "cuda" else 256)
    if flag is not None:
        return {"gbs": flag, "source": "--bandwidth-gbs", "measured_copy_gbs": measured}
    if device.type == "cuda" and "H200" in torch.cuda.get_device_name(device):
        return {"gbs": H200_BANDWIDTH_GBS, "source": "nominal H200", "measured_copy_gbs": measured}
    return {"gbs": measured, "source": "measured (tensor copy)", "measured_copy_gbs": measured}


def decode_bound(batch: int, mean_context: float, sizes: dict, bandwidth_gbs: float) -> float:
    """Tokens/s a memory-bound decode can reach: every step reads all weights and the KV
    cache of every row at ``mean_context`` tokens."""
    step_bytes = sizes["weight_bytes"] + batch * mean_context * sizes["kv_bytes_per_token"]
    return batch * bandwidth_gbs * 1e9 / step_bytes


# -- rollouts --------------------------------------------------------------------------------


def random_prompts(batch: int, length: int, vocab: int, seed: int) -> list[list[int]]:
    """``batch`` prompts of ``length`` ids drawn from the non-special tokens."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(len(SPECIALS), vocab, (batch, length), generator=generator)
    return ids.tolist()


def rollout_row(
    batch: int, tokens: int, seconds: float, args: Namespace, sizes: dict, bandwidth: dict
) -> dict:
    """One rollout measurement with its decode bound."""
    mean_context = args.prompt_tokens + args.new_tokens / 2
    bound = decode_bound(batch, mean_context, sizes, bandwidth["gbs"])
    return {
        "batch": batch,
        "prompt_tokens": args.prompt_tokens,
        "new_tokens": args.new_tokens,
        "generated_tokens": tokens,
        "seconds": seconds,
        "tokens_per_s": tokens / seconds,
        "mean_context": mean_context,
        "bound_tokens_per_s": bound,
        "fraction_of_bound": tokens / seconds / bound,
    }


def transformers_rollouts(
    backend: TransformersBackend, args: Namespace, sizes: dict, bandwidth: dict
) -> list[dict]:
    """Time ``generate_from_ids`` at each batch size, after one warm-up call."""
    vocab = sizes["vocab_size"]
    params = SamplingParams(max_new_tokens=args.new_tokens, temperature=1.0, seed=0)
    warm = SamplingParams(max_new_tokens=min(4, args.new_tokens), temperature=1.0, seed=0)
    # one-off costs (kernels, allocator growth) at the largest batch stay out of the figures
    backend.generate_from_ids(random_prompts(max(args.batches), args.prompt_tokens, vocab, 0), warm)
    rows = []
    for batch in args.batches:
        prompts = random_prompts(batch, args.prompt_tokens, vocab, batch)
        synchronize(backend.device)
        start = time.perf_counter()
        completions = backend.generate_from_ids(prompts, params)
        seconds = time.perf_counter() - start
        tokens = sum(len(completion.token_ids) for completion in completions)
        rows.append(rollout_row(batch, tokens, seconds, args, sizes, bandwidth))
    return rows


def vllm_rollouts(
    folder: Path, args: Namespace, sizes: dict, bandwidth: dict
) -> tuple[list[dict], str | None]:
    """Time ``vllm.LLM.generate`` with ``ignore_eos`` at each batch size; or say why not.

    A failing vLLM is reported, not raised: the figures measured before it are kept.
    """
    if args.no_vllm:
        return [], "skipped: --no-vllm"
    if args.device.type != "cuda":
        return [], "skipped: vLLM needs a CUDA device"
    try:
        import vllm
    except ImportError as error:
        return [], f"skipped: vLLM is not installed ({error}); pip install 'cogym[vllm]'"
    try:
        return _time_vllm(vllm, folder, args, sizes, bandwidth), None
    except Exception as error:  # any vLLM failure is a result to report
        return [], f"failed: {type(error).__name__}: {error}"


def _time_vllm(
    vllm: Any, folder: Path, args: Namespace, sizes: dict, bandwidth: dict
) -> list[dict]:
    """The vLLM rows: one engine on ``folder``, one warm-up call, then each batch size."""
    torch.cuda.empty_cache()
    llm = vllm.LLM(
        model=str(folder),
        tokenizer=str(folder),
        dtype="bfloat16",
        gpu_memory_utilization=args.vllm_memory,
        max_model_len=args.prompt_tokens + args.new_tokens + 16,
        seed=0,
    )
    params = vllm.SamplingParams(
        max_tokens=args.new_tokens, temperature=1.0, ignore_eos=True, seed=0
    )
    vocab = sizes["vocab_size"]

    def run(prompts: list[list[int]]) -> int:
        requests = [{"prompt_token_ids": prompt} for prompt in prompts]
        outputs = llm.generate(requests, params, use_tqdm=False)
        return sum(len(output.outputs[0].token_ids) for output in outputs)

    run(random_prompts(max(args.batches), args.prompt_tokens, vocab, 0))
    rows = []
    for batch in args.batches:
        prompts = random_prompts(batch, args.prompt_tokens, vocab, batch)
        start = time.perf_counter()
        tokens = run(prompts)
        rows.append(rollout_row(batch, tokens, time.perf_counter() - start, args, sizes, bandwidth))
    return rows


# -- one GRPO update -------------------------------------------------------------------------


def grpo_update(
    model: PreTrainedModel,
    optimizer: torch.optim.Optimizer,
    batch: dict[str, torch.Tensor],
    autocast: bool,
) -> dict[str, float]:
    """One GRPO update; returns the seconds of forward (with the loss), backward, optimiser."""
    device = batch["input_ids"].device
    times = {}
    start = time.perf_counter()
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
        hidden = model.model(input_ids=batch["input_ids"], use_cache=False).last_hidden_state
        # position i predicts token i + 1: score only the policy's tokens, so the LM head
        # runs on them alone
        scored = hidden[:, :-1][batch["loss_mask"][:, 1:]]
        logits = model.lm_head(scored)
    logprobs = token_log_probs(logits, batch["input_ids"][:, 1:][batch["loss_mask"][:, 1:]])
    logprobs = logprobs.view(batch["input_ids"].shape[0], -1)
    loss, _ = grpo_loss(
        logprobs,
        logprobs.detach(),  # mu = 1: the behaviour log-probs equal the policy's
        batch["advantages"],
        torch.ones_like(logprobs, dtype=torch.bool),
        clip_low=0.2,
        clip_high=0.28,
    )
    synchronize(device)
    times["forward_s"] = time.perf_counter() - start
    start = time.perf_counter()
    loss.backward()
    synchronize(device)
    times["backward_s"] = time.perf_counter() - start
    start = time.perf_counter()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    synchronize(device)
    times["optimizer_s"] = time.perf_counter() - start
    return times


def train_step(model: PreTrainedModel, args: Namespace, sizes: dict) -> dict[str, Any]:
    """Mean time and peak memory of ``args.train_steps`` GRPO updates after one warm-up."""
    device = args.device
    generator = torch.Generator().manual_seed(0)
    shape = (args.train_batch, args.train_tokens)
    input_ids = torch.randint(len(SPECIALS), sizes["vocab_size"], shape, generator=generator)
    loss_mask = torch.zeros(shape, dtype=torch.bool)
    loss_mask[:, args.train_tokens // 2 :] = True  # the first half is the prompt
    batch = {
        "input_ids": input_ids.to(device),
        "loss_mask": loss_mask.to(device),
        "advantages": torch.randn(args.train_batch, generator=generator).to(device),
    }
    model.train()
    if args.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-6)
    autocast = device.type == "cuda"
    grpo_update(model, optimizer, batch, autocast)  # allocates the optimiser state
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    steps = [grpo_update(model, optimizer, batch, autocast) for _ in range(args.train_steps)]
    if device.type == "cuda":
        peak, peak_kind = torch.cuda.max_memory_allocated(device), "cuda max_memory_allocated"
    else:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = rss if platform.system() == "Darwin" else rss * 1024  # Linux reports KiB
        peak_kind = "process peak RSS"
    means = {key: sum(step[key] for step in steps) / len(steps) for key in steps[0]}
    step_s = sum(means.values())
    tokens = args.train_batch * args.train_tokens
    return {
        "batch": args.train_batch,
        "tokens_per_sequence": args.train_tokens,
        "scored_tokens_per_sequence": args.train_tokens - args.train_tokens // 2,
        "steps": args.train_steps,
        "step_s": step_s,
        **means,
        "tokens_per_s": tokens / step_s,
        "peak_memory_bytes": peak,
        "peak_memory_kind": peak_kind,
        "autocast_bf16": autocast,
        "gradient_checkpointing": args.gradient_checkpointing,
        "optimizer": "AdamW (lr 1e-6), grad-norm clip 1.0",
    }


# -- running ---------------------------------------------------------------------------------


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work, so wall times cover it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def parse_args(argv: list[str] | None) -> Namespace:
    """Flags, with the workload defaults of the full or ``--tiny`` preset filled in."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="2-layer hidden-64 model, few tokens")
    parser.add_argument(
        "--device", default=None, help="cpu, cuda or cuda:N (default: cuda if present)"
    )
    parser.add_argument("--batches", default=None, help="rollout batch sizes, comma-separated")
    parser.add_argument("--prompt-tokens", type=int, default=None)
    parser.add_argument("--new-tokens", type=int, default=None, help="generated per row")
    parser.add_argument("--train-batch", type=int, default=None, help="sequences per update")
    parser.add_argument("--train-tokens", type=int, default=None, help="tokens per sequence")
    parser.add_argument("--train-steps", type=int, default=None, help="timed updates")
    parser.add_argument("--gradient-checkpointing", action="store_true")
    parser.add_argument(
        "--bandwidth-gbs",
        type=float,
        default=None,
        help="memory bandwidth for the bound (default: 4800 on an H200, else measured)",
    )
    parser.add_argument("--no-vllm", action="store_true", help="skip vLLM even if installed")
    parser.add_argument("--vllm-memory", type=float, default=0.5, help="vLLM's GPU share")
    parser.add_argument("--out", type=Path, default=RESULTS / "grpo_gpu.json")
    args = parser.parse_args(argv)
    for key, value in PRESETS["tiny" if args.tiny else "full"].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.batches = [int(b) for b in str(args.batches).split(",")]
    counts = {
        "--batches": min(args.batches),
        "--prompt-tokens": args.prompt_tokens,
        "--new-tokens": args.new_tokens,
        "--train-batch": args.train_batch,
        "--train-steps": args.train_steps,
    }
    for flag, value in counts.items():
        if value < 1:
            raise InvalidArgumentError(f"{flag} must be at least 1, got {value}")
    if args.train_tokens < 2:
        raise InvalidArgumentError(
            f"--train-tokens must be at least 2 (a prompt half and a scored half), got "
            f"{args.train_tokens}"
        )
    if args.bandwidth_gbs is not None and not args.bandwidth_gbs > 0:
        raise InvalidArgumentError(f"--bandwidth-gbs must be > 0, got {args.bandwidth_gbs}")
    args.device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if args.device.type == "cuda" and not torch.cuda.is_available():
        raise InvalidArgumentError(
            f"--device {args.device} asked for CUDA, which this torch cannot see; pass --device cpu"
        )
    return args


def device_info(device: torch.device) -> dict[str, Any]:
    """The accelerator's name and memory, or the CPU's."""
    if device.type == "cuda":
        properties = torch.cuda.get_device_properties(device)
        return {
            "device": str(device),
            "device_name": properties.name,
            "device_memory_bytes": properties.total_memory,
        }
    return {"device": "cpu", "device_name": machine_info()["cpu"]}


def versions() -> dict[str, str | None]:
    """Versions of what the figures depend on."""
    try:
        import vllm

        vllm_version = vllm.__version__
    except ImportError:
        vllm_version = None
    return {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "transformers": transformers.__version__,
        "vllm": vllm_version,
    }


def print_tables(result: dict) -> None:
    """The rollout and training figures, as rich tables."""
    console = Console()
    model, bandwidth = result["model"], result["bandwidth"]
    title = (
        f"Rollouts: {model['name']} ({model['dtype']}) on {result['device']['device_name']}; "
        f"bound at {bandwidth['gbs']:.0f} GB/s ({bandwidth['source']})"
    )
    table = Table(title=title)
    for column in ("engine", "batch", "tokens", "seconds", "tokens/s", "bound tokens/s", "% bound"):
        table.add_column(column, justify="right")
    for engine, rows in result["rollout"].items():
        for row in rows:
            table.add_row(
                engine,
                str(row["batch"]),
                str(row["generated_tokens"]),
                f"{row['seconds']:.2f}",
                f"{row['tokens_per_s']:.1f}",
                f"{row['bound_tokens_per_s']:.0f}",
                f"{100 * row['fraction_of_bound']:.1f}",
            )
    console.print(table)
    if result["vllm_skipped"]:
        console.print(f"vLLM: {result['vllm_skipped']}")
    train = result["train"]
    table = Table(title=f"One GRPO update ({train['peak_memory_kind']})")
    for column in ("B x T", "step s", "forward s", "backward s", "optim s", "tokens/s", "peak GB"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{train['batch']} x {train['tokens_per_sequence']}",
        f"{train['step_s']:.3f}",
        f"{train['forward_s']:.3f}",
        f"{train['backward_s']:.3f}",
        f"{train['optimizer_s']:.3f}",
        f"{train['tokens_per_s']:.1f}",
        f"{train['peak_memory_bytes'] / 1e9:.2f}",
    )
    console.print(table)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print the tables, write ``--out``; return what was written."""
    args = parse_args(argv)
    shape = TINY if args.tiny else QWEN2_05B
    dtype = torch.bfloat16 if args.device.type == "cuda" else torch.float32
    bandwidth = choose_bandwidth(args.bandwidth_gbs, args.device)
    with tempfile.TemporaryDirectory(prefix="cogym-grpo-gpu-") as tmp:
        folder = build_model_folder(Path(tmp) / "model", shape, dtype)
        backend = TransformersBackend(
            folder, device=str(args.device), dtype=dtype, max_batch_size=max(args.batches)
        )
        sizes = model_sizes(backend.model, shape)
        sizes["name"] = "tiny Qwen2 (random)" if args.tiny else "Qwen2-0.5B-size (random)"
        rollout = {"transformers": transformers_rollouts(backend, args, sizes, bandwidth)}
        train = train_step(backend.model, args, sizes)
        backend.close()
        vllm_rows, vllm_skipped = vllm_rollouts(folder, args, sizes, bandwidth)
    if vllm_rows:
        rollout["vllm"] = vllm_rows
    settings = {
        key: str(value) if isinstance(value, Path | torch.device) else value
        for key, value in vars(args).items()
    }
    result = {
        "machine": machine_info(),
        "device": device_info(args.device),
        "versions": versions(),
        "settings": settings,
        "model": sizes,
        "bandwidth": bandwidth,
        "rollout": rollout,
        "vllm_skipped": vllm_skipped,
        "train": train,
    }
    print_tables(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"saved {args.out}")
    return result


if __name__ == "__main__":
    main()
