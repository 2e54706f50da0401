"""What the server checks of a request beyond the models' types and lengths, said in JSON
Schema so that the document admits exactly the bodies the server accepts.

The models give types, required fields and lengths; the services check forms (a phone, an
email, a channel type, a trimmed label, a time) and write the 400s that name the field. Each
rule here restates one of those checks (``contact_rules``, ``channel_rules``, ``labels``,
``tags``, ``clock``, ``users``); ``tests/test_openapi_schemathesis.py`` sends what the schemas
admit and what they refuse, and fails where the server and a rule differ. What no schema can
say (an id that must name a record of the caller's team, the team's last owner) stays in the
descriptions.
"""

from __future__ import annotations

from typing import Any

from ..models import ID_MAX

#: Whitespace as the server's ``str.strip`` and ``\s`` see it, spelt out since JavaScript's
#: ``\s`` differs (U+001C to U+001F and U+0085 are whitespace in Python only, U+FEFF in
#: JavaScript only).
_SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
WS = f"[{_SPACE}]"
NOT_WS = f"[^{_SPACE}]"
#: A phone as written: 7 to 15 digits, no leading 0, an optional leading ``+``.
PHONE = r"^\+?[1-9][0-9]{6,14}$"
_EMAIL = f"[^@{_SPACE}]+@[^@{_SPACE}]+"
#: ``name@domain`` (one ``@``, no spaces), surrounding whitespace ignored.
EMAIL = f"^{WS}*{_EMAIL}{WS}*$"
#: An email, or empty (clears it).
EMAIL_OR_EMPTY = f"^{WS}*({_EMAIL})?{WS}*$"
#: A label or a name, trimmed: 1 to 255 characters are left.
TRIMMED_LABEL = f"^{WS}*{NOT_WS}([\\s\\S]{{0,253}}{NOT_WS})?{WS}*$"
#: Text that is not blank (only whitespace).
NOT_BLANK = f"^{WS}*{NOT_WS}[\\s\\S]*$"
#: A channel type, trimmed and case-folded: a letter, then up to 31 letters, digits or ``_.-``,
#: but not ``id`` (written without a lookahead, which not every generator takes).
CHANNEL_TYPE = (
    f"^{WS}*([A-Za-z]|[A-HJ-Za-hj-z][A-Za-z0-9_.-]|[Ii][A-Ca-cE-Ze-z0-9_.-]"
    f"|[A-Za-z][A-Za-z0-9_.-]{{2,31}}){WS}*$"
)
PHONE_TYPE = f"^{WS}*[Pp][Hh][Oo][Nn][Ee]{WS}*$"
EMAIL_TYPE = f"^{WS}*[Ee][Mm][Aa][Ii][Ll]{WS}*$"
ID_TYPE = f"^{WS}*[Ii][Dd]{WS}*$"
#: The value of a channel of another type: not blank, no control character below U+0020.
OTHER_VALUE = f"^[^\\x00-\\x1f]*[^\\x00-\\x20{_SPACE}][^\\x00-\\x1f]*$"
#: A searched value without a type: an email, or a phone as written.
GUESSABLE_VALUE = f"^(\\+?[1-9][0-9]{{6,14}}|{WS}*{_EMAIL}{WS}*)$"
#: RFC 3339 as the server reads it (``T``, ``t`` or a space; up to nine fraction digits).
RFC3339 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
#: A tag color: empty, ``#rgb``, ``#rrggbb``, ``#rrggbbaa`` or a color name.
COLOR = (
    r"^(#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})"
    r"|[A-Za-z][A-Za-z0-9]*([ -][A-Za-z0-9]+)*)?$"
)
#: A custom field id as a ``custom`` key: written plainly, no leading zero.
CUSTOM_KEY = r"^(0|[1-9][0-9]{0,17})$"
#: ``If-Match``: ``*`` or a revision, as an entity tag (``"3"``; ``W/"3"`` and ``3`` too).
IF_MATCH = r'^(\*|(W/)?"?[0-9]{1,18}"?)$'


def _text(pattern: str, description: str) -> dict[str, Any]:
    return {"pattern": pattern, "description": description}


def _id(minimum: int, description: str) -> dict[str, Any]:
    return {"minimum": minimum, "maximum": ID_MAX, "description": description}


DATE = {"format": "date-time", "pattern": RFC3339, "description": "An RFC 3339 time."}
_PHONE = _text(PHONE, "E.164 digits; a leading + is dropped.")
_CONTACT_FIELDS: dict[str, Any] = {
    "phone": _PHONE,
    "email": _text(EMAIL_OR_EMPTY, "`name@domain`; empty removes the email."),
    "custom": {
        "propertyNames": {"pattern": CUSTOM_KEY},
        "description": "Values by custom field id (a field of the team); null removes a value.",
    },
    "assignee_id": {
        "minimum": -1,
        "maximum": ID_MAX,
        "description": "A user of the team; 0 or -1 unassigns.",
    },
    "inbox_id": _id(0, "An inbox of the team; 0 for none."),
    "tags": {"description": "Tags of the team; replaces the contact's tags."},
}


