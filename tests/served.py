"""`mhqa serve` in a subprocess on a free loopback port: the load test, the memory benchmark and the
browser tests all drive the real app this way."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 300.0  # model load and the first index of the corpus on a busy 2-core machine


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def memory_mib(pid: int) -> dict[str, float]:
    """VmHWM (peak) and VmRSS (now) of a process, in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            out[key] = round(int(value.split()[0]) / 1024, 1)  # kB -> MiB
    return out


@contextmanager
def served_app(
    corpus: Path,
    index_dir: Path,
    home: Path,
    log: Path,
    timeout_s: float = START_TIMEOUT_S,
    host: str = "127.0.0.1",
    env_extra: dict[str, str] | None = None,
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """(process, url) of `mhqa serve` on `host` with its own corpus, index and home; stopped on exit.
    The url is always the loopback one (an app on 0.0.0.0 answers there too).

    Raises RuntimeError with the end of the server's log if it exits or does not answer in time.
    """
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MHQA_", "GRADIO_"))}
    env.update(
        HOME=str(home),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONUNBUFFERED="1",
    )
    env.update(env_extra or {})
    cmd = [
        sys.executable,
        "-m",
        "assistant.cli",
        "--index-dir",
        str(index_dir),
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        "--corpus",
        str(corpus),
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, proc, log, timeout_s)
        yield proc, url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mhqa serve exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/config", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise RuntimeError(
        f"mhqa serve did not answer on {url} in {timeout_s:.0f} s:\n{log.read_text(errors='replace')[-3000:]}"
    )
