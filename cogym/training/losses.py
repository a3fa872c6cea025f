"""The GRPO policy loss: PPO-clip per token over the policy's tokens, with the options of
the literature (DAPO clip-higher and token-mean, Dr. GRPO's constant normaliser, dual-clip,
a k3 KL to a reference).

Shapes: ``B`` sequences of ``T`` positions. ``loss_mask`` is 1 on the tokens the policy
generated and 0 on prompt, environment and padding tokens, which then change neither the
loss nor any gradient, whatever values sit there (even NaN).

References:

- PPO: Schulman et al. 2017, arXiv:1707.06347. Dual-clip: Ye et al. 2020, arXiv:1912.09729.
- GRPO: Shao et al. 2024, arXiv:2402.03300. DAPO: Yu et al. 2025, arXiv:2503.14476.
- Dr. GRPO: Liu et al. 2025, arXiv:2503.20783. k3: Schulman 2020, "Approximating KL
  divergence", http://joschu.net/blog/kl-approx.html.
"""

from __future__ import annotations

import torch

from cogym.core.checks import check_choice, check_number
from cogym.core.errors import InvalidArgumentError

#: The loss aggregations :func:`grpo_loss` takes.
AGGREGATIONS = ("token_mean", "seq_mean", "dr_grpo")


def token_log_probs(logits: torch.Tensor, token_ids: torch.Tensor) -> torch.Tensor:
    """``log softmax(logits)[token_ids]``, in float32, without building the full
    log-softmax: ``logits[id] - logsumexp(logits)``.

    No shift is applied: ``logits[..., i, :]`` must be the distribution that produced
    ``token_ids[..., i]``. Pass only the positions being scored (e.g. the policy's tokens),
    since the vocabulary-wide ``logsumexp`` is the costly part.

    :param logits: ``[..., V]`` float logits.
    :param token_ids: ``[...]`` integer ids in ``[0, V)``.
    :return: ``[...]`` log-probabilities, in float32 (float64 for float64 logits).
    """
    if logits.dim() < 1 or logits.shape[:-1] != token_ids.shape:
        raise InvalidArgumentError(
            f"logits must be token_ids.shape + [vocab]; got logits {tuple(logits.shape)} and "
            f"token_ids {tuple(token_ids.shape)}"
        )
    if not logits.is_floating_point() or token_ids.is_floating_point():
        raise InvalidArgumentError(
            f"logits must be float and token_ids integer, got {logits.dtype} and {token_ids.dtype}"
        )
    vocab = logits.shape[-1]
    if token_ids.numel() and (int(token_ids.min()) < 0 or int(token_ids.max()) >= vocab):
        raise InvalidArgumentError(
            f"token_ids must lie in [0, {vocab}) for a vocabulary of {vocab}; got ids from "
            f"{int(token_ids.min())} to {int(token_ids.max())}"
        )
    logits = _at_least_float32(logits)
    chosen = logits.gather(-1, token_ids.long().unsqueeze(-1)).squeeze(-1)
    return chosen - torch.logsumexp(logits, dim=-1)


