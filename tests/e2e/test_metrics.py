"""GET /metrics on the served app and on the scheduler's listener, scraped over HTTP and parsed with
prometheus_client's own parser: request, refusal, queue and job metrics move as work happens; one
log line per request carries its request id."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from dragonfly import metrics, rpc
from dragonfly.logs import JsonFormatter, RequestIdFilter
from scheduler import runner
from tests.e2e.conftest import NOBODY, OFFICER, Bot


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = requests.get(url, timeout=5)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(samples, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_served_metrics_move_after_requests(bot: Bot, case_ref: str, caplog: pytest.LogCaptureFixture) -> None:
    before = scrape(bot.url + "/metrics")
    caplog.set_level(logging.INFO, logger="dragonfly.request")
    ok = bot.slack.command(f"case {case_ref}", user=OFFICER)
    assert ok.status_code == 200 and ok.headers["X-Request-Id"]
    refused = bot.slack.command(f"stage {case_ref} execution", user=NOBODY)
    assert "needs the officer role" in refused.json()["text"]
    bot.slack.command("frobnicate", user=OFFICER)
    assert bot.slack.http.get(bot.url + "/healthz", timeout=5).status_code == 200
    with rpc.transaction(bot.services.engine) as conn:
        rpc.enqueue_outbox(conn, method="chat.postMessage", payload={"channel": "C0", "text": "x"}, dedupe_key="m:1")
    after = scrape(bot.url + "/metrics")

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("dragonfly_requests_total", surface="command", command="case", status="200") == 1
    assert moved("dragonfly_requests_total", surface="command", command="stage", status="200") == 1
    assert moved("dragonfly_requests_total", surface="command", command="other", status="200") == 1
    assert moved("dragonfly_request_seconds_count", surface="command", command="case") == 1
    assert moved("dragonfly_request_seconds_count", surface="healthz", command="-") == 1
    assert moved("dragonfly_request_seconds_bucket", surface="command", command="case", le="+Inf") == 1
    assert moved("dragonfly_refusals_total", reason="Forbidden") == 1
    assert value(after, "dragonfly_queue_depth", queue="outbox", status="pending") >= 1
    assert value(after, "dragonfly_queue_oldest_pending_age_seconds", queue="outbox") >= 0
    assert value(after, "dragonfly_database_up") == 1
    lines = [r for r in caplog.records if r.name == "dragonfly.request"]
    assert len(lines) == 4  # one per request (the scrapes are not logged)
    first = lines[0]
    assert first.surface == "command" and first.command == "case" and first.status == 200  # type: ignore[attr-defined]
    assert f"request_id={ok.headers['X-Request-Id']}" in first.getMessage()
    RequestIdFilter().filter(first)
    structured = json.loads(JsonFormatter().format(first))
    assert structured["request_id"] == ok.headers["X-Request-Id"] and structured["logger"] == "dragonfly.request"
    assert structured["surface"] == "command" and structured["duration_ms"] >= 0
    assert len({r.request_id for r in lines}) == 4  # type: ignore[attr-defined]


def test_scheduler_listener_counts_job_runs_and_failures(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    server = metrics.start_listener("127.0.0.1:0", bot.services.engine)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/metrics"
        before = scrape(url)
        result = runner.fire(bot.services, "nightly")
        assert result is not None
        runner._outbox(bot.services, bot.services.settings)  # one worker pass (nothing due)
        monkeypatch.setattr(runner, "run_job", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("db gone")))
        assert runner.fire(bot.services, "digest") is None
        after = scrape(url)
    finally:
        server.shutdown()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("dragonfly_job_runs_total", job="nightly", outcome="ok") == 1
    assert moved("dragonfly_job_seconds_count", job="nightly") == 1
    assert moved("dragonfly_job_runs_total", job="outbox", outcome="ok") == 1
    assert moved("dragonfly_job_runs_total", job="digest", outcome="error") == 1
    assert (
        value(after, "dragonfly_job_last_success_timestamp_seconds", job="nightly") >= datetime.now().timestamp() - 60
    )
    assert value(after, "dragonfly_queue_depth", queue="ingestion", status="failed") == 0


def test_failures_are_counted_when_a_row_gives_up(bot: Bot) -> None:
    from scheduler import outbox

    before = value(scrape(bot.url + "/metrics"), "dragonfly_queue_failures_total", queue="outbox")
    with rpc.transaction(bot.services.engine) as conn:
        rpc.enqueue_outbox(conn, method="chat.postMessage", payload={"channel": "C0", "text": "x"}, dedupe_key="f:1")
    bot.fake.fail_next("chat.postMessage", 500, times=1)
    assert outbox.deliver_due(bot.services, max_attempts=1) == 0
    after = scrape(bot.url + "/metrics")
    assert value(after, "dragonfly_queue_failures_total", queue="outbox") - before == 1
    assert value(after, "dragonfly_queue_depth", queue="outbox", status="failed") == 1
    with bot.services.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM v_outbox WHERE status = 'failed'")).scalar_one() == 1
