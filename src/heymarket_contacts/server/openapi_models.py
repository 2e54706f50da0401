"""What the OpenAPI document says of each model: a description for readers and an example.

The schemas come from the models (``models.py``); their docstrings speak to the code, these
descriptions to a client's author. Every component of the document must have an entry here,
so a new model cannot go undocumented.
"""

from __future__ import annotations

from typing import Any

_UUID = "01937b4e-5c2a-7d10-8a3e-4f6b2c9d0e11"
_CHANNEL_UUID = "01937b4e-5c2a-7d10-8a3e-4f6b2c9d0e12"
_NOTE_UUID = "01937b4e-6a01-7f22-9b4c-0d1e2f3a4b5c"
_CREATED = "2026-11-26T02:47:53.123456Z"
_UPDATED = "2026-11-26T03:10:04.000017Z"

TAG = {"id": 7, "tag": "VIP", "color": "#ff8800"}
NOTE = {
    "id": _NOTE_UUID,
    "date": _UPDATED,
    "name": "Ada Owner",
    "text": "Prefers a call after 5 pm.",
    "user_id": 1,
}
CONTACT = {
    "id": 42, "uuid": _UUID, "team_id": 1, "inbox_id": 0, "creator_id": 1,
    "assigned_user_id": 0, "parent_id": 0, "display_name": "Grace Hopper", "first": "Grace",
    "last": "Hopper", "email": "grace@example.com", "phone": "15105553344", "avatar": "",
    "external_id": "crm-1001", "external_ref": "", "custom": {"12": "Premium"}, "tags": [TAG],
    "note": [NOTE], "is_opted_out": False, "shared": True, "type": "phone", "op": "note",
    "rev": 3, "created": _CREATED, "updated": _UPDATED,
}  # fmt: skip
CHANNEL = {
    "id": _CHANNEL_UUID, "team_id": 1, "contact_id": _UUID, "channel_type": "phone",
    "channel_id": "15105553344", "channel_handle": "", "info_channel": "", "is_primary": True,
    "created": _CREATED, "updated": _CREATED,
}  # fmt: skip
CONTACT_V2 = {**CONTACT, "contact_channels": [CHANNEL]}
CONTACT_WRITE = {
    "phone": "15105553344", "first": "Grace", "last": "Hopper", "email": "grace@example.com",
    "external_id": "crm-1001",
}  # fmt: skip
CHANNEL_WRITE = {"channel_type": "email", "channel_id": "grace@example.com"}
CONTACT_V2_WRITE = {
    "first": "Grace", "last": "Hopper",
    "contact_channels": [{"channel_type": "phone", "channel_id": "15105553344"}, CHANNEL_WRITE],
}  # fmt: skip
ITEM_ERROR = {"error": "bad_data", "message": "phone is required"}
MEMBERSHIP = {
    "id": 2, "name": "Alan Turing", "email": "alan@example.com", "phone": "14155550123",
    "role_id": 3, "team_id": 1, "created_at": _CREATED, "updated_at": _UPDATED,
}  # fmt: skip