def grpo_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    loss_mask: torch.Tensor,
    *,
    clip_low: float,
    clip_high: float,
    aggregation: str = "token_mean",
    normaliser: float | None = None,
    ratio_cap: float | None = None,
    ref_logprobs: torch.Tensor | None = None,
    kl_beta: float = 0.0,
) -> tuple[torch.Tensor, dict[str, float]]:
    """PPO-clip loss of the scored tokens, aggregated over the batch.

    Per scored token, with ``r = exp(logprobs - old_logprobs)`` and advantage ``A``::

        l = -min(r * A, clip(r, 1 - clip_low, 1 + clip_high) * A)
        if ratio_cap is set and A < 0:  l = min(l, -ratio_cap * A)       (dual-clip)
        if ref_logprobs is given:       l += kl_beta * k3
        k3 = exp(ref - logprobs) - (ref - logprobs) - 1                   (>= 0)

    ``clip_high > clip_low`` is DAPO's clip-higher. The dual-clip cap acts on tokens with
    a negative advantage only (a positive one is already capped at ``1 + clip_high``):
    where their ratio exceeds ``ratio_cap`` the loss is the constant ``-ratio_cap * A``, so
    such a token's gradient is 0 instead of growing with ``r``.

    Aggregation of the per-token losses ``l`` over the mask ``m``:

    - ``"token_mean"`` (DAPO): ``sum(l * m) / sum(m)``, every token of the batch weighs
      the same;
    - ``"seq_mean"`` (GRPO): the mean, over the sequences with at least one scored token,
      of each sequence's ``sum(l * m) / sum(m)``;
    - ``"dr_grpo"`` (Dr. GRPO): ``sum(l * m) / (B * normaliser)``, a constant divisor
      (``normaliser`` is typically the most tokens a sample can have), so no length bias.

    A sequence without scored tokens contributes nothing, and a batch without any gives a
    loss of 0 (no NaN). ``old_logprobs`` are the behaviour log-probs stored at generation;
    the ratio always uses them, so with several updates per batch (mu > 1) the later ones
    are clipped.

    :param logprobs: ``[B, T]`` the trained policy's log-probs (with grad).
    :param old_logprobs: ``[B, T]`` the behaviour policy's log-probs of the same tokens.
    :param advantages: ``[B]`` per sequence (broadcast to its tokens) or ``[B, T]``.
    :param loss_mask: ``[B, T]`` of 0/1 or bool: 1 on the policy's tokens.
    :param clip_low: the ratio's lower clip is ``1 - clip_low``; in ``[0, 1)``.
    :param clip_high: the ratio's upper clip is ``1 + clip_high``; ``>= 0``.
    :param aggregation: ``"token_mean"``, ``"seq_mean"`` or ``"dr_grpo"``.
    :param normaliser: the constant of ``"dr_grpo"`` (required there, refused elsewhere).
    :param ratio_cap: the dual-clip cap, ``> 1``; ``None`` for none.
    :param ref_logprobs: ``[B, T]`` the reference model's log-probs, for the KL.
    :param kl_beta: the KL's weight, ``>= 0``; above 0 it needs ``ref_logprobs``.
    :return: the scalar loss and metrics (floats): ``clip_frac_low`` and ``clip_frac_high``
        (shares of scored tokens whose gradient the lower or upper clip removed),
        ``clip_frac_cap`` (share the dual-clip cap removed), ``ratio_mean``, ``kl`` (mean
        k3, when ``ref_logprobs`` is given), ``logprob_gap_max`` (the largest
        ``|logprobs - old_logprobs|``: near 0 on the first update means the trainer
        scores the tokens the way they were generated), ``num_tokens``.
    """
    check_choice("aggregation", aggregation, AGGREGATIONS)
    clip_low = check_number("clip_low", clip_low, minimum=0.0)
    clip_high = check_number("clip_high", clip_high, minimum=0.0)
    if clip_low >= 1.0:
        raise InvalidArgumentError(
            f"clip_low must be < 1 (the lower clip is 1 - clip_low), got {clip_low}"
        )
    if ratio_cap is not None:
        ratio_cap = check_number("ratio_cap", ratio_cap, minimum=1.0, exclusive_minimum=True)
    kl_beta = check_number("kl_beta", kl_beta, minimum=0.0)
    if kl_beta > 0 and ref_logprobs is None:
        raise InvalidArgumentError("kl_beta > 0 needs ref_logprobs; pass them or kl_beta=0")
    if aggregation == "dr_grpo":
        if normaliser is None:
            raise InvalidArgumentError(
                "aggregation='dr_grpo' needs normaliser= a constant, e.g. the most tokens a "
                "sample can have"
            )
        normaliser = check_number("normaliser", normaliser, minimum=0.0, exclusive_minimum=True)
    elif normaliser is not None:
        raise InvalidArgumentError(
            f"normaliser is used by aggregation='dr_grpo' only; drop it for {aggregation!r}"
        )
    mask = _check_inputs(logprobs, old_logprobs, advantages, loss_mask, ref_logprobs)

    logprobs = _at_least_float32(logprobs)
    zero = torch.zeros((), dtype=logprobs.dtype, device=logprobs.device)
    # where() before exp(): values at unscored positions (even NaN) reach neither the loss
    # nor, through a 0 * inf, the gradient
    log_ratio = torch.where(mask, logprobs - _at_least_float32(old_logprobs.detach()), zero)
    adv = _at_least_float32(advantages.detach())
    adv = torch.where(mask, adv.unsqueeze(1) if adv.dim() == 1 else adv, zero)
    ratio = torch.exp(log_ratio)
    clipped = torch.clamp(ratio, 1.0 - clip_low, 1.0 + clip_high)
    per_token = -torch.minimum(ratio * adv, clipped * adv)
    capped = torch.zeros_like(mask)
    if ratio_cap is not None:
        capped = mask & (adv < 0) & (ratio > ratio_cap)
        per_token = torch.where(adv < 0, torch.minimum(per_token, -ratio_cap * adv), per_token)
    kl = None
    if ref_logprobs is not None:
        ref_gap = torch.where(mask, _at_least_float32(ref_logprobs.detach()) - logprobs, zero)
        kl = torch.exp(ref_gap) - ref_gap - 1.0
        per_token = per_token + kl_beta * kl
    per_token = torch.where(mask, per_token, zero)

    weights = mask.to(per_token.dtype)
    per_sequence = weights.sum(dim=1)
    count = per_sequence.sum()
    if aggregation == "token_mean":
        loss = per_token.sum() / count.clamp(min=1.0)
    elif aggregation == "seq_mean":
        sequence_means = per_token.sum(dim=1) / per_sequence.clamp(min=1.0)
        loss = sequence_means.sum() / (per_sequence > 0).sum().clamp(min=1)
    else:
        loss = per_token.sum() / (logprobs.shape[0] * normaliser)

    with torch.no_grad():
        denominator = max(float(count), 1.0)
        metrics = {
            "clip_frac_low": float((mask & (adv < 0) & (ratio < 1.0 - clip_low)).sum())
            / denominator,
            "clip_frac_high": float((mask & (adv > 0) & (ratio > 1.0 + clip_high)).sum())
            / denominator,
            "clip_frac_cap": float(capped.sum()) / denominator,
            "ratio_mean": float(torch.where(mask, ratio, zero).sum()) / denominator,
            "logprob_gap_max": float(log_ratio.abs().max()) if log_ratio.numel() else 0.0,
            "num_tokens": float(count),
        }
        if kl is not None:
            metrics["kl"] = float(torch.where(mask, kl, zero).sum()) / denominator
    return loss, metrics


