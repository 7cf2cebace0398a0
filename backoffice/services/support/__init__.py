"""Support requests (FAQ §12-13), one module per job:

- numbers: the public request numbers, unique under concurrent submits
- access: finding a customer's own request (404 for anyone else's)
- sla: first-response and resolution targets, the paused clock
- workflow: the allowed state transitions, close-resolved
- history: the ticket's event log (and the audit trail for staff)
- attachments: blobs named for a draft or a ticket, the per-request limits
- wizard: the five steps' validation and the server-side draft
- submit: the idempotent submit of a draft
- correspondence: replies and notes of both sides, close and reopen by the customer
- staff_actions: what an engineer changes on one ticket (type, priority, state, assignee, claim)
- queues: the console's list queries
- bulk: actions on a selection, and merge
- ratings: the customer's verdict on a resolved request
- ftp: the large-file channel's per-request logins
"""
