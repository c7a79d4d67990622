"""Settings of the service, read from the environment with safe defaults (settings.py); the values they take and
how each is read (values.py); what stops the service at start (checks.py)."""

from status_api.config.checks import MIN_TOKEN_LENGTH, problems, system_reason, token_problem, warnings
from status_api.config.settings import Settings
from status_api.config.values import (
    LOG_LEVELS,
    POSTGRES_SCHEMES,
    ConfigError,
    Limits,
    Network,
    Rate,
    Smtp,
    too_wide,
)

__all__ = [
    "LOG_LEVELS",
    "MIN_TOKEN_LENGTH",
    "POSTGRES_SCHEMES",
    "ConfigError",
    "Limits",
    "Network",
    "Rate",
    "Settings",
    "Smtp",
    "problems",
    "system_reason",
    "token_problem",
    "too_wide",
    "warnings",
]
