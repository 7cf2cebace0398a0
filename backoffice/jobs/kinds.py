"""The kinds of job the worker knows: each a handler with its settings, registered by the module that owns it.

A kind names the config keys of its limits (attempts, backoff, lease) rather than copying their values, so a test
or an operator changing the config changes the queue's behaviour at once. The handler modules are imported on
first use, so enqueueing from a service never imports another domain.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

# every module that registers a kind; the worker imports them all before it claims anything
HANDLER_MODULES = (
    "backoffice.mail",
    "backoffice.services.passwords",
    "backoffice.services.registration",
    "backoffice.services.legacy_claim",
    "backoffice.services.viruslab.analysis",
    "backoffice.services.privacy_export",
    "backoffice.services.support.file_checks",
    "backoffice.services.webhooks",
    "backoffice.services.licensing.import_jobs",
    "backoffice.services.mail_intake.intake",
)


@dataclass(frozen=True)
class Claim:
    """A job leased to this worker: what its handler is given."""

    job_id: int
    kind: str
    payload: dict
    attempts: int  # including this one
    token: str


class PermanentJobError(Exception):
    """Raised by a handler when retrying cannot help; its message is what staff see as the job's error."""


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Callable[[Claim, object], None]  # (claim, batch context); adds its writes to the session, no commit
    max_attempts_key: str
    retry_base_key: str
    lease_key: str
    # opens one resource shared by a batch of jobs of this kind (e.g. one SMTP connection)
    batch_context: Callable[[], contextlib.AbstractContextManager] | None = None
    # an error that retrying cannot cure fails the job at once
    is_permanent: Callable[[Exception], bool] = lambda error: isinstance(error, PermanentJobError)
    # called with (job id, payload, error) in the transaction that marks the job failed for good
    on_give_up: Callable[[int, dict, str], None] | None = None
    # called with (job id, payload) in the transaction that queues a failed job again: what waited on the job
    # (a message, a request) goes back to waiting, whichever Retry button was used
    on_retry: Callable[[int, dict], None] | None = None

    @property
    def max_attempts(self) -> int:
        return current_app.config[self.max_attempts_key]

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=current_app.config[self.lease_key])

    def backoff(self, attempts: int) -> timedelta:
        """The n-th retry waits base × 2ⁿ⁻¹ seconds, at most JOB_RETRY_MAX_SECONDS."""
        config = current_app.config
        seconds = config[self.retry_base_key] * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, config["JOB_RETRY_MAX_SECONDS"]))

    def context(self) -> contextlib.AbstractContextManager:
        return self.batch_context() if self.batch_context else contextlib.nullcontext()


_KINDS: dict[str, JobKind] = {}


def job_kind(name: str, **settings) -> Callable:
    """Register the decorated function as the handler of jobs of kind `name`."""

    def register(handler: Callable) -> Callable:
        _KINDS[name] = JobKind(name=name, handler=handler, **settings)
        return handler

    return register


def load_all() -> dict[str, JobKind]:
    for module in HANDLER_MODULES:
        importlib.import_module(module)
    return _KINDS


def get(name: str) -> JobKind | None:
    return _KINDS.get(name) or load_all().get(name)
