"""/api/health and /api/status answer within a second whatever the node does, and say what it does: a
real TCP proxy in front of anvil stops forwarding (a frozen node) or refuses (a dead one)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from keepers.config import ApiSettings
from tests.api.conftest import wait_until

PATHS = ("/api/health", "/api/status")
WITHIN = 1.0  # seconds
NODE_TIMEOUT = ApiSettings().node_timeout  # the proxied API leaves the default


def answers_within_a_second(api, state: str) -> list[dict]:
    """Every path, asked five times at once, answers within WITHIN saying the node is `state`."""

    def timed_get(path: str) -> tuple[float, dict]:
        started = time.monotonic()
        response = api.http.get(path)  # one client, set up beforehand: only the answer is timed
        elapsed = time.monotonic() - started
        assert response.status_code == 200, response.text
        return elapsed, response.json()

    paths = [path for path in PATHS for _ in range(5)]
    with ThreadPoolExecutor(len(paths)) as pool:
        answers = list(pool.map(timed_get, paths))
    for (elapsed, body), path in zip(answers, paths, strict=True):
        assert elapsed < WITHIN and body["node"] == state, (path, elapsed, body)
    return [body for _, body in answers]


def test_a_stalled_node_is_reported_within_a_second_with_the_last_head_and_its_age(proxied_api):
    wait_until(lambda: proxied_api.get("/api/status")["node"] == "ok", 20, message="the node answers")
    before = proxied_api.get("/api/status")
    assert before["head_block"] > 0 and before["paused"] is False and before["head_age"] < WITHIN
    proxied_api.proxy.stall()
    try:
        for _ in range(2):  # the first probe, then those that share or follow it
            answers = answers_within_a_second(proxied_api, "stalled")
        health, status = answers[0], answers[-1]
        assert health["ok"] is False and health["chain"] is False and health["store"] is True
        assert status["head_block"] >= before["head_block"] and status["paused"] is False  # the last known
        assert status["head_age"] >= NODE_TIMEOUT
    finally:
        proxied_api.proxy.resume()
    wait_until(lambda: proxied_api.get("/api/health")["ok"], 10, message="the node answers again")


def test_a_refusing_node_is_reported_unreachable_within_a_second(proxied_api):
    wait_until(lambda: proxied_api.get("/api/health")["ok"], 20, message="the node answers")
    proxied_api.proxy.close()
    try:
        health = answers_within_a_second(proxied_api, "unreachable")[0]
        assert health["ok"] is False and health["head_block"] > 0
    finally:
        proxied_api.proxy.open()
    wait_until(lambda: proxied_api.get("/api/health")["ok"], 10, message="the node answers again")
