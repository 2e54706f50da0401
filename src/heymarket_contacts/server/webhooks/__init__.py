"""Webhooks (spec section 10): events queued in the transaction of their change, and sent
after the commit by a delivery worker."""