#: Each component's description and example.
MODELS: dict[str, tuple[str, Any]] = {
    "ErrorBody": (
        "The body of every failed call: a code per status, a sentence saying what is wrong,"
        " the request id (also in `X-Request-Id`), and, where one is at fault, the field."
        " A 409 adds `existing_id` (and, on v2 calls, `existing_uuid`) of the clashing record.",
        {
            "error": "conflict",
            "message": "the team has a contact with phone 15105553344 already",
            "request_id": "3f2c1b9e-8d4a-4e6f-9a1b-2c3d4e5f6a7b",
            "field": "phone",
            "existing_id": 42,
        },
    ),
    "Contact": (
        "A contact. Every field is always present and never null (empty string, 0, false,"
        " {} or [] when unset). `custom` holds custom field values under the field id as a"
        " string; `note` lists notes oldest first.",
        CONTACT,
    ),
    "Tag": ("A tag as a contact shows it.", TAG),
    "Note": (
        "A note on a contact; `date` is the `updated` stamp of the write that added it.",
        NOTE,
    ),
    "TagRef": ("A tag of the team to put on a contact, by id.", {"tag_id": 7}),
    "ContactWrite": (
        "A v1 create or update body. `phone` is required; on an update, fields that are absent"
        " stay as they were. `assignee_id` 0 or -1 unassigns; `tags` replaces the contact's"
        " tags; in `custom` (keys: custom field ids of the team) a null value removes the key."
        " Unknown and read-only fields are ignored.",
        CONTACT_WRITE,
    ),
    "ContactRef": ("What a create or update answers.", {"id": 42, "rev": 1, "uuid": _UUID}),
    "ContactListQuery": (
        "Listing options: at most `limit` contacts ordered by `order`, newest first (oldest"
        " first with `ascending`), strictly before `date` (after, when ascending). Walk by"
        " passing the last item's `updated` (or `created`) as the next `date`. `filter` is a"
        " case-insensitive substring of names, phone and email; `page` skips `page` times `limit`.",
        {"date": _UPDATED, "limit": 100, "ascending": False, "order": "updated"},
    ),
    "ContactLookup": (
        "Names one contact: by `phone` (any of its phone channels), or by `id` (a number or a"
        " string of digits). `phone` wins when both are given.",
        {"phone": "15105553344"},
    ),
    "SetStatus": (
        "A contact (by `phone` or `id`) and its new status: `subscribed` / `unsubscribed` set"
        " `is_opted_out`, `blocked` / `unblocked` the block, `active` lifts both.",
        {"phone": "15105553344", "status": "unsubscribed"},
    ),
    "ContactStatus": (
        "A contact's opt-out and block status.",
        {"id": 42, "phone": "15105553344", "unsubscribed": False, "blocked": False},
    ),
    "ItemError": ("Why one item of a bulk call failed.", ITEM_ERROR),
    "BatchFailure": (
        "An item of `POST /v1/batch/contacts` that was not written: its index, the item as"
        " sent and the error.",
        {"index": 3, "contact": {"first": "No phone"}, "error": ITEM_ERROR},
    ),
    "TagWrite": (
        "A tag to create: a label (trimmed, 1 to 255 characters, unique in the team ignoring"
        " case and Unicode form) and an optional color (empty, `#rgb`, `#rrggbb`, `#rrggbbaa`"
        " or a color name).",
        {"tag": "VIP", "color": "#ff8800"},
    ),
    "TagCreated": ("What a tag create answers.", {"id": 7, "rev": 1, "uuid": _UUID}),
    "TagDetail": (
        "A tag of the team.",
        {**TAG, "team_id": 1, "created": _CREATED, "updated": _CREATED, "rev": 1},
    ),
    "TagListQuery": (
        "The date cursor of `POST /v1/tags`: tags updated strictly before `date`.",
        {"date": _UPDATED},
    ),
    "FieldListQuery": ("An empty object.", {}),
    "ContactField": (
        "A custom contact field; contacts hold its values in `custom` under its id as a string.",
        {"id": 12, "title": "Plan"},
    ),
    "FieldTitle": (
        "A custom field to make, by title (trimmed, 1 to 255 characters).",
        {"title": "Plan"},
    ),
    "FieldCreated": (
        "A custom field made or found: `duplicate` is true where the team had the title"
        " already (ignoring case and Unicode form), and no second field was made.",
        {"id": 12, "title": "Plan", "duplicate": False},
    ),
    "NoteWrite": (
        "A note to add: `text` (1 to 10,000 characters, not blank, kept as sent) and its"
        " author `user_id`, a user of the team (0 or absent: the user the credentials act as).",
        {"text": "Prefers a call after 5 pm."},
    ),
    "TeamMember": ("A user of the team.", {"id": 1, "name": "Ada Owner", "role": "owner"}),
    "Team": (
        "The caller's team.",
        {
            "id": 1,
            "name": "Acme",
            "list_size": 1250,
            "members": [{"id": 1, "name": "Ada Owner", "role": "owner"}],
        },
    ),
    "Inbox": (
        "An inbox of the team; `members` are user ids, `phones` is `[phone]` or `[]`.",
        {
            "id": 3,
            "name": "Support",
            "team": 1,
            "members": [1, 2],
            "phones": ["14155550100"],
            "phone": "14155550100",
            "auto_assignable": False,
            "forward_number": "",
            "allowed_domains": [],
        },
    ),
    "UserLookup": (
        "The users to answer: those whose phone is in `phone` or whose email is in `email`"
        " (ignoring case); with no item in either, every user of the team.",
        {"email": ["alan@example.com"]},
    ),
    "Membership": ("A user of the team.", MEMBERSHIP),
    "Memberships": ("Users of the team, in id order.", {"memberships": [MEMBERSHIP]}),
    "UserUpdate": (
        "A user of the team and what to change: `first_name` (trimmed, 1 to 255 characters),"
        " `last_name` (trimmed, at most 255; empty clears it), `role_id` (1 owner, 2 admin,"
        " 3 member). Absent fields stay as they were.",
        {"id": 2, "role_id": 2},
    ),
    "UsersUpdate": (
        "The users to change, all or none; a team that has an owner keeps one.",
        {"users": [{"id": 2, "first_name": "Alan", "role_id": 2}]},
    ),
    "ContactChannel": (
        "A way to reach a contact. `contact_id` is the contact's uuid; `is_primary` marks the"
        " channel of its type that v1 `phone` / `email` show.",
        CHANNEL,
    ),
    "ContactV2": ("A contact with its channels (primary ones first).", CONTACT_V2),
    "ChannelWrite": (
        "A channel: its type (`phone`, `email` or another name: a letter, then up to 31"
        " letters, digits or `_.-`; not `id`) and value (a phone: 7 to 15 digits, an optional"
        " leading +; an email: `name@domain`; another type: any text, not blank, no control"
        " characters).",
        CHANNEL_WRITE,
    ),
    "ContactV2Write": (
        "A v2 create or update body: the v1 write shape (`phone` not required) and"
        " `contact_channels`. A create needs at least one channel (from `contact_channels`,"
        " `phone` or `email`); on an update `contact_channels`, when present, is the"
        " contact's whole set of channels from now on.",
        CONTACT_V2_WRITE,
    ),
    "ContactV2Item": (
        "An item of `POST /v2/contacts`: with `contact_id` (a contact's uuid) an update of"
        " that contact, without it a create.",
        {"contact_id": _UUID, "first": "Grace"},
    ),
    "ContactsV2Write": (
        "Up to 1,000 contacts to create or update, each written (or failed) on its own.",
        {"contacts": [CONTACT_V2_WRITE]},
    ),
    "BulkFailure": (
        "An item of `POST /v2/contacts` that was not written: its index, the item as sent"
        " and the error.",
        {"index": 0, "contact": {"first": "No channel"}, "error": ITEM_ERROR},
    ),
    "ContactsV2Written": (
        "The contacts written (each once, in the order first written) and the items that failed.",
        {"contacts": [CONTACT_V2], "failed_contacts": []},
    ),
    "ChannelValues": (
        "Values to look for, of one `channel_type`; without it a value with an `@` is an"
        " email and one of digits (an optional +) a phone.",
        {"channel_ids": ["15105553344", "grace@example.com"]},
    ),
    "ContactsV2Search": (
        "The contacts holding any of these values (at most 1,000 values in all).",
        {"contact_channels": [{"channel_ids": ["15105553344", "grace@example.com"]}]},
    ),
    "ContactIds": (
        'Contacts by uuid: `channel_type` is `"id"`.',
        {"channel_type": "id", "channel_ids": [_UUID]},
    ),
    "ContactIdsDelete": (
        "The contacts to delete, all or none: exactly one entry, of type `id`.",
        {"contact_channels": [{"channel_type": "id", "channel_ids": [_UUID]}]},
    ),
    "ContactV2ListQuery": (
        "The date cursor of `POST /v1/contacts`, by `updated`.",
        {"date": _UPDATED, "limit": 100, "ascending": False},
    ),
}
