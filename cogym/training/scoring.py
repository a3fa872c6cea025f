"""The trainer's log-probs of the scored tokens, with the LM head applied only there.

The vocabulary projection is a large share of a small model's cost (49k x 576 for
SmolLM2-135M), and most positions of a multi-turn sequence are prompt or env tokens
the loss never reads. So the model's trunk runs on every position, and the head only on
the hidden states that predict a scored token.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch

from cogym.training.losses import token_log_probs


def _parts(model: Any) -> tuple[Any, Any] | None:
    """The trunk and LM head of a causal LM (through a peft wrapper), or ``None`` when the
    model post-processes its logits (soft-capping, scaling) and must run whole."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    config = getattr(base, "config", None)
    if getattr(config, "final_logit_softcapping", None) or getattr(config, "logit_scale", None):
        return None
    get_decoder = getattr(base, "get_decoder", None)
    head = base.get_output_embeddings() if hasattr(base, "get_output_embeddings") else None
    trunk = get_decoder() if callable(get_decoder) else None
    if trunk is None or head is None or trunk is base:
        return None
    return trunk, head


def score_tokens(
    model: Any,
    batch: dict[str, torch.Tensor],
    *,
    with_entropy: bool = True,
    autocast_dtype: torch.dtype | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Log-probs ``[B, T-1]`` of ``batch["target_ids"]`` where ``batch["loss_mask"]`` is
    set (0.0 elsewhere), with grad, and the policy's entropy at those positions (``[N]``,
    no grad) when asked.

    :param model: a transformers causal LM (maybe peft-wrapped), on the batch's device.
    :param batch: what :func:`~cogym.training.samples.collate` returns, on that device.
    :param autocast_dtype: run the forward under autocast in this dtype (bf16 on CUDA).
    """
    input_ids, attention = batch["input_ids"], batch["attention_mask"]
    mask, targets = batch["loss_mask"], batch["target_ids"]
    device = input_ids.device
    autocast = (
        torch.autocast(device.type, dtype=autocast_dtype)
        if autocast_dtype is not None
        else contextlib.nullcontext()
    )
    with autocast:
        parts = _parts(model)
        if parts is None:
            logits = model(input_ids=input_ids, attention_mask=attention).logits[:, :-1][mask]
        else:
            trunk, head = parts
            hidden = trunk(input_ids=input_ids, attention_mask=attention).last_hidden_state
            logits = head(hidden[:, :-1][mask])
    scored = token_log_probs(logits.float(), targets[mask])
    logprobs = torch.zeros(mask.shape, dtype=scored.dtype, device=device).masked_scatter(
        mask, scored
    )
    entropy = None
    if with_entropy:
        with torch.no_grad():
            log_p = torch.log_softmax(logits.detach().float(), dim=-1)
            entropy = -(log_p.exp() * log_p).sum(dim=-1)
    return logprobs, entropy
