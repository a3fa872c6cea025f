"""The GRPO loss against values worked out by hand on a 2 x 4 batch, its masking, its
gradient, the k3 KL, and token log-probs.

The batch: sequence 0 has advantage +1 and an env token at position 2 (masked); sequence 1
has advantage -2 and four policy tokens. Ratios new/old per token:

    seq 0:  1.5  1.1  [8.0 env]  0.5        seq 1:  0.5  1.2  4.0  2.0

With clip_low 0.2 and clip_high 0.28 the per-token losses -min(r A, clip(r) A) are

    seq 0:  -1.28 (upper clip)  -1.1  -  -0.5             sum -2.88, 3 tokens, mean -0.96
    seq 1:   1.6 (lower clip)    2.4  8.0  4.0            sum 16.0,  4 tokens, mean 4.0

so token_mean = 13.12 / 7, seq_mean = (-0.96 + 4.0) / 2 = 1.52, dr_grpo with normaliser 4 =
13.12 / (2 * 4) = 1.64. With ratio_cap 3, seq 1's ratio 4.0 costs 2 * 3 = 6 instead of 8.
"""

import math

import pytest
import torch

from cogym.core.errors import InvalidArgumentError
from cogym.training.losses import grpo_loss, token_log_probs

OLD_PROBS = [[0.4, 0.5, 0.1, 0.6], [0.6, 0.5, 0.2, 0.3]]
NEW_PROBS = [[0.6, 0.55, 0.8, 0.3], [0.3, 0.6, 0.8, 0.6]]
MASK = [[1, 1, 0, 1], [1, 1, 1, 1]]
ADVANTAGES = [1.0, -2.0]
CLIPS = {"clip_low": 0.2, "clip_high": 0.28}


def batch(new_probs=NEW_PROBS, old_probs=OLD_PROBS, mask=MASK):
    logprobs = torch.log(torch.tensor(new_probs, dtype=torch.float64)).requires_grad_()
    old = torch.log(torch.tensor(old_probs, dtype=torch.float64))
    return logprobs, old, torch.tensor(ADVANTAGES), torch.tensor(mask)


def test_token_mean_is_the_sum_over_all_tokens_over_their_number():
    logprobs, old, adv, mask = batch()
    loss, metrics = grpo_loss(logprobs, old, adv, mask, **CLIPS, aggregation="token_mean")
    assert loss.item() == pytest.approx(1.8742857, abs=1e-6)
    assert metrics["num_tokens"] == 7
    assert metrics["clip_frac_low"] == pytest.approx(1 / 7)
    assert metrics["clip_frac_high"] == pytest.approx(1 / 7)
    assert metrics["clip_frac_cap"] == 0.0
    # (1.5 + 1.1 + 0.5 + 0.5 + 1.2 + 4.0 + 2.0) / 7; the env token's 8.0 is not counted
    assert metrics["ratio_mean"] == pytest.approx(1.5428571, abs=1e-6)
    # log 4; the env token's log 8 = 2.08 is not counted
    assert metrics["logprob_gap_max"] == pytest.approx(1.3862944, abs=1e-6)
    assert "kl" not in metrics


def test_seq_mean_averages_the_sequences_token_means():
    logprobs, old, adv, mask = batch()
    loss, _ = grpo_loss(logprobs, old, adv, mask, **CLIPS, aggregation="seq_mean")
    assert loss.item() == pytest.approx(1.52, abs=1e-6)


def test_dr_grpo_divides_by_batch_size_times_the_constant():
    logprobs, old, adv, mask = batch()
    loss, _ = grpo_loss(logprobs, old, adv, mask, **CLIPS, aggregation="dr_grpo", normaliser=4)
    assert loss.item() == pytest.approx(1.64, abs=1e-6)


def test_ratio_cap_bounds_negative_advantage_tokens():
    logprobs, old, adv, mask = batch()
    loss, metrics = grpo_loss(logprobs, old, adv, mask, **CLIPS, ratio_cap=3.0)
    # seq 1's token with ratio 4.0 costs 6 instead of 8: (-2.88 + 14) / 7
    assert loss.item() == pytest.approx(1.5885714, abs=1e-6)
    assert metrics["clip_frac_cap"] == pytest.approx(1 / 7)
    loss.backward()
    assert logprobs.grad[1, 2].item() == 0.0


def test_gradient_is_zero_on_clipped_and_masked_tokens():
    logprobs, old, adv, mask = batch()
    loss, _ = grpo_loss(logprobs, old, adv, mask, **CLIPS)
    loss.backward()
    # d loss / d logprob = -A * r / 7 on unclipped tokens, 0 on clipped and masked ones
    expected = [[0.0, -1.1 / 7, 0.0, -0.5 / 7], [0.0, 2.4 / 7, 8.0 / 7, 4.0 / 7]]
    torch.testing.assert_close(logprobs.grad, torch.tensor(expected, dtype=torch.float64))


