"""Webhook records into the shapes the control plane and the CLI answer with."""

from __future__ import annotations

from ...emulator_models import WebhookDelivery, WebhookSubscription
from ..clock import rfc3339
from ..store.webhook_records import DeliveryRecord, SubscriptionRecord


def render_subscription(record: SubscriptionRecord) -> WebhookSubscription:
    return WebhookSubscription(
        id=record.id, team_id=record.team_id, url=record.url, events=list(record.events),
        token=record.token, created=rfc3339(record.created_us),
    )  # fmt: skip


def render_delivery(record: DeliveryRecord) -> WebhookDelivery:
    return WebhookDelivery(
        id=record.id, subscription_id=record.subscription_id, team_id=record.team_id,
        contact_id=record.contact_id, event=record.event, state=record.state,
        attempts=record.attempts, max_attempts=record.max_attempts,
        next_attempt=rfc3339(record.next_attempt_us), last_status=record.last_status,
        last_error=record.last_error,
        last_attempt=rfc3339(record.last_attempt_us) if record.last_attempt_us else None,
        created=rfc3339(record.created_us),
    )  # fmt: skip
