"""Scheduler settings: job schedules (cron fields in the firm's time zone), grace periods and
worker intervals. Read from the environment (and `.env`) with pydantic-settings, beside
`dragonfly.settings.Settings`, which stays the one place for everything else.

Example: DRAGONFLY_DIGEST_CRON="30 8 * * mon-fri" DRAGONFLY_DIGEST_GRACE_MINUTES=180
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class SchedulerConfig(BaseSettings):
    """Cron expressions are standard five fields: minute hour day month day-of-week."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="DRAGONFLY_")

    digest_cron: str = "30 8 * * mon-fri"
    digest_grace_minutes: int = 180
    stale_cron: str = "0 9 * * mon-fri"
    stale_grace_minutes: int = 180
    weekly_cron: str = "0 9 * * mon"
    weekly_grace_minutes: int = 24 * 60
    nightly_cron: str = "0 2 * * *"
    nightly_grace_minutes: int = 6 * 60
    documents_missing_cron: str = "0 10 * * mon"
    documents_missing_grace_minutes: int = 24 * 60

    outbox_interval_seconds: float = 2.0
    outbox_batch: int = 20
    outbox_lease_seconds: int = 60
    outbox_max_attempts: int = 12
    ingestion_interval_seconds: float = 5.0
    ingestion_batch: int = 5
    ingestion_lease_seconds: int = 300
    ingestion_max_attempts: int = 8

    def cron(self, job: str) -> str:
        return str(getattr(self, f"{job}_cron"))

    def grace_seconds(self, job: str) -> int:
        return int(getattr(self, f"{job}_grace_minutes")) * 60
