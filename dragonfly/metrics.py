"""Prometheus metrics for people who run Dragonfly (`GET /metrics` on `dragonfly serve` and on
the scheduler's own listener, DRAGONFLY_SCHEDULER_METRICS_BIND).

What is measured, and where it is recorded:
- requests: latency histogram and count by surface (command, action, view, options, event,
  healthz) and sub-command (`pay`, an action id, a view's callback id, an event type), recorded by
  the WSGI wrapper in bot/metrics.py;
- refusals by reason (the DomainError kind: Forbidden, InvalidInput, ...), counted by the bot's one
  error handler; unexpected errors separately;
- queues: depth per status and the age of the oldest pending row, read from the database at
  scrape time (queue_depths(), sql/0080_queue_ops.sql), and failures counted as workers give up;
- jobs (digest, nightly, ... and the outbox and ingestion workers): run durations, runs by outcome,
  and the time of each job's last success.

With several gunicorn workers set PROMETHEUS_MULTIPROC_DIR to an empty folder (prometheus_client's
multiprocess mode) so one scrape sums every worker; without it each worker answers for itself.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

# Slack wants an answer within 3 s: the buckets resolve the range around it.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0)

REQUEST_SECONDS = Histogram(
    "dragonfly_request_seconds",
    "Time to answer one HTTP request, by surface and sub-command.",
    ["surface", "command"],
    buckets=LATENCY_BUCKETS,
)
REQUESTS = Counter(
    "dragonfly_requests",
    "HTTP requests answered, by surface, sub-command and status.",
    ["surface", "command", "status"],
)
REFUSALS = Counter("dragonfly_refusals", "Requests refused with a clear message, by reason.", ["reason"])
UNEXPECTED = Counter(
    "dragonfly_unexpected_errors", "Requests that failed with an unexpected error (logged with an id)."
)
QUEUE_FAILURES = Counter("dragonfly_queue_failures", "Queue rows that failed for good, by queue.", ["queue"])
DELIVERIES = Counter("dragonfly_outbox_deliveries", "Outbox delivery attempts, by outcome.", ["outcome"])
JOB_SECONDS = Histogram("dragonfly_job_seconds", "Duration of one job run.", ["job"], buckets=JOB_BUCKETS)
JOB_RUNS = Counter("dragonfly_job_runs", "Job runs, by outcome (ok, error).", ["job", "outcome"])
JOB_LAST_SUCCESS = Gauge(
    "dragonfly_job_last_success_timestamp_seconds",
    "Unix time of the job's last successful run.",
    ["job"],
    multiprocess_mode="max",
)


class QueueCollector(Collector):
    """Queue depth and the age of the oldest pending row, read at scrape time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "dragonfly_queue_depth", "Rows waiting (pending) or failed, by queue.", labels=["queue", "status"]
        )
        oldest = GaugeMetricFamily(
            "dragonfly_queue_oldest_pending_age_seconds",
            "Age of the oldest pending row, by queue (0 when none).",
            labels=["queue"],
        )
        up = GaugeMetricFamily("dragonfly_database_up", "1 when the queue depths could be read.")
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(text("SELECT * FROM queue_depths()")).all()
        except Exception as exc:  # a scrape reports the database as down instead of failing
            log.warning("metrics: cannot read queue depths: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        for r in rows:
            depth.add_metric([r.kind, "pending"], r.pending)
            depth.add_metric([r.kind, "failed"], r.failed)
            oldest.add_metric([r.kind], float(r.oldest_pending_seconds))
        up.add_metric([], 1)
        yield from (depth, oldest, up)


_collectors: dict[int, QueueCollector] = {}


def watch_queues(engine: Engine, registry: CollectorRegistry = REGISTRY) -> None:
    """Report this database's queues on `registry` (once per registry; a new engine replaces the old)."""
    old = _collectors.get(id(registry))
    if old is not None:
        if old.engine is engine:
            return
        registry.unregister(old)
    collector = QueueCollector(engine)
    registry.register(collector)
    _collectors[id(registry)] = collector


def exposition() -> tuple[bytes, str]:
    """The /metrics body and content type (all gunicorn workers' in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        collector = _collectors.get(id(REGISTRY))
        if collector is not None:
            registry.register(QueueCollector(collector.engine))
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def refusal(error: BaseException) -> None:
    """Count one request answered with an error: a refusal by its kind, else unexpected."""
    from dragonfly.errors import DomainError

    if isinstance(error, DomainError):
        REFUSALS.labels(type(error).__name__).inc()
    else:
        UNEXPECTED.inc()


@contextmanager
def job_run(name: str) -> Iterator[None]:
    """Time one run of a job or worker pass; record its outcome and, on success, the time."""
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        JOB_RUNS.labels(name, "error").inc()
        raise
    else:
        JOB_RUNS.labels(name, "ok").inc()
        JOB_LAST_SUCCESS.labels(name).set(time.time())
    finally:
        JOB_SECONDS.labels(name).observe(time.perf_counter() - started)


def start_listener(bind: str, engine: Engine, setting: str = "DRAGONFLY_SCHEDULER_METRICS_BIND") -> Any:
    """A GET /metrics listener on host:port (port 0: any free one), for the processes without an
    HTTP server of their own (the scheduler, Socket Mode); None when bind is empty.
    Returns the server (its `server_address` has the port; `shutdown()` stops it)."""
    if not bind.strip():
        return None
    host, _, port = bind.strip().rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"{setting}={bind!r}: use host:port, e.g. 0.0.0.0:9464") from None
    watch_queues(engine)
    try:
        server, _thread = start_http_server(number, addr=host or "0.0.0.0")
    except OSError as exc:  # the jobs matter more than their metrics: run on without the listener
        log.error("cannot serve metrics on %s (%s); set %s to a free port", bind, exc, setting)
        return None
    log.info("metrics on http://%s:%s/metrics", *server.server_address[:2])
    return server