def test_env_tokens_change_neither_loss_nor_gradient():
    logprobs, old, adv, mask = batch()
    loss, _ = grpo_loss(logprobs, old, adv, mask, **CLIPS)
    loss.backward()
    for new_value, old_value in ((0.01, 0.9), (math.nan, math.nan), (1.0, 0.0)):
        other_new = [row[:] for row in NEW_PROBS]
        other_old = [row[:] for row in OLD_PROBS]
        other_new[0][2], other_old[0][2] = new_value, old_value  # old 0.0 gives -inf
        logprobs2, old2, _, _ = batch(other_new, other_old)
        loss2, metrics2 = grpo_loss(logprobs2, old2, adv, mask, **CLIPS)
        loss2.backward()
        assert loss2.item() == loss.item()
        torch.testing.assert_close(logprobs2.grad, logprobs.grad)
        assert logprobs2.grad[0, 2].item() == 0.0
        assert metrics2["logprob_gap_max"] == pytest.approx(1.3862944, abs=1e-6)


def test_a_sequence_without_scored_tokens_contributes_nothing():
    logprobs, old, adv, mask = batch(
        [*NEW_PROBS, [0.5, 0.5, 0.5, 0.5]], [*OLD_PROBS, [0.1, 0.1, 0.1, 0.1]], [*MASK, [0] * 4]
    )
    adv = torch.tensor([1.0, -2.0, 5.0])
    for aggregation, expected in (("token_mean", 1.8742857), ("seq_mean", 1.52)):
        loss, metrics = grpo_loss(logprobs, old, adv, mask, **CLIPS, aggregation=aggregation)
        assert loss.item() == pytest.approx(expected, abs=1e-6)
        assert metrics["num_tokens"] == 7
    nothing = torch.zeros(2, 4, dtype=torch.bool)
    for aggregation in ("token_mean", "seq_mean"):
        loss, metrics = grpo_loss(
            logprobs[:2], old[:2], adv[:2], nothing, **CLIPS, aggregation=aggregation
        )
        assert loss.item() == 0.0
        assert metrics["num_tokens"] == 0
        assert metrics["ratio_mean"] == 0.0


def test_per_token_advantages_are_used_as_given():
    logprobs, old, _, mask = batch()
    broadcast = torch.tensor([[1.0] * 4, [-2.0] * 4])
    loss, _ = grpo_loss(logprobs, old, broadcast, mask, **CLIPS)
    assert loss.item() == pytest.approx(1.8742857, abs=1e-6)
    # seq 1's ratio-4.0 token now has advantage 0: (-2.88 + 1.6 + 2.4 + 4.0) / 7
    per_token = torch.tensor([[1.0] * 4, [-2.0, -2.0, 0.0, -2.0]])
    loss, _ = grpo_loss(logprobs, old, per_token, mask, **CLIPS)
    assert loss.item() == pytest.approx(5.12 / 7, abs=1e-6)


def test_later_updates_of_a_batch_are_clipped_against_the_stored_old_logprobs():
    # first update (mu = 1): the trainer's log-probs equal the stored ones, ratio 1
    old = torch.log(torch.tensor([[0.25, 0.5]]))
    first = old.clone().requires_grad_()
    loss, metrics = grpo_loss(first, old, torch.tensor([1.0]), torch.tensor([[1, 1]]), **CLIPS)
    assert loss.item() == pytest.approx(-1.0)
    assert metrics["logprob_gap_max"] == 0.0
    loss.backward()
    torch.testing.assert_close(first.grad, torch.tensor([[-0.5, -0.5]]))
    # second update: the policy moved (token 0's probability doubled), the old stays stored
    second = torch.log(torch.tensor([[0.5, 0.5]])).requires_grad_()
    loss, metrics = grpo_loss(second, old, torch.tensor([1.0]), torch.tensor([[1, 1]]), **CLIPS)
    # ratios 2.0 (clipped to 1.28) and 1.0: -(1.28 + 1.0) / 2
    assert loss.item() == pytest.approx(-1.14, abs=1e-6)
    assert metrics["clip_frac_high"] == 0.5
    assert metrics["ratio_mean"] == pytest.approx(1.5)
    assert metrics["logprob_gap_max"] == pytest.approx(math.log(2.0))
    loss.backward()
    torch.testing.assert_close(second.grad, torch.tensor([[0.0, -0.5]]))


