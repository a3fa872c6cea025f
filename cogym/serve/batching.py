"""The scheduler: one worker thread runs the backend over a fair, bounded queue of jobs.

Each turn the worker takes the job at the head of the queue, adds the queued jobs that can
share its backend call (up to ``max_batch_size`` completions), and generates one chunk of
at most ``chunk_tokens`` tokens for all of them. Unfinished jobs go to the back of the
queue, so a long request cannot hold the worker while short ones wait (round robin).
Between turns the worker drops jobs whose client left and fails jobs past their deadline,
so neither keeps generating; within a chunk the backend's ``interrupt`` ends the chunk at
the next token when a client of the batch leaves, a deadline passes or the server stops
(the other jobs of the batch keep their tokens and resume next turn).

A backend without a tokenizer cannot continue a completion from token ids: its jobs are
generated whole, in one call each turn (still merged, cancelled and timed out before they
start).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from cogym.agents.backends.base import (
    Backend,
    Conversation,
    SamplingParams,
    TokenizerBackend,
)
from cogym.core.errors import CogymError
from cogym.serve.jobs import (
    Job,
    RequestTimeoutError,
    ServerBusyError,
    extend_row,
    finish_row,
)
from cogym.serve.limits import ServeLimits

logger = logging.getLogger(__name__)


@dataclass
class SchedulerStats:
    """What the scheduler did since it started (``GET /health`` shows it).

    :param completed: jobs answered with completions.
    :param cancelled: jobs dropped because their client left.
    :param timed_out: jobs failed for passing the time limit.
    :param rejected: jobs refused because the queue was full.
    :param failed: jobs whose backend call raised.
    :param chunks: backend calls made.
    :param generated_tokens: tokens generated, cancelled jobs' included.
    """

    completed: int = 0
    cancelled: int = 0
    timed_out: int = 0
    rejected: int = 0
    failed: int = 0
    chunks: int = 0
    generated_tokens: int = 0


class Scheduler:
    """Runs a backend from one worker thread over a round-robin queue of jobs.

    :param backend: generates the completions.
    :param limits: batch size, queue length, chunk length, time limit, batching window.
    :param clock: seconds on a monotonic clock; deadlines are read from it.
    """

    def __init__(
        self,
        backend: Backend,
        limits: ServeLimits,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.limits = limits
        self.clock = clock
        self.tokenizer: Any = backend.tokenizer if isinstance(backend, TokenizerBackend) else None
        self.stats = SchedulerStats()
        self._queue: deque[Job] = deque()
        self._current: list[Job] = []
        self._condition = threading.Condition()
        self._closed = False
        self._worker = threading.Thread(target=self._run, name="cogym-scheduler", daemon=True)
        self._worker.start()

    @property
    def chunked(self) -> bool:
        """Whether jobs are generated chunk by chunk (the backend has a tokenizer)."""
        return self.tokenizer is not None

    @property
    def queued(self) -> int:
        """Jobs that have not started generating."""
        with self._condition:
            return sum(1 for job in self._queue if job.chunks == 0)

    @property
    def running(self) -> int:
        """Jobs that have started generating and are not answered."""
        with self._condition:
            return len(self._current) + sum(1 for job in self._queue if job.chunks > 0)

    def snapshot(self) -> dict[str, int]:
        """The queue's state and the stats, as one flat dict."""
        with self._condition:
            stats = asdict(self.stats)
        return {"queued": self.queued, "running": self.running, **stats}

    def submit(
        self,
        conversations: Sequence[Conversation],
        params: SamplingParams,
        prompt_ids: Sequence[int] | None = None,
    ) -> Job:
        """Queue a job; its future gives one completion per conversation, in order.

        Cancel the future (``job.future.cancel()``) to drop the job.

        :param conversations: the job's conversations.
        :param params: sampling params for all of them.
        :param prompt_ids: the tokenised prompt (every conversation is the same one);
            needed to generate in chunks.
        :raises ServerBusyError: when the queue is full or the scheduler is closed.
        """
        ids = list(prompt_ids) if prompt_ids is not None and self.chunked else None
        deadline = self.clock() + self.limits.request_timeout_s
        job = Job(list(conversations), params, deadline, ids)
        with self._condition:
            if self._closed:
                raise ServerBusyError("the server is shutting down")
            held = len(self._queue) + len(self._current)
            if held >= self.limits.max_queued:
                self.stats.rejected += 1
                raise ServerBusyError(
                    f"the server is busy ({held} requests queued or generating, the most it "
                    "holds: --max-queued); retry later"
                )
            self._queue.append(job)
            self._condition.notify()
        return job

    def close(self, wait: bool = True) -> None:
        """Fail every queued and generating job and stop the worker after its current chunk.

        :param wait: join the worker (it may be in the middle of a chunk).
        """
        with self._condition:
            self._closed = True
            jobs = [*self._queue, *self._current]
            self._queue.clear()
            self._condition.notify_all()
        for job in jobs:
            job.fail(ServerBusyError("the server is shutting down"))
        if wait and threading.current_thread() is not self._worker:
            self._worker.join()

    # -- the worker ------------------------------------------------------------------

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            try:
                self._generate(batch)
            except Exception as error:  # the worker must outlive any backend failure
                logger.exception("generation failed")
                with self._condition:
                    self.stats.failed += len(batch)
                for job in batch:
                    job.fail(error)
            self._requeue(batch)

    def _next_batch(self) -> list[Job] | None:
        with self._condition:
            while True:
                while not self._queue and not self._closed:
                    self._condition.wait()
                if self._closed:
                    return None
                self._drop_finished()
                if self._queue:
                    break
            self._wait_for_company()
            if self._closed:
                return None
            self._drop_finished()  # a job may have been cancelled during the wait
            if not self._queue:
                return []
            self._current = self._take_batch()
            return self._current

    def _drop_finished(self) -> None:
        """Remove cancelled jobs and fail the ones past their deadline (lock held)."""
        now = self.clock()
        for job in list(self._queue):
            if job.done:
                self.stats.cancelled += 1
                self._queue.remove(job)
            elif now > job.deadline:
                self.stats.timed_out += 1
                self._queue.remove(job)
                job.fail(
                    RequestTimeoutError(
                        f"the request took longer than the server's limit of "
                        f"{self.limits.request_timeout_s:g} s (--request-timeout); ask for "
                        "fewer tokens (max_tokens) or completions (n), or retry when it is "
                        "less busy"
                    )
                )

    def _wait_for_company(self) -> None:
        """Give a fresh job ``batch_window_s`` for others to arrive and share its call."""
        first = self._queue[0]
        deadline = time.monotonic() + self.limits.batch_window_s
        room = self.limits.max_batch_size
        while first.chunks == 0 and first.mergeable and self._batch_rows(first) < room:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closed or not self._queue or self._queue[0] is not first:
                break
            self._condition.wait(remaining)

    def _batch_rows(self, first: Job) -> int:
        return sum(job.size for job in self._queue if self._joins(first, job))

    def _joins(self, first: Job, job: Job) -> bool:
        if job is first:
            return True
        if not (first.mergeable and job.mergeable):
            return False
        if not first.chunked:
            return job.params == first.params
        return (job.params.temperature, job.params.top_p) == (
            first.params.temperature,
            first.params.top_p,
        )

    def _take_batch(self) -> list[Job]:
        first = self._queue.popleft()
        batch, rows = [first], first.size
        for job in list(self._queue):
            if self._joins(first, job) and rows + job.size <= self.limits.max_batch_size:
                self._queue.remove(job)
                batch.append(job)
                rows += job.size
        return batch

    def _requeue(self, batch: list[Job]) -> None:
        with self._condition:
            self._current = []
            for job in batch:
                if job.done:
                    if job.future.cancelled():
                        self.stats.cancelled += 1
                elif not self._closed:
                    self._queue.append(job)
            self._condition.notify_all()

    def _generate(self, batch: list[Job]) -> None:
        if not batch:
            return
        if batch[0].chunked:
            self._generate_chunk(batch)
        else:
            self._generate_whole(batch)

    def _generate_whole(self, batch: list[Job]) -> None:
        conversations = [c for job in batch for c in job.conversations]
        completions = self.backend.generate(conversations, batch[0].params)
        if len(completions) != len(conversations):
            raise CogymError(
                f"the backend returned {len(completions)} completions "
                f"for {len(conversations)} conversations"
            )
        start = 0
        with self._condition:
            self.stats.chunks += 1
            self.stats.generated_tokens += sum(c.num_tokens for c in completions)
            self.stats.completed += len(batch)
        for job in batch:
            end = start + len(job.conversations)
            job.succeed(completions[start:end])
            start = end

    def _generate_chunk(self, batch: list[Job]) -> None:
        rows = [(job, row) for job in batch for row in job.open_rows()]
        length = min(self.limits.chunk_tokens, max(job.remaining(row) for job, row in rows))
        params = batch[0].chunk_params(length)
        prompts = [row.continuation() for _, row in rows]
        assert isinstance(self.backend, TokenizerBackend)
        deadline = min(job.deadline for job in batch)

        def interrupt() -> bool:
            """Whether to end the chunk at the next token: the server is stopping, a
            client left, or a deadline passed (the others resume next turn)."""
            return self._closed or any(job.done for job in batch) or self.clock() > deadline

        completions = self.backend.generate_from_ids(prompts, params, interrupt)
        generated = 0
        for (job, row), completion in zip(rows, completions, strict=True):
            before = len(row.tokens)
            extend_row(row, completion, job.remaining(row), self.tokenizer, job.params.stop)
            generated += len(row.tokens) - before
        finished = []
        for job in batch:
            job.chunks += 1
            if not job.open_rows():
                finished.append(job)
        with self._condition:
            self.stats.chunks += 1
            self.stats.generated_tokens += generated
            self.stats.completed += sum(1 for job in finished if not job.done)
        for job in finished:
            job.succeed([finish_row(row, self.tokenizer, job.params.stop) for row in job.rows])
