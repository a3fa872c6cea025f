import pytest

torch = pytest.importorskip("torch", reason="needs the llm extra: pip install 'cogym[llm]'")

from cogym.agents.backends.base import SamplingParams  # noqa: E402
from cogym.core.errors import InvalidArgumentError  # noqa: E402

CONVERSATIONS = [
    [{"role": "user", "content": "Using the numbers [3, 4], make 12."}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
    [{"role": "user", "content": "Your expression 3 + 4 equals 7, not 12. Try again, twice."}],
    [{"role": "user", "content": "5"}],
]


def test_batched_greedy_generation_equals_one_by_one(tiny_backend):
    params = SamplingParams(max_new_tokens=16)
    batched = tiny_backend.generate(CONVERSATIONS, params)
    for conversation, completion in zip(CONVERSATIONS, batched, strict=True):
        alone = tiny_backend.generate([conversation], params)[0]
        assert completion.token_ids == alone.token_ids
        assert completion.text == alone.text
        assert completion.logprobs == pytest.approx(alone.logprobs, abs=1e-4)


def test_logprobs_equal_a_separate_forward_pass(tiny_backend):
    for completion in tiny_backend.generate(CONVERSATIONS, SamplingParams(max_new_tokens=12)):
        ids = torch.tensor([completion.prompt_token_ids + completion.token_ids])
        with torch.no_grad():
            logits = tiny_backend.model(ids).logits[0].float()
        reference = torch.log_softmax(logits, dim=-1)
        start = len(completion.prompt_token_ids) - 1
        expected = [
            reference[start + i, token].item() for i, token in enumerate(completion.token_ids)
        ]
        assert completion.logprobs == pytest.approx(expected, abs=1e-4)


def test_max_new_tokens_holds(tiny_backend):
    for completion in tiny_backend.generate(CONVERSATIONS, SamplingParams(max_new_tokens=5)):
        assert completion.num_tokens <= 5 and len(completion.logprobs) == completion.num_tokens
        if (
            completion.num_tokens == 5
            and completion.token_ids[-1] not in tiny_backend.end_token_ids
        ):
            assert completion.finish_reason == "length"


def test_prompt_token_ids_are_the_chat_formatted_prompt(tiny_backend):
    completion = tiny_backend.generate(CONVERSATIONS[:1], SamplingParams(max_new_tokens=2))[0]
    assert completion.prompt_token_ids == tiny_backend.encode_prompt(CONVERSATIONS[0])
    prompt = tiny_backend.tokenizer.decode(completion.prompt_token_ids)
    assert prompt.startswith("<|im_start|>user\nUsing the numbers") and prompt.endswith(
        "assistant\n"
    )


def test_stop_strings_end_the_text_before_the_stop(tiny_backend):
    free = tiny_backend.generate(CONVERSATIONS, SamplingParams(max_new_tokens=24))
    for conversation, full in zip(CONVERSATIONS, free, strict=True):
        if len(full.text) < 6:
            continue
        stop = full.text[3:6]  # a string the model really writes
        cut = tiny_backend.generate(
            [conversation], SamplingParams(max_new_tokens=24, stop=(stop,))
        )[0]
        assert cut.finish_reason == "stop"
        assert cut.text == full.text[: full.text.find(stop)]
        assert stop not in cut.text
        # the tokens are those the model emitted, through the one completing the stop string
        assert cut.token_ids == full.token_ids[: cut.num_tokens]
        assert stop in tiny_backend.tokenizer.decode(cut.token_ids)
        assert stop not in tiny_backend.tokenizer.decode(cut.token_ids[:-1])


def test_sampling_is_reproducible_with_a_seed(tiny_backend):
    params = SamplingParams(max_new_tokens=16, temperature=1.0, seed=7)
    first = [c.token_ids for c in tiny_backend.generate(CONVERSATIONS, params)]
    again = [c.token_ids for c in tiny_backend.generate(CONVERSATIONS, params)]
    other = [
        c.token_ids
        for c in tiny_backend.generate(
            CONVERSATIONS, SamplingParams(max_new_tokens=16, temperature=1.0, seed=8)
        )
    ]
    assert first == again and first != other


def test_sampling_does_not_disturb_the_global_torch_rng(tiny_backend):
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    tiny_backend.generate(
        CONVERSATIONS[:1], SamplingParams(max_new_tokens=4, temperature=1.0, seed=1)
    )
    assert torch.equal(torch.rand(3), expected)


def test_batches_larger_than_max_batch_size_keep_order(tiny_model_dir):
    from cogym.agents.backends.transformers_backend import TransformersBackend

    backend = TransformersBackend(tiny_model_dir, device="cpu", max_batch_size=2)
    params = SamplingParams(max_new_tokens=6)
    expected = [backend.generate([c], params)[0].token_ids for c in CONVERSATIONS]
    assert [c.token_ids for c in backend.generate(CONVERSATIONS, params)] == expected


def test_count_tokens_is_the_prompt_length(tiny_backend):
    assert tiny_backend.count_tokens(CONVERSATIONS[0]) == len(
        tiny_backend.encode_prompt(CONVERSATIONS[0])
    )


@pytest.mark.parametrize(
    "kwargs", [{"max_new_tokens": 0}, {"temperature": -1.0}, {"top_p": 0.0}, {"stop": ("",)}]
)
def test_bad_sampling_params_raise(kwargs):
    with pytest.raises(InvalidArgumentError):
        SamplingParams(**kwargs)


@pytest.mark.parametrize("conversations", ["hello", [[]], [["hi"]], [[{"role": "user"}]]])
def test_malformed_conversations_raise(tiny_backend, conversations):
    with pytest.raises(InvalidArgumentError):
        tiny_backend.generate(conversations, SamplingParams())


def test_missing_model_path_is_a_clear_error(tmp_path):
    from cogym.agents.backends.transformers_backend import TransformersBackend

    with pytest.raises(InvalidArgumentError, match="nothing is downloaded"):
        TransformersBackend(tmp_path / "nope")


def test_an_interrupt_ends_generation_at_the_next_token(tiny_backend):
    prompts = [tiny_backend.encode_prompt(conversation) for conversation in CONVERSATIONS]
    params = SamplingParams(max_new_tokens=40)
    whole = tiny_backend.generate_from_ids(prompts, params)
    checks = []

    def interrupt() -> bool:
        checks.append(1)
        return len(checks) > 3  # true from the fourth check on

    cut = tiny_backend.generate_from_ids(prompts, params, interrupt)
    longest = max(completion.num_tokens for completion in whole)
    assert longest > 10  # the uninterrupted run goes on well past the interrupt
    for full, short in zip(whole, cut, strict=True):
        assert short.num_tokens <= 5 and short.token_ids == full.token_ids[: short.num_tokens]
        assert len(short.logprobs) == short.num_tokens
    # Interrupted before it starts: nothing is generated.
    nothing = tiny_backend.generate_from_ids(prompts, params, lambda: True)
    assert [completion.num_tokens for completion in nothing] == [0] * len(prompts)


def test_unseeded_sampling_draws_new_noise_on_every_call(tiny_backend):
    from cogym.agents.backends.base import SamplingParams

    params = SamplingParams(max_new_tokens=12, temperature=1.0)
    prompt = tiny_backend.encode_prompt([{"role": "user", "content": "Using the numbers"}])
    replies = {
        tuple(tiny_backend.generate_from_ids([prompt], params)[0].token_ids) for _ in range(4)
    }
    assert len(replies) > 1  # before the fix every unseeded call replayed the same sample
    seeded = SamplingParams(max_new_tokens=12, temperature=1.0, seed=5)
    first = tiny_backend.generate_from_ids([prompt], seeded)[0].token_ids
    assert tiny_backend.generate_from_ids([prompt], seeded)[0].token_ids == first


def test_seeded_chunks_of_a_large_batch_draw_different_noise(tiny_model_dir):
    from cogym.agents.backends.transformers_backend import TransformersBackend

    backend = TransformersBackend(tiny_model_dir, device="cpu", max_batch_size=1)
    params = SamplingParams(max_new_tokens=12, temperature=1.0, seed=3)
    prompt = backend.encode_prompt(CONVERSATIONS[0])
    first = [c.token_ids for c in backend.generate_from_ids([prompt] * 4, params)]
    assert len({tuple(ids) for ids in first}) > 1  # one chunk per row: each its own seed
    assert [c.token_ids for c in backend.generate_from_ids([prompt] * 4, params)] == first