def _at_least_float32(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor`` in float32, or as it is when already float32 or float64."""
    return tensor if tensor.dtype in (torch.float32, torch.float64) else tensor.float()


def _check_inputs(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    loss_mask: torch.Tensor,
    ref_logprobs: torch.Tensor | None,
) -> torch.Tensor:
    """Check shapes and finiteness on the scored tokens; return the mask as bool."""
    if logprobs.dim() != 2:
        raise InvalidArgumentError(
            f"logprobs must be [B, T] (sequences x positions), got shape {tuple(logprobs.shape)}"
        )
    shape = tuple(logprobs.shape)
    if shape[0] == 0:
        raise InvalidArgumentError("logprobs has no sequences; pass a batch of at least one")
    named = {"old_logprobs": old_logprobs, "loss_mask": loss_mask}
    if ref_logprobs is not None:
        named["ref_logprobs"] = ref_logprobs
    for name, tensor in named.items():
        if tuple(tensor.shape) != shape:
            raise InvalidArgumentError(
                f"{name} must have the shape of logprobs {shape}, got {tuple(tensor.shape)}"
            )
    if tuple(advantages.shape) not in (shape[:1], shape):
        raise InvalidArgumentError(
            f"advantages must be [B] = {shape[:1]} (one per sequence) or [B, T] = {shape} "
            f"(one per token), got {tuple(advantages.shape)}"
        )
    if loss_mask.dtype == torch.bool:
        mask = loss_mask
    else:
        mask = loss_mask != 0
        if bool((loss_mask[mask] != 1).any()):
            raise InvalidArgumentError(
                "loss_mask must hold 0 and 1 only (or be bool); weight tokens through "
                "advantages instead"
            )
    full_advantages = advantages.unsqueeze(1).expand(shape) if advantages.dim() == 1 else advantages
    named = {
        "logprobs": logprobs.detach(),
        "old_logprobs": old_logprobs,
        "advantages": full_advantages,
    }
    if ref_logprobs is not None:
        named["ref_logprobs"] = ref_logprobs
    for name, tensor in named.items():
        bad = mask & ~torch.isfinite(tensor)
        if bool(bad.any()):
            sequence, position = (int(i) for i in bad.nonzero()[0])
            raise InvalidArgumentError(
                f"{name}[{sequence}, {position}] is {float(tensor[sequence, position])} on a "
                "scored token; every value there must be finite"
            )
    return mask