#: A contact by phone, else by id (a number, or a string of digits): the id is not read
#: when a phone is given.
_LOOKUP: dict[str, Any] = {
    "properties": {"phone": _PHONE, "id": {"description": "Read only when `phone` is absent."}},
    "anyOf": [{"required": ["phone"]}, {"required": ["id"]}],
    "allOf": [
        {
            "if": {"required": ["phone"]},
            "else": {
                "properties": {
                    "id": {"anyOf": [{"type": "integer"}, {"pattern": r"^[0-9]{1,20}$"}]}
                }
            },
        }
    ],
}


def _channel_value_rules(
    type_key: str, value_key: str, *, many: bool, untyped: str | None = None
) -> dict[str, Any]:
    """The form of a channel value follows its type: a phone, an email, or (any other type)
    text that is not blank and has no control character; ``untyped`` is the form of a value
    sent without a type. Written as a chain of if/then/else (no ``not``, which schemathesis's
    coverage phase handles poorly)."""

    def value(pattern: str) -> dict[str, Any]:
        form: dict[str, Any] = {"pattern": pattern}
        return {"properties": {value_key: {"items": form} if many else form}}

    def typed(pattern: str) -> dict[str, Any]:
        return {"properties": {type_key: {"pattern": pattern}}, "required": [type_key]}

    last: dict[str, Any] = {"if": {"required": [type_key]}, "then": value(OTHER_VALUE)}
    if untyped is not None:
        last["else"] = value(untyped)
    email = {"if": typed(EMAIL_TYPE), "then": value(EMAIL), "else": last}
    return {"if": typed(PHONE_TYPE), "then": value(PHONE), "else": email}


#: Per component: properties to add to (merged into the model's schema), ``required`` names
#: to add, and ``allOf`` rules.
RULES: dict[str, dict[str, Any]] = {
    "ContactWrite": {"properties": _CONTACT_FIELDS, "required": ["phone"]},
    "ContactV2Write": {"properties": _CONTACT_FIELDS},
    "ContactV2Item": {
        "properties": {
            **_CONTACT_FIELDS,
            "contact_id": {"format": "uuid", "description": "The uuid of a contact to update."},
        }
    },
    "TagRef": {"properties": {"tag_id": _id(1, "A tag of the team.")}},
    "ContactListQuery": {
        "properties": {
            "date": DATE,
            "filter": _text(r"^[^\x00-\x1f]*$", "A substring; no control characters."),
            "assigned": {"description": "A user id: only contacts assigned to that user."},
        }
    },
    "ContactV2ListQuery": {"properties": {"date": DATE}},
    "TagListQuery": {"properties": {"date": DATE}},
    "ContactLookup": _LOOKUP,
    "SetStatus": _LOOKUP,
    "TagWrite": {
        "properties": {
            "tag": _text(TRIMMED_LABEL, "The label, trimmed; unique in the team."),
            "color": _text(COLOR, "Empty, a hex color or a color name."),
        },
        "required": ["tag"],
    },
    "FieldTitle": {
        "properties": {"title": _text(TRIMMED_LABEL, "The title, trimmed.")},
        "required": ["title"],
    },
    "NoteWrite": {
        "properties": {
            "text": {"minLength": 1, **_text(NOT_BLANK, "Kept as sent; not blank.")},
            "user_id": _id(0, "The author, a user of the team; 0: the caller's user."),
        },
        "required": ["text"],
    },
    "UserLookup": {
        "properties": {
            "phone": {"items": {"pattern": PHONE}},
            "email": {"items": {"pattern": EMAIL}},
        }
    },
    "UserUpdate": {
        "properties": {"first_name": _text(TRIMMED_LABEL, "Trimmed; 1 to 255 characters.")}
    },
    "UsersUpdate": {"required": ["users"]},
    "ChannelWrite": {
        "properties": {"channel_type": {"pattern": CHANNEL_TYPE}},
        "allOf": [_channel_value_rules("channel_type", "channel_id", many=False)],
    },
    "ChannelValues": {
        "properties": {"channel_type": {"pattern": CHANNEL_TYPE}},
        "allOf": [
            _channel_value_rules("channel_type", "channel_ids", many=True, untyped=GUESSABLE_VALUE)
        ],
    },
    "ContactIds": {
        "properties": {
            "channel_type": {"pattern": ID_TYPE},
            "channel_ids": {"items": {"format": "uuid"}},
        },
        "required": ["channel_type"],
    },
}


def refine(components: dict[str, Any]) -> None:
    """Merge :data:`RULES` into the components (in place); a rule naming a component or a
    property the models do not have is an error, so a renamed field cannot lose its rule."""
    for name, rule in RULES.items():
        schema = components[name]
        for prop, extra in rule.get("properties", {}).items():
            if prop not in schema["properties"]:
                raise KeyError(f"{name}.{prop}: no such property")
            schema["properties"][prop] = _merged(schema["properties"][prop], extra)
        if "required" in rule:
            schema["required"] = sorted({*schema.get("required", ()), *rule["required"]})
        for keyword in ("allOf", "anyOf"):
            if keyword in rule:
                schema[keyword] = rule[keyword]


def _merged(schema: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(schema)
    for key, value in extra.items():
        if key == "anyOf" and "anyOf" in merged:  # branch by branch
            merged["anyOf"] = [_merged(a, b) for a, b in zip(merged["anyOf"], value, strict=True)]
        elif key == "items" and "items" in merged:
            merged["items"] = _merged(merged["items"], value)
        else:
            merged[key] = value
    return merged
