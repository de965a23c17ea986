"""A throw-away Redis to break (hang with SIGSTOP, or a port with nothing listening), and a
cache on it, for the tests of the circuit breaker and of the rate limits' database fallback."""
import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import closing

import pytest
import redis

from sciweek.core import resilient_cache

PREFERRED_PORT = 6391
COOLDOWN = 0.5  # seconds: short, so a test sees the breaker close again
CONNECT_TIMEOUT, READ_TIMEOUT = 0.25, 0.3  # as in settings


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with closing(socket.socket()) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def cache_options(url: str, cooldown: float = COOLDOWN) -> dict:
    return {"BACKEND": "sciweek.core.resilient_cache.ResilientRedisCache", "LOCATION": url,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": CONNECT_TIMEOUT,
                        "SOCKET_TIMEOUT": READ_TIMEOUT, "CIRCUIT_COOLDOWN": cooldown}}


class RedisProcess:
    def __init__(self, process: subprocess.Popen, port: int):
        self.process, self.port = process, port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.stopped = False

    def hang(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)
        self.stopped = True

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)
        self.stopped = False


@pytest.fixture(autouse=True)
def _fresh_breakers():
    """Breakers are per process: a test must not inherit another test's open one."""
    resilient_cache._breakers.clear()
    yield
    resilient_cache._breakers.clear()


@pytest.fixture
def dead_redis_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def redis_server():
    """Our own redis-server (port 6391 unless taken), continued and shut down at teardown."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server not found")
        pytest.skip("redis-server not installed")
    port = PREFERRED_PORT if port_is_free(PREFERRED_PORT) else free_port()
    process = subprocess.Popen(  # noqa: S603 - a fixed local binary and arguments
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = RedisProcess(process, port)
    client = redis.Redis(port=port, socket_timeout=1)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        yield server
    finally:
        client.close()
        if server.stopped:
            server.resume()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
