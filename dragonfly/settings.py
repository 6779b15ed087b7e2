"""All configuration in one place, read from the environment and an optional `.env`."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Dragonfly settings. Every field maps to an upper-case environment variable."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # Where local state lives: the embedded PostgreSQL and the local document store.
    dragonfly_home: Path = Field(default=Path("./var"))
    # Unset: an embedded PostgreSQL under $DRAGONFLY_HOME/pg, started on demand and reused.
    database_url: str | None = None
    # Unset: the scheduler uses DATABASE_URL. Set: the scheduler's own login, a member of
    # dragonfly_scheduler (the only login that may record system: actors; README "Security").
    scheduler_database_url: str | None = None
    # Unset: file://$DRAGONFLY_HOME/documents. Or s3://bucket/prefix (standard AWS_* variables).
    storage_url: str | None = None
    storage_max_bytes: int = 50 * 1024 * 1024
    storage_sse: str | None = None  # e.g. "AES256" or "aws:kms"

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"

    dragonfly_ops_channel: str = "#enforcement-ops"
    dragonfly_exec_channel: str = "#enforcement-exec"
    dragonfly_timezone: str = "America/New_York"
    # Comma-separated Slack user ids that are seeded as admins at start-up.
    dragonfly_admins: str = ""
    # Whether `/enforce pay` needs a proof document before the payment is recorded.
    dragonfly_payment_proof_required: bool = True

    # The firm's paper templates (.docx with Jinja fields, see dragonfly/papers). Unset: the bundled
    # samples in dragonfly/papers/templates, which counsel must replace with approved text.
    dragonfly_templates: Path | None = None

    # `doctor` leaves unreferenced objects younger than this alone (uploads in flight), e.g. 10m, 1h.
    dragonfly_orphan_grace: str = "10m"

    # Scheduler (cron fields in the firm's zone; grace: how late a missed run may still be caught up)
    digest_cron: str = Field("30 8 * * mon-fri", validation_alias="dragonfly_digest_cron")
    digest_grace_minutes: int = Field(180, validation_alias="dragonfly_digest_grace_minutes")
    stale_cron: str = Field("0 9 * * mon-fri", validation_alias="dragonfly_stale_cron")
    stale_grace_minutes: int = Field(180, validation_alias="dragonfly_stale_grace_minutes")
    weekly_cron: str = Field("0 9 * * mon", validation_alias="dragonfly_weekly_cron")
    weekly_grace_minutes: int = Field(24 * 60, validation_alias="dragonfly_weekly_grace_minutes")
    nightly_cron: str = Field("0 2 * * *", validation_alias="dragonfly_nightly_cron")
    nightly_grace_minutes: int = Field(6 * 60, validation_alias="dragonfly_nightly_grace_minutes")
    documents_missing_cron: str = Field("0 10 * * mon", validation_alias="dragonfly_documents_missing_cron")
    documents_missing_grace_minutes: int = Field(24 * 60, validation_alias="dragonfly_documents_missing_grace_minutes")
    # Workers (outbox delivery to Slack, document ingestion)
    outbox_interval_seconds: float = Field(2.0, validation_alias="dragonfly_outbox_interval_seconds")
    outbox_batch: int = Field(20, validation_alias="dragonfly_outbox_batch")
    outbox_lease_seconds: int = Field(60, validation_alias="dragonfly_outbox_lease_seconds")
    outbox_max_attempts: int = Field(12, validation_alias="dragonfly_outbox_max_attempts")
    ingestion_interval_seconds: float = Field(5.0, validation_alias="dragonfly_ingestion_interval_seconds")
    ingestion_batch: int = Field(5, validation_alias="dragonfly_ingestion_batch")
    ingestion_lease_seconds: int = Field(300, validation_alias="dragonfly_ingestion_lease_seconds")
    ingestion_max_attempts: int = Field(8, validation_alias="dragonfly_ingestion_max_attempts")
    # A pending queue row whose lease or next attempt is this far past is "stuck" (doctor, queue list).
    queue_stuck_minutes: int = Field(15, validation_alias="dragonfly_queue_stuck_minutes")
    # The scheduler's GET /metrics listener (host:port; empty turns it off).
    scheduler_metrics_bind: str = Field("0.0.0.0:9464", validation_alias="dragonfly_scheduler_metrics_bind")
    # In Socket Mode `dragonfly serve` has no HTTP server: its GET /metrics listener (empty: off).
    socket_metrics_bind: str = Field("0.0.0.0:9465", validation_alias="dragonfly_socket_metrics_bind")

    # HTTP server (dragonfly serve)
    dragonfly_bind: str = "0.0.0.0:3000"
    dragonfly_workers: int = 2

    @field_validator("dragonfly_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError, OSError):
            raise ValueError(f"{value!r} is not a time zone; use a name like America/New_York") from None
        return value

    @field_validator("storage_url")
    @classmethod
    def _known_store(cls, value: str | None) -> str | None:
        if value and not value.startswith(("file://", "s3://")):
            raise ValueError(f"{value!r} is not a store; use file:///path or s3://bucket/prefix")
        return value

    @field_validator("digest_cron", "stale_cron", "weekly_cron", "nightly_cron", "documents_missing_cron")
    @classmethod
    def _crontab(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a cron schedule ({exc}); e.g. '30 8 * * mon-fri'") from None
        return value

    def cron(self, job: str) -> str:
        """The cron schedule of a scheduled job."""
        return str(getattr(self, f"{job}_cron"))

    def grace_seconds(self, job: str) -> int:
        """How late a missed run of a job may still be caught up."""
        return int(getattr(self, f"{job}_grace_minutes")) * 60

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.dragonfly_timezone)

    @property
    def home(self) -> Path:
        return self.dragonfly_home.expanduser().resolve()

    @property
    def effective_storage_url(self) -> str:
        return self.storage_url or f"file://{self.home / 'documents'}"

    def for_scheduler(self) -> Settings:
        """These settings as the scheduler process uses them: its own database login if one is set."""
        if not self.scheduler_database_url:
            return self
        return self.model_copy(update={"database_url": self.scheduler_database_url})

    @property
    def queue_stuck_seconds(self) -> int:
        return self.queue_stuck_minutes * 60

    @property
    def admin_ids(self) -> list[str]:
        return [a.strip() for a in self.dragonfly_admins.split(",") if a.strip()]

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))
