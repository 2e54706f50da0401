"""Tags through the real server (contract section 7), and contacts carrying them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from checks import TIMESTAMP, Sql, assert_error, ok, read
from support import HttpApi, unique_phone


@pytest.fixture
def rows(backend: str, database_url: str) -> Sql:
    return Sql(backend, database_url)


def create_tag(api: HttpApi, tag: str | None = None, **extra: Any) -> int:
    body = {"tag": tag or f"tag {uuid.uuid4().hex[:8]}", **extra}
    return int(ok(api.post("/v1/tag", json=body))["id"])


def get_tag(api: HttpApi, tag_id: int) -> dict[str, Any]:
    body: dict[str, Any] = ok(api.get(f"/v1/tag/{tag_id}"))
    return body


def list_tags(api: HttpApi, **body: Any) -> list[dict[str, Any]]:
    answer: list[dict[str, Any]] = ok(api.post("/v1/tags", json=body))
    return answer


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


# --- create and get ---------------------------------------------------------------------------


def test_create_answers_id_rev_and_uuid4(api: HttpApi) -> None:
    body = ok(api.post("/v1/tag", json={"tag": "VIP", "color": "#ff0000"}))
    assert body == {"id": body["id"], "rev": 1, "uuid": body["uuid"]}
    assert type(body["id"]) is int
    assert body["id"] > 0
    assert uuid.UUID(body["uuid"]).version == 7
    assert str(uuid.UUID(body["uuid"])) == body["uuid"]


def test_get_answers_every_field(api: HttpApi) -> None:
    tag_id = create_tag(api, "VIP", color="#ff0000")
    body = get_tag(api, tag_id)
    assert TIMESTAMP.fullmatch(body["created"])
    assert body == {
        "id": tag_id,
        "tag": "VIP",
        "color": "#ff0000",
        "team_id": api.team.team_id,
        "created": body["created"],
        "updated": body["created"],
        "rev": 1,
    }


def test_color_defaults_to_empty(api: HttpApi) -> None:
    assert get_tag(api, create_tag(api, "VIP"))["color"] == ""


def test_the_label_is_stored_trimmed(api: HttpApi) -> None:
    assert get_tag(api, create_tag(api, "  VIP \n"))["tag"] == "VIP"


def test_a_label_of_255_characters_is_accepted(api: HttpApi) -> None:
    label = "v" * 255
    assert get_tag(api, create_tag(api, label))["tag"] == label


def test_read_only_members_of_the_body_are_ignored(api: HttpApi) -> None:
    body = {"tag": "VIP", "id": 7, "rev": 9, "team_id": 1, "uuid": "x", "created": "y"}
    answer = ok(api.post("/v1/tag", json=body))
    tag = get_tag(api, answer["id"])
    assert (answer["rev"], tag["rev"], tag["team_id"]) == (1, 1, api.team.team_id)
    assert answer["uuid"] != "x"


@pytest.mark.parametrize(
    "color",
    ["#fff", "#A1B2C3", "#a1b2c3d4", "red", "light-blue", "Sea Green", "grey50", "a" * 32],
)
def test_a_hex_color_or_a_color_name_is_accepted(api: HttpApi, color: str) -> None:
    assert get_tag(api, create_tag(api, color=color))["color"] == color


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({}, "tag", id="missing-tag"),
        pytest.param({"tag": ""}, "tag", id="empty-tag"),
        pytest.param({"tag": " \t "}, "tag", id="blank-tag"),
        pytest.param({"tag": "v" * 256}, "tag", id="256-chars"),
        pytest.param({"tag": 5}, "tag", id="number-tag"),
        pytest.param({"tag": None}, "tag", id="null-tag"),
        pytest.param({"tag": ["VIP"]}, "tag", id="array-tag"),
        pytest.param({"tag": "V\x00IP"}, "tag", id="nul-tag"),
        pytest.param({"tag": "VIP", "color": "#ggg"}, "color", id="bad-hex"),
        pytest.param({"tag": "VIP", "color": "#12345"}, "color", id="five-hex-digits"),
        pytest.param({"tag": "VIP", "color": "red "}, "color", id="trailing-space"),
        pytest.param({"tag": "VIP", "color": "light  blue"}, "color", id="two-spaces"),
        pytest.param({"tag": "VIP", "color": "<b>red</b>"}, "color", id="markup"),
        pytest.param({"tag": "VIP", "color": "rgb(1,2,3)"}, "color", id="rgb"),
        pytest.param({"tag": "VIP", "color": "red\n"}, "color", id="newline"),
        pytest.param({"tag": "VIP", "color": "a" * 33}, "color", id="33-chars"),
        pytest.param({"tag": "VIP", "color": 255}, "color", id="number-color"),
        pytest.param({"tag": "VIP", "color": None}, "color", id="null-color"),
        pytest.param({"tag": "VIP", "color": "re\x00d"}, "color", id="nul-color"),
        pytest.param([{"tag": "VIP"}], None, id="array-body"),
        pytest.param("VIP", None, id="string-body"),
    ],
)
def test_create_refuses_bad_input_naming_the_field_and_writes_nothing(
    api: HttpApi, rows: Sql, body: Any, field: str | None
) -> None:
    assert_error(api.post("/v1/tag", json=body), 400, "bad_data", field=field)
    assert rows.tags(api.team.team_id) == 0


@pytest.mark.parametrize("content", [b"", b"{", b"\xff"], ids=["empty", "not-json", "not-utf8"])
def test_create_refuses_a_body_that_is_no_json(api: HttpApi, rows: Sql, content: bytes) -> None:
    assert_error(api.post("/v1/tag", content=content), 400, "bad_data")
    assert rows.tags(api.team.team_id) == 0


@pytest.mark.parametrize(
    ("stored", "sent"),
    [
        pytest.param("VIP", "VIP", id="same"),
        pytest.param("VIP", "vip", id="other-case"),
        pytest.param("VIP", " VIP\t", id="padded"),
        pytest.param("Caf\u00e9", "CAFE\u0301", id="nfd-upper"),
    ],
)
def test_a_label_the_team_has_is_a_conflict(
    api: HttpApi, rows: Sql, stored: str, sent: str
) -> None:
    existing_id = create_tag(api, stored)
    response = api.post("/v1/tag", json={"tag": sent, "color": "red"})
    assert_error(response, 409, "conflict", field="tag", existing_id=existing_id)
    assert rows.tags(api.team.team_id) == 1
    assert get_tag(api, existing_id)["color"] == ""


def test_another_team_may_have_the_same_label(api: HttpApi, other_api: HttpApi) -> None:
    mine = create_tag(api, "VIP")
    theirs = create_tag(other_api, "VIP")
    assert theirs != mine


# --- ids ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "DELETE"])
@pytest.mark.parametrize(
    "tag_id", ["abc", "0", "-1", "1.5", "0x10", str(2**63), str(2**64), "9" * 19, "9" * 25]
)
def test_an_id_that_names_no_tag_is_not_found(api: HttpApi, method: str, tag_id: str) -> None:
    assert_error(api.request(method, f"/v1/tag/{tag_id}"), 404, "not_found")


def test_an_id_never_made_is_not_found(api: HttpApi) -> None:
    tag_id = create_tag(api)
    assert_error(api.get(f"/v1/tag/{tag_id + 10_000}"), 404, "not_found")
    assert_error(api.delete(f"/v1/tag/{tag_id + 10_000}"), 404, "not_found")


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_another_teams_tag_is_not_found_and_untouched(
    api: HttpApi, other_api: HttpApi, method: str
) -> None:
    tag_id = create_tag(api, "VIP")
    contact_id = api.create_contact(tags=[{"tag_id": tag_id}])
    before, contact_before = get_tag(api, tag_id), read(api, contact_id)
    assert_error(other_api.request(method, f"/v1/tag/{tag_id}"), 404, "not_found")
    assert get_tag(api, tag_id) == before
    assert read(api, contact_id) == contact_before


# --- the list -----------------------------------------------------------------------------------


def test_a_new_team_has_no_tags(api: HttpApi) -> None:
    assert list_tags(api) == []


def test_the_list_walks_thirty_at_a_time_newest_first(api: HttpApi) -> None:
    ids = [create_tag(api, f"tag {n:02d}") for n in range(32)]
    first = list_tags(api)
    assert [tag["id"] for tag in first] == ids[::-1][:30]
    assert first[0] == get_tag(api, ids[-1])
    second = list_tags(api, date=first[-1]["updated"])
    assert [tag["id"] for tag in second] == [ids[1], ids[0]]
    assert list_tags(api, date=second[-1]["updated"]) == []


def test_the_date_is_exclusive_and_any_rfc3339_form_is_accepted(api: HttpApi) -> None:
    older, middle, newer = (create_tag(api) for _ in range(3))
    stamp = parse(get_tag(api, middle)["updated"])
    forms = [
        stamp.isoformat().replace("+00:00", "Z"),
        stamp.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat(),
        stamp.astimezone(timezone(timedelta(hours=-8))).isoformat(),
    ]
    for form in forms:
        assert [tag["id"] for tag in list_tags(api, date=form)] == [older], form
    next_second = (stamp + timedelta(seconds=1)).replace(microsecond=0)
    without_fraction = next_second.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert middle in [tag["id"] for tag in list_tags(api, date=without_fraction)]
    assert newer in [tag["id"] for tag in list_tags(api)]


def test_the_list_shows_only_the_callers_tags(api: HttpApi, other_api: HttpApi) -> None:
    mine = create_tag(api)
    create_tag(other_api)
    assert [tag["id"] for tag in list_tags(api)] == [mine]


@pytest.mark.parametrize(
    "date",
    [
        "yesterday",
        "",
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-01-01T00:00:00",
        "2026-01-01",
        "Z",
        "9" * 100,
        5,
        None,
        ["2026-01-01T00:00:00Z"],
    ],
)
def test_a_malformed_date_is_refused(api: HttpApi, date: Any) -> None:
    assert_error(api.post("/v1/tags", json={"date": date}), 400, "bad_data", field="date")


@pytest.mark.parametrize("content", [b"", b"[]", b"{"], ids=["empty", "array", "not-json"])
def test_the_list_refuses_a_body_that_is_no_object(api: HttpApi, content: bytes) -> None:
    assert_error(api.post("/v1/tags", content=content), 400, "bad_data")


# --- delete -------------------------------------------------------------------------------------


def test_delete_answers_ok_then_the_tag_is_gone(api: HttpApi, rows: Sql) -> None:
    tag_id = create_tag(api)
    kept = create_tag(api)
    assert ok(api.delete(f"/v1/tag/{tag_id}")) == "ok"
    assert_error(api.get(f"/v1/tag/{tag_id}"), 404, "not_found")
    assert_error(api.delete(f"/v1/tag/{tag_id}"), 404, "not_found")
    assert [tag["id"] for tag in list_tags(api)] == [kept]
    assert rows.tags(api.team.team_id) == 1


def test_a_deleted_label_can_be_used_again(api: HttpApi) -> None:
    old_id = create_tag(api, "VIP")
    ok(api.delete(f"/v1/tag/{old_id}"))
    new_id = create_tag(api, "VIP")
    assert new_id != old_id


def test_a_contact_reads_its_tag_until_the_tag_is_deleted(api: HttpApi) -> None:
    tag_id = create_tag(api, "VIP", color="gold")
    contact_id = api.create_contact(tags=[{"tag_id": tag_id}])
    before = read(api, contact_id)
    assert before["tags"] == [{"id": tag_id, "tag": "VIP", "color": "gold"}]
    ok(api.delete(f"/v1/tag/{tag_id}"))
    after = read(api, contact_id)
    assert after == {
        **before,
        "tags": [],
        "rev": before["rev"] + 1,
        "op": "tags",
        "updated": after["updated"],
    }
    assert TIMESTAMP.fullmatch(after["updated"])
    assert after["updated"] > before["updated"]


def test_delete_writes_each_contact_that_had_the_tag_and_no_other(api: HttpApi) -> None:
    doomed, kept = create_tag(api, "Doomed"), create_tag(api, "Kept", color="blue")
    both = [api.create_contact(tags=[{"tag_id": doomed}, {"tag_id": kept}]) for _ in range(3)]
    bystander = api.create_contact(tags=[{"tag_id": kept}])
    before = {contact_id: read(api, contact_id) for contact_id in [*both, bystander]}
    ok(api.delete(f"/v1/tag/{doomed}"))
    after = {contact_id: read(api, contact_id) for contact_id in [*both, bystander]}
    for contact_id in both:
        assert after[contact_id]["tags"] == [{"id": kept, "tag": "Kept", "color": "blue"}]
        assert (after[contact_id]["rev"], after[contact_id]["op"]) == (2, "tags")
        assert after[contact_id]["updated"] > before[contact_id]["updated"]
    assert len({after[contact_id]["updated"] for contact_id in both}) == 3
    assert after[bystander] == before[bystander]


def test_the_tag_of_another_team_is_refused_on_a_contact(
    api: HttpApi, other_api: HttpApi, rows: Sql
) -> None:
    theirs = create_tag(other_api, "VIP")
    body = {"phone": unique_phone(), "tags": [{"tag_id": theirs}]}
    assert_error(api.post("/v1/contact", json=body), 400, "bad_data", field="tags")
    assert rows.count("SELECT count(*) FROM contacts WHERE team_id = ?", api.team.team_id) == 0


def test_a_deleted_tag_is_refused_on_a_contact(api: HttpApi) -> None:
    tag_id = create_tag(api)
    ok(api.delete(f"/v1/tag/{tag_id}"))
    body = {"phone": unique_phone(), "tags": [{"tag_id": tag_id}]}
    assert_error(api.post("/v1/contact", json=body), 400, "bad_data", field="tags")
