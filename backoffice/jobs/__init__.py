"""The job queue: heavy or slow work leaves the web request. `queue` enqueues and leases jobs, `kinds` knows their
handlers, `worker` runs them. One mechanism for every kind: mail delivery, sample analysis, and what comes later."""

from backoffice.jobs.queue import enqueue, retry_failed

__all__ = ["enqueue", "retry_failed"]
