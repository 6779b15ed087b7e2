"""Scheduler settings (job schedules, grace periods, worker intervals) live in the one settings
class, `dragonfly.settings.Settings`; the runner takes them from `services.settings`.

Example: DRAGONFLY_DIGEST_CRON="30 8 * * mon-fri" DRAGONFLY_DIGEST_GRACE_MINUTES=180
"""

from __future__ import annotations

from dragonfly.settings import Settings as SchedulerConfig

__all__ = ["SchedulerConfig"]
