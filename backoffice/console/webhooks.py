"""Webhooks in the console (admins): subscriptions, and the delivery log with a Replay action."""

from __future__ import annotations


def register(admin) -> None:
    pass
