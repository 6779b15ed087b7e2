"""The scheduler process: APScheduler cron triggers in the firm's time zone for the jobs, and
interval triggers for the outbox and ingestion workers.

At start it catches up: a run missed while everything was down is run now if its scheduled time
is within the job's grace period (3 h for the digest), and skipped with a log line otherwise.
Running twice is harmless: every run claims its (job, period) first.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import ModuleType

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text

from dragonfly import metrics
from dragonfly.bootstrap import Services
from scheduler import periods
from scheduler.config import SchedulerConfig
from scheduler.jobs import JOBS
from scheduler.jobs.base import JobResult, run_job

log = logging.getLogger(__name__)
LOOKBACK = timedelta(days=8)


@dataclass(frozen=True)
class Planned:
    name: str
    cron: str
    next_run: datetime | None
    last_due: datetime | None
    grace: timedelta


def trigger_for(name: str, services: Services, config: SchedulerConfig) -> CronTrigger:
    return CronTrigger.from_crontab(config.cron(name), timezone=services.settings.tz)


def last_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The latest scheduled time at or before `now` (within LOOKBACK)."""
    last = None
    t = trigger.get_next_fire_time(None, now - LOOKBACK)
    while t is not None and t <= now:
        last = t
        t = trigger.get_next_fire_time(t, t + timedelta(seconds=1))
    return last


def plan(services: Services, now: datetime, config: SchedulerConfig | None = None) -> list[Planned]:
    """Each job with its next and latest scheduled times (for `dragonfly jobs list`)."""
    config = config or services.settings
    out = []
    for name in JOBS:
        trigger = trigger_for(name, services, config)
        out.append(
            Planned(
                name,
                config.cron(name),
                trigger.get_next_fire_time(None, now),
                last_fire(trigger, now),
                timedelta(seconds=config.grace_seconds(name)),
            )
        )
    return out


def claimed(services: Services, job: str, period: str) -> bool:
    with services.engine.connect() as conn:
        return conn.execute(
            text("SELECT EXISTS (SELECT 1 FROM v_job_runs WHERE job = :j AND period = :p)"),
            {"j": job, "p": period},
        ).scalar_one()


def catch_up(services: Services, now: datetime, config: SchedulerConfig | None = None) -> list[JobResult]:
    """Run every job whose latest scheduled time is within its grace period; log the ones missed."""
    config = config or services.settings
    results = []
    tz = services.settings.tz
    for p in plan(services, now, config):
        if p.last_due is None:
            continue
        module: ModuleType = JOBS[p.name]
        period = periods.period_key(module.PERIOD, p.last_due, tz)
        if now - p.last_due <= p.grace:
            results.append(run_job(services, module, now=now, period_at=p.last_due))
        elif not claimed(services, p.name, period) and (
            not module.BUSINESS_DAYS_ONLY or periods.business_day(p.last_due, tz)
        ):
            log.warning(
                "skipped %s %s: its run at %s was missed by %s, beyond the %s grace period",
                p.name,
                period,
                p.last_due.isoformat(),
                now - p.last_due,
                p.grace,
            )
    return results


def fire(services: Services, name: str) -> JobResult | None:
    """A cron trigger fired: run the job as of now."""
    try:
        with metrics.job_run(name):
            return run_job(services, JOBS[name], now=datetime.now(services.settings.tz))
    except Exception:
        log.exception("job %s failed; the next trigger or a restart within grace runs it again", name)
        return None


def _outbox(services: Services, config: SchedulerConfig) -> None:
    with metrics.job_run("outbox"):
        _deliver(services, config)


def _deliver(services: Services, config: SchedulerConfig) -> None:
    from scheduler.outbox import deliver_due

    while (
        deliver_due(
            services,
            config.outbox_batch,
            lease_seconds=config.outbox_lease_seconds,
            max_attempts=config.outbox_max_attempts,
        )
        >= config.outbox_batch
    ):
        pass


def _ingestion(services: Services, config: SchedulerConfig) -> None:
    from scheduler.ingestion import ingest_due

    with metrics.job_run("ingestion"):
        ingest_due(
            services,
            config.ingestion_batch,
            lease_seconds=config.ingestion_lease_seconds,
            max_attempts=config.ingestion_max_attempts,
        )


def build_scheduler(services: Services, config: SchedulerConfig | None = None) -> BackgroundScheduler:
    config = config or services.settings
    tz = services.settings.tz
    sched = BackgroundScheduler(timezone=tz, job_defaults={"coalesce": True, "max_instances": 1})
    for name in JOBS:
        sched.add_job(
            fire,
            trigger_for(name, services, config),
            args=[services, name],
            id=name,
            name=name,
            misfire_grace_time=config.grace_seconds(name),
        )
    sched.add_job(
        _outbox,
        IntervalTrigger(seconds=config.outbox_interval_seconds, timezone=tz),
        args=[services, config],
        id="outbox",
        name="outbox worker",
    )
    sched.add_job(
        _ingestion,
        IntervalTrigger(seconds=config.ingestion_interval_seconds, timezone=tz),
        args=[services, config],
        id="ingestion",
        name="ingestion worker",
    )
    return sched


def run_scheduler(
    services: Services,
    stop_event: threading.Event | None = None,
    config: SchedulerConfig | None = None,
) -> None:
    """Run the jobs and workers until `stop_event` is set (or forever); `dragonfly run` calls this
    in a thread beside the bot."""
    config = config or services.settings
    stop_event = stop_event or threading.Event()
    sched = build_scheduler(services, config)
    listener = metrics.start_listener(services.settings.scheduler_metrics_bind, services.engine)
    sched.start()
    log.info("scheduler started (%s)", services.settings.dragonfly_timezone)
    try:
        catch_up(services, datetime.now(services.settings.tz), config)
    except Exception:
        log.exception("catch-up failed; the regular triggers still run")
    try:
        while not stop_event.wait(1.0):
            pass
    finally:
        sched.shutdown(wait=True)
        if listener is not None:
            listener.shutdown()
        log.info("scheduler stopped")
