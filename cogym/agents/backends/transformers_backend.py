"""Local generation with Hugging Face transformers: batched, left-padded, on CPU or CUDA."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cogym.agents.backends.base import Completion, SamplingParams, TokenizerBackend
from cogym.agents.backends.model_files import (
    BUILTIN,
    BUILTIN_NAME,
    dequantized_model,
    resolve_model,
)
from cogym.core.errors import CogymError

try:
    import torch
    from transformers import (
        AutoModelForCausalLM,
        AutoTokenizer,
        GenerationConfig,
        LogitsProcessor,
        LogitsProcessorList,
        StoppingCriteria,
        StoppingCriteriaList,
    )
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        f"TransformersBackend needs torch and transformers: pip install 'cogym[llm]' ({error})"
    ) from error


class _Interrupt(StoppingCriteria):
    """Ends generation for every row at the next token once ``interrupt()`` is true."""

    def __init__(self, interrupt: Callable[[], bool]) -> None:
        self.interrupt = interrupt

    def __call__(
        self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any
    ) -> torch.BoolTensor:
        stop = bool(self.interrupt())
        return torch.full((input_ids.shape[0],), stop, dtype=torch.bool, device=input_ids.device)


class _LogprobRecorder(LogitsProcessor):
    """Records ``log p(chosen token)`` under the raw logits at every generation step.

    Placed before any warper, it sees the model's unmodified logits. It keeps only one
    step's log-softmax at a time: the token chosen from step ``t`` is known at step
    ``t+1`` (or after generation, for the last step).
    """

    def __init__(self) -> None:
        self.steps: list[torch.Tensor] = []
        self._pending: torch.Tensor | None = None

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self._pending is not None:
            self._take(input_ids[:, -1])
        self._pending = torch.log_softmax(scores.float(), dim=-1)
        return scores

    def _take(self, chosen: torch.Tensor) -> None:
        assert self._pending is not None
        self.steps.append(self._pending.gather(1, chosen[:, None]).squeeze(1))
        self._pending = None

    def finish(self, generated: torch.Tensor) -> torch.Tensor:
        """Return ``[batch, steps]`` log-probs given the generated token ids."""
        if self._pending is not None and generated.shape[1] > len(self.steps):
            self._take(generated[:, len(self.steps)])
        if not self.steps:
            return generated.new_zeros(generated.shape, dtype=torch.float32)
        return torch.stack(self.steps, dim=1)


def _default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


class TransformersBackend(TokenizerBackend):
    """Generate with a local transformers model: a folder, a ``.gguf`` file, or ``"builtin"``.

    GGUF files are de-quantised by transformers on first use and cached as safetensors
    (see :func:`~cogym.agents.backends.model_files.cache_dir`), so later loads take seconds.
    Nothing is downloaded: loading is ``local_files_only``.

    :param model: ``"builtin"`` (SmolLM2-135M-Instruct), a model folder, or a ``.gguf`` file.
    :param device: ``"cpu"``, ``"cuda"``, ``"cuda:1"``...; default CUDA when available.
    :param dtype: a torch dtype or its name; default float32 on CPU, bfloat16 on CUDA.
    :param max_batch_size: the most conversations generated in one forward batch.
    :param use_cache: cache de-quantised GGUF weights (default True).
    """

    def __init__(
        self,
        model: str | os.PathLike[str] = BUILTIN,
        *,
        device: str | None = None,
        dtype: str | torch.dtype | None = None,
        max_batch_size: int = 64,
        use_cache: bool = True,
    ) -> None:
        self.device = torch.device(device or _default_device())
        if dtype is None:
            dtype = torch.float32 if self.device.type == "cpu" else torch.bfloat16
        self.dtype = getattr(torch, dtype) if isinstance(dtype, str) else dtype
        self.max_batch_size = max_batch_size
        folder, gguf_file = resolve_model(model)
        if gguf_file is not None and use_cache:
            folder, gguf_file = dequantized_model(folder / gguf_file), None
        self.name = BUILTIN_NAME if str(model) == BUILTIN else Path(model).name
        self.tokenizer = AutoTokenizer.from_pretrained(
            folder, gguf_file=gguf_file, local_files_only=True
        )
        self.model = AutoModelForCausalLM.from_pretrained(
            folder, gguf_file=gguf_file, local_files_only=True, dtype=self.dtype
        ).to(self.device)
        self.model.eval()
        self._setup_tokens()

    # -- loading ----------------------------------------------------------------------

    def _setup_tokens(self) -> None:
        tokenizer = self.tokenizer
        if tokenizer.chat_template is None:
            raise CogymError(f"{self.name} has no chat template; use an instruct/chat model folder")
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        ends = self.model.generation_config.eos_token_id
        ends = [] if ends is None else [ends] if isinstance(ends, int) else list(ends)
        if tokenizer.eos_token_id is not None:
            ends.append(tokenizer.eos_token_id)
        self.end_token_ids = sorted(set(ends))
        if not self.end_token_ids:
            raise CogymError(f"{self.name} defines no end-of-sequence token")

    # -- generation -------------------------------------------------------------------

    def generate_from_ids(
        self,
        prompts: Sequence[Sequence[int]],
        params: SamplingParams,
        interrupt: Callable[[], bool] | None = None,
    ) -> list[Completion]:
        """Generate from already tokenised prompts (token-in/token-out).

        :param interrupt: checked after every token; once true, every row ends there
            (finish reason ``"length"``) and later batches are not started.
        """
        completions: list[Completion] = []
        for start in range(0, len(prompts), self.max_batch_size):
            batch = prompts[start : start + self.max_batch_size]
            if interrupt is not None and interrupt():
                completions += [Completion("", [], [], "length", list(p)) for p in batch]
                continue
            if params.seed is not None and start:  # each chunk its own noise, reproducibly
                batch_params = dataclasses.replace(params, seed=params.seed + start)
            else:
                batch_params = params
            completions += self._generate_batch(batch, batch_params, interrupt)
        return completions

    def _generation_config(self, params: SamplingParams) -> GenerationConfig:
        sampling: dict[str, Any] = (
            {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
            if params.greedy
            else {
                "do_sample": True,
                "temperature": params.temperature,
                "top_p": params.top_p,
                "top_k": 0,
            }
        )
        return GenerationConfig(
            max_new_tokens=params.max_new_tokens,
            eos_token_id=self.end_token_ids,
            pad_token_id=self.tokenizer.pad_token_id,
            stop_strings=list(params.stop) or None,
            return_dict_in_generate=True,
            **sampling,
        )

    @torch.inference_mode()
    def _generate_batch(
        self,
        prompts: Sequence[Sequence[int]],
        params: SamplingParams,
        interrupt: Callable[[], bool] | None = None,
    ) -> list[Completion]:
        width = max(len(prompt) for prompt in prompts)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.full((len(prompts), width), pad, dtype=torch.long)
        attention_mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for row, prompt in enumerate(prompts):  # left padding
            input_ids[row, width - len(prompt) :] = torch.tensor(prompt, dtype=torch.long)
            attention_mask[row, width - len(prompt) :] = 1
        recorder = _LogprobRecorder()
        stopping = StoppingCriteriaList([_Interrupt(interrupt)] if interrupt else [])
        devices = [self.device] if self.device.type == "cuda" else []
        # a seeded call leaves the global generator as it was; an unseeded one draws from
        # it (forking it would replay the same noise on every call)
        seeded = params.seed is not None
        with torch.random.fork_rng(devices=devices, enabled=seeded):
            if seeded:
                torch.manual_seed(params.seed)
            output = self.model.generate(
                input_ids=input_ids.to(self.device),
                attention_mask=attention_mask.to(self.device),
                generation_config=self._generation_config(params),
                logits_processor=LogitsProcessorList([recorder]),
                stopping_criteria=stopping,
                tokenizer=self.tokenizer,
            )
        generated = output.sequences[:, width:].cpu()
        logprobs = recorder.finish(output.sequences[:, width:]).cpu()
        return [
            self._completion(prompt, generated[row].tolist(), logprobs[row].tolist(), params)
            for row, prompt in enumerate(prompts)
        ]

    def _completion(
        self,
        prompt: Sequence[int],
        tokens: list[int],
        logprobs: list[float],
        params: SamplingParams,
    ) -> Completion:
        """Cut one row at its end-of-turn token or stop string."""
        end = next((i for i, token in enumerate(tokens) if token in self.end_token_ids), None)
        body = tokens if end is None else tokens[:end]
        text = self.tokenizer.decode(body, skip_special_tokens=True)
        hits = [(text.find(stop), stop) for stop in params.stop if stop in text]
        if hits:
            cut, _ = min(hits)
            kept = self._tokens_through(body, params.stop)
            return Completion(text[:cut], tokens[:kept], logprobs[:kept], "stop", list(prompt))
        if end is not None:
            return Completion(text, tokens[: end + 1], logprobs[: end + 1], "stop", list(prompt))
        return Completion(text, tokens, logprobs, "length", list(prompt))

    def _tokens_through(self, body: list[int], stops: Sequence[str]) -> int:
        """The fewest leading tokens of ``body`` whose text contains a stop string."""
        low, high = 1, len(body)
        while low < high:
            middle = (low + high) // 2
            text = self.tokenizer.decode(body[:middle], skip_special_tokens=True)
            if any(stop in text for stop in stops):
                high = middle
            else:
                low = middle + 1
        return high

    def close(self) -> None:
        self.model = None  # type: ignore[assignment]
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