def test_k3_kl_to_the_reference_is_added_with_its_weight():
    logprobs = torch.log(torch.tensor([[0.5, 0.5]])).requires_grad_()
    ref = torch.log(torch.tensor([[0.25, 1.0]]))
    zero_adv = torch.tensor([0.0])
    # ref - logp = log 0.5 and log 2: k3 = 0.5 + 0.6931472 - 1 = 0.1931472 and
    # 2 - 0.6931472 - 1 = 0.3068528, mean 0.25
    loss, metrics = grpo_loss(
        logprobs, logprobs.detach(), zero_adv, torch.tensor([[1, 0]]), **CLIPS,
        ref_logprobs=ref, kl_beta=0.1,
    )  # fmt: skip
    assert metrics["kl"] == pytest.approx(0.1931472, abs=1e-6)
    assert loss.item() == pytest.approx(0.01931472, abs=1e-7)
    loss, metrics = grpo_loss(
        logprobs, logprobs.detach(), zero_adv, torch.tensor([[1, 1]]), **CLIPS,
        ref_logprobs=ref, kl_beta=0.1,
    )  # fmt: skip
    assert metrics["kl"] == pytest.approx(0.25, abs=1e-6)
    assert loss.item() == pytest.approx(0.025, abs=1e-7)
    # kl_beta 0 reports the KL without adding it
    loss, metrics = grpo_loss(
        logprobs, logprobs.detach(), zero_adv, torch.tensor([[1, 1]]), **CLIPS, ref_logprobs=ref
    )
    assert metrics["kl"] == pytest.approx(0.25, abs=1e-6)
    assert loss.item() == 0.0


def test_bad_arguments_say_what_to_pass():
    logprobs, old, adv, mask = batch()
    with pytest.raises(InvalidArgumentError, match="old_logprobs must have the shape"):
        grpo_loss(logprobs, old[:, :3], adv, mask, **CLIPS)
    with pytest.raises(InvalidArgumentError, match="loss_mask must have the shape"):
        grpo_loss(logprobs, old, adv, mask[:1], **CLIPS)
    with pytest.raises(InvalidArgumentError, match="advantages must be"):
        grpo_loss(logprobs, old, torch.tensor([1.0, 2.0, 3.0]), mask, **CLIPS)
    with pytest.raises(InvalidArgumentError, match=r"logprobs must be \[B, T\]"):
        grpo_loss(logprobs[0], old[0], adv[:1], mask[0], **CLIPS)
    with pytest.raises(InvalidArgumentError, match="ref_logprobs must have the shape"):
        grpo_loss(logprobs, old, adv, mask, **CLIPS, ref_logprobs=old[:1], kl_beta=0.1)
    with pytest.raises(InvalidArgumentError, match="needs normaliser"):
        grpo_loss(logprobs, old, adv, mask, **CLIPS, aggregation="dr_grpo")
    with pytest.raises(InvalidArgumentError, match="normaliser is used by"):
        grpo_loss(logprobs, old, adv, mask, **CLIPS, normaliser=4)
    with pytest.raises(InvalidArgumentError, match="needs ref_logprobs"):
        grpo_loss(logprobs, old, adv, mask, **CLIPS, kl_beta=0.1)
    with pytest.raises(InvalidArgumentError, match="clip_low must be < 1"):
        grpo_loss(logprobs, old, adv, mask, clip_low=1.0, clip_high=0.2)
    with pytest.raises(InvalidArgumentError, match="ratio_cap"):
        grpo_loss(logprobs, old, adv, mask, **CLIPS, ratio_cap=1.0)
    with pytest.raises(InvalidArgumentError, match="aggregation"):
        grpo_loss(logprobs, old, adv, mask, **CLIPS, aggregation="sum")
    with pytest.raises(InvalidArgumentError, match="0 and 1 only"):
        grpo_loss(logprobs, old, adv, mask * 0.5, **CLIPS)
    with pytest.raises(InvalidArgumentError, match=r"advantages\[1, 0\] is nan"):
        grpo_loss(logprobs, old, torch.tensor([1.0, math.nan]), mask, **CLIPS)


def test_token_log_probs_pick_the_tokens_log_softmax():
    logits = torch.tensor([[[0.0, math.log(3.0), 0.0], [100.0, 100.0, -100.0]]])
    ids = torch.tensor([[1, 0]])
    # softmax of (0, log 3, 0) is (1/5, 3/5, 1/5): log 3/5; logits past
    # float32's exp range (exp(100) is inf): log 1/2
    expected = torch.tensor([[math.log(0.6), math.log(0.5)]])
    torch.testing.assert_close(token_log_probs(logits, ids), expected)
    half = token_log_probs(logits.to(torch.bfloat16), ids)
    assert half.dtype == torch.float32
    torch.testing.assert_close(half, expected, atol=0.02, rtol=0.0)  # bf16 logits: 3 digits


def test_token_log_probs_refuse_mismatched_shapes_and_ids():
    logits = torch.zeros(2, 3, 5)
    with pytest.raises(InvalidArgumentError, match=r"token_ids\.shape"):
        token_log_probs(logits, torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(InvalidArgumentError, match=r"\[0, 5\)"):
        token_log_probs(logits, torch.full((2, 3), 5))
    with pytest.raises(InvalidArgumentError, match="integer"):
        token_log_probs(logits, torch.zeros(2, 3))
