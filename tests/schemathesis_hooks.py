"""What ``st run`` loads (``SCHEMATHESIS_HOOKS``) for the runs of test_openapi_schemathesis.py:
a fresh API secret JWT for every request, and schemathesis's two data checks refined where
the contract says more than a schema can.

- A schema-valid request may still be refused for a reason that depends on the team's data:
  an id that names no tag, user, inbox or custom field of the team, the team's last owner, a
  contact's last channel (a 400 with one of the messages of :data:`BEYOND_THE_SCHEMA`), or a
  revision that is no longer current (412, as a taken phone is a 409). Any other refusal of
  a schema-valid request means the schema admits what the server refuses.
- JSON Schema counts ``3.0`` as an integer and the generators write integers so; the server,
  as the document says, takes integers written without a fraction, and ``3`` is the same
  JSON Schema value: such numbers are sent as ``3``.
- The stateful phase follows created ids through the document's links; its writes leave out
  the ids of other records, which a generator cannot know (see :func:`_without_references`).
- The batch and bulk calls check their items one by one (contract sections 5 and 6): a
  schema-violating item is answered 200 with that item among the failures, not with a 400
  for the whole call. A 200 that lists no failure means the server took an invalid item.
  schemathesis does not count 412 and 413 among refusals; they are refusals here.
"""

from __future__ import annotations

import os
import re
from typing import Any

import schemathesis
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from heymarket_contacts.tokens import mint_token

BEYOND_THE_SCHEMA = re.compile(
    r"is not an inbox of this team|is not a user of this team|is not a tag of this team"
    r"|custom field \d+ does not exist|is the team's last owner|is in users\[\d+\] already"
    r"|search at most \d+ values a call|a contact must keep at least one channel"
    r"|a contact holds at most \d+ (channels|custom values)"
)
#: Body fields that must name another record of the team.
REFERENCES = frozenset({"inbox_id", "assignee_id", "tags", "custom", "user_id"})
#: Operations whose items fail alone, and where their answer lists the failures.
PER_ITEM = {
    ("POST", "/v1/batch/contacts"): lambda body: body != "ok" and len(body) > 0,
    ("POST", "/v2/contacts"): lambda body: len(body["failed_contacts"]) > 0,
}


@schemathesis.auth(refresh_interval=60)
class SecretJwt:
    """A token of the secret the test made, minted afresh each minute (a token lasts five)."""

    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str:
        return mint_token(os.environ["HM_TEST_SECRET_ID"], os.environ["HM_TEST_SECRET_KEY"])

    def set(self, case: schemathesis.Case, data: str, context: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case, kwargs: Any) -> None:
    if isinstance(case.body, dict | list):
        case.body = _integers_written_plainly(case.body)
        meta = case.meta
        if meta is not None and meta.phase.name == "stateful" and meta.generation.mode.is_positive:
            case.body = _without_references(case.body)


def _without_references(body: Any) -> Any:
    """A write without the ids of other records (inbox, assignee, tags, custom fields, note
    author): a random id names none of the team's, so a stateful scenario would rarely get
    past its first create. Every value left is one the schema admits; the stateless phases
    send the ids as generated."""
    if isinstance(body, list):
        return [_without_references(item) for item in body]
    if not isinstance(body, dict):
        return body
    kept = {key: value for key, value in body.items() if key not in REFERENCES}
    if isinstance(kept.get("contacts"), list):
        kept["contacts"] = _without_references(kept["contacts"])
    return kept


def _integers_written_plainly(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integers_written_plainly(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integers_written_plainly(item) for item in value]
    return value


@schemathesis.check
def schema_valid_request_accepted(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    try:
        return positive_data_acceptance(ctx, response, case)
    except AssertionError:
        if response.status_code == 412:
            return None
        if response.status_code == 400 and BEYOND_THE_SCHEMA.search(_message(response)):
            return None
        raise


@schemathesis.check
def schema_violating_request_refused(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    try:
        return negative_data_rejection(ctx, response, case)
    except AssertionError:
        if response.status_code in (412, 413):  # refused, for a stale revision or a size
            return None
        lists_failures = PER_ITEM.get((case.operation.method.upper(), case.operation.path))
        if lists_failures is None or response.status_code != 200:
            raise
        assert lists_failures(response.json()), (
            "a schema-violating item was written: the answer lists no failure"
        )
        return None


def _message(response: schemathesis.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        return ""
    return str(body.get("message", "")) if isinstance(body, dict) else ""
