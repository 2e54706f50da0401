"""The client commands through the entry point (``python -m heymarket_contacts``), one process
per command, against the real server on both databases. Piped, they print JSON; on a terminal
(a pty here), tables."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli_support import ClientCli, environment_for, team_client
from heymarket_contacts import Client, to_dict
from support import (
    Canary,
    RunningServer,
    TeamCredentials,
    TeamFactory,
    closed_port,
    unique_phone,
)


@pytest.fixture
def cli(server: RunningServer, team: TeamCredentials, canary: Canary, tmp_path: Path) -> ClientCli:
    return ClientCli(environment_for(server, team), tmp_path, canary)


@pytest.fixture
def sdk(server: RunningServer, team: TeamCredentials) -> Iterator[Client]:
    with team_client(server, team) as client:
        yield client


def test_contact_create_get_update_status_delete(cli: ClientCli, team: TeamCredentials) -> None:
    phone = unique_phone()
    ref = cli.json("contacts", "create", "--phone", f"+{phone}", "--first", "Ada", "--last", "L")
    assert set(ref) == {"id", "rev", "uuid"}
    contact = cli.json("contacts", "get", str(ref["id"]))
    assert (contact["phone"], contact["display_name"], contact["team_id"]) == (
        phone,
        "Ada L",
        team.team_id,
    )
    assert cli.json("contacts", "get", "--phone", phone)["id"] == ref["id"]

    field = cli.json("fields", "create", "Plan")[0]
    tag = cli.json("tags", "create", "VIP", "--color", "red")
    updated = cli.json(
        "contacts",
        "update",
        str(ref["id"]),
        "--email",
        "ada@example.com",
        "--custom",
        f"{field['id']}=Gold",
        "--tag",
        str(tag["id"]),
    )
    assert updated == {"id": ref["id"], "rev": 2, "uuid": ref["uuid"]}
    contact = cli.json("contacts", "get", str(ref["id"]))
    assert (contact["phone"], contact["email"], contact["custom"], contact["tags"]) == (
        phone,
        "ada@example.com",
        {str(field["id"]): "Gold"},
        [{"id": tag["id"], "tag": "VIP", "color": "red"}],
    )
    cli.json(
        "contacts",
        "update",
        str(ref["id"]),
        "--remove-custom",
        str(field["id"]),
        "--clear-tags",
        "--if-match",
        "2",
    )
    contact = cli.json("contacts", "get", str(ref["id"]))
    assert (contact["custom"], contact["tags"], contact["rev"]) == ({}, [], 3)

    status = cli.json("contacts", "status", str(ref["id"]), "--set", "unsubscribed")
    assert status == {"id": ref["id"], "phone": phone, "unsubscribed": True, "blocked": False}
    assert cli.json("contacts", "status", "--phone", phone)["unsubscribed"] is True
    assert cli.json("contacts", "delete", str(ref["id"])) == "ok"
    gone = cli.fails("contacts", "get", str(ref["id"]))
    assert "404 not_found" in gone.stderr


def test_list_one_page_or_all_and_count(cli: ClientCli, sdk: Client) -> None:
    ids = [sdk.contacts.create(phone=unique_phone(), first="Listed").id for _ in range(5)]
    page = cli.json("contacts", "list", "--limit", "2", "--filter", "listed")
    assert [contact["id"] for contact in page] == ids[::-1][:2]
    every = cli.json("contacts", "list", "--all", "--limit", "2", "--filter", "listed")
    assert [contact["id"] for contact in every] == ids[::-1]
    oldest = cli.json(
        "contacts", "list", "--all", "--ascending", "--order", "created", "--filter", "listed"
    )
    assert [contact["id"] for contact in oldest] == ids
    assert cli.json("contacts", "count", "--filter", "listed") == 5
    assert cli.json("contacts", "list", "--filter", "nobody-here") == []
    assert cli.json("contacts", "list", "--all", "--filter", "nobody-here") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("contacts", "get"), "CONTACT_ID or --phone", id="get-nothing"),
        pytest.param(("contacts", "get", "1", "--phone", "1555"), "one of them", id="get-both"),
        pytest.param(("contacts", "create", "--first", "A"), "--phone is required", id="no-phone"),
        pytest.param(
            ("contacts", "create", "--phone", "15105550000", "--custom", "oops"),
            "FIELD_ID=VALUE",
            id="bad-custom",
        ),
        pytest.param(("contacts", "list", "--all", "--page", "1"), "--page", id="page-and-all"),
        pytest.param(("contacts", "status"), "CONTACT_ID or --phone", id="status-nothing"),
        pytest.param(("contacts", "get", "abc"), "abc", id="id-not-a-number"),
        pytest.param(("contacts", "create", "--phone", "12"), "phone", id="server-400"),
    ],
)
def test_bad_usage_is_a_clean_error(cli: ClientCli, args: tuple[str, ...], message: str) -> None:
    result = cli.fails(*args)
    assert message in result.stderr


def test_missing_credentials_name_the_variables(cli: ClientCli) -> None:
    bare = ClientCli(environment_for(None, None), cli.cwd, cli.canary)
    result = bare.fails("contacts", "list")
    assert "HEYMARKET_SECRET_ID" in result.stderr


def test_an_unreachable_server_is_a_clean_error(cli: ClientCli) -> None:
    result = cli.fails(
        "team", "get", "--base-url", f"http://127.0.0.1:{closed_port()}", "--max-retries", "0"
    )
    assert "failed after 1 attempt" in result.stderr


def test_import_csv_writes_the_good_rows_and_lists_the_failures(
    cli: ClientCli, sdk: Client
) -> None:
    plan = sdk.contact_fields.create(["Plan"])[0]
    vip, lead = sdk.tags.create("VIP"), sdk.tags.create("Lead")
    existing = unique_phone()
    sdk.contacts.create(phone=existing, first="Existing")
    good, tagged = unique_phone(), unique_phone()
    (cli.cwd / "people.csv").write_text(
        "phone,first,last,tags,custom.plan,is_opted_out,id\n"
        f"{good},Ann,Lee,,Gold,no,999\n"
        f"{tagged},Bo,,vip; {lead.id},,yes,\n"
        "12,Bad,Phone,,,,\n"
        f"{unique_phone()},Bad,Flag,,,maybe,\n"
        f"{unique_phone()},Bad,Tag,Nope,,,\n"
        f"{existing},Changed,,,,,\n"
    )
    result = cli.fails("contacts", "import", "people.csv", "--batch-size", "2")
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert {key: summary[key] for key in ("items", "created", "updated", "skipped", "differ")} == {
        "items": 6, "created": 2, "updated": 0, "skipped": 1, "differ": 1,
    }  # fmt: skip
    assert [(f["where"], f["error"]) for f in summary["failed"]] == [
        ("line 4", "bad_data"),
        ("line 5", "bad_data"),
        ("line 6", "bad_data"),
    ]
    assert "phone" in summary["failed"][0]["message"]
    assert "maybe" in summary["failed"][1]["message"]
    assert "Nope" in summary["failed"][2]["message"]
    ann = sdk.contacts.find(phone=good)
    assert (ann.display_name, ann.custom, ann.is_opted_out) == (
        "Ann Lee",
        {str(plan.id): "Gold"},
        False,
    )
    bo = sdk.contacts.find(phone=tagged)
    assert ([t.id for t in bo.tags], bo.is_opted_out) == ([vip.id, lead.id], True)
    assert sdk.contacts.find(phone=existing).first == "Existing"

    overwrite = f"phone,first\n{existing},Changed\n"
    done = json.loads(cli.ok("contacts", "import", "-", "--overwrite", stdin=overwrite))
    assert done == {
        "items": 1, "created": 0, "updated": 1, "skipped": 0, "differ": 1, "failed": [],
    }  # fmt: skip
    assert sdk.contacts.find(phone=existing).first == "Changed"


def test_import_refuses_an_unknown_custom_column_before_writing(
    cli: ClientCli, sdk: Client
) -> None:
    (cli.cwd / "bad.csv").write_text(f"phone,custom.Nope\n{unique_phone()},x\n")
    result = cli.fails("contacts", "import", "bad.csv")
    assert "custom.Nope" in result.stderr
    assert sdk.contacts.count() == 0


def test_import_json_takes_write_shapes_and_exported_contacts(cli: ClientCli, sdk: Client) -> None:
    vip = sdk.tags.create("VIP")
    one, two = unique_phone(), unique_phone()
    items = [
        {"phone": one, "first": "Json", "tags": ["VIP"]},
        {"phone": two, "tags": [{"id": 999, "tag": "vip", "color": ""}], "assigned_user_id": 0},
        {"phone": "12"},
    ]
    (cli.cwd / "people.json").write_text(json.dumps(items))
    result = cli.fails("contacts", "import", "people.json")
    assert json.loads(result.stdout)["failed"][0]["where"] == "item 2"
    assert [t.id for t in sdk.contacts.find(phone=one).tags] == [vip.id]
    assert [t.id for t in sdk.contacts.find(phone=two).tags] == [vip.id]


def test_export_then_import_into_another_team(
    cli: ClientCli, sdk: Client, server: RunningServer, make_team: TeamFactory
) -> None:
    plan = sdk.contact_fields.create(["Plan"])[0]
    vip = sdk.tags.create("VIP")
    sdk.contacts.create(
        phone=unique_phone(),
        first="Ann",
        custom={str(plan.id): "Gold"},
        tags=[vip.id],
        is_opted_out=True,
        external_id="ext-1",
    )
    sdk.contacts.create(phone=unique_phone(), first="Bo", last="Ng", email="bo@example.com")
    exported = cli.json("contacts", "export", "--format", "json")
    assert [contact["first"] for contact in exported] == ["Ann", "Bo"]
    cli.ok("contacts", "export", "--output", "all.csv")
    header = (cli.cwd / "all.csv").read_text().splitlines()[0]
    assert header.endswith(",tags,created,updated,custom.Plan")

    other = make_team("Import")
    target = ClientCli(environment_for(server, other), cli.cwd, cli.canary)
    target.json("fields", "create", "Plan")
    target.json("tags", "create", "VIP")
    assert json.loads(target.ok("contacts", "import", "all.csv"))["created"] == 2
    imported = target.json("contacts", "export", "--format", "json")

    def portable(contact: dict[str, Any], fields: dict[str, str]) -> tuple[Any, ...]:
        custom = {fields[key]: value for key, value in contact["custom"].items()}
        return (
            contact["phone"],
            contact["display_name"],
            contact["email"],
            contact["external_id"],
            contact["is_opted_out"],
            [t["tag"] for t in contact["tags"]],
            custom,
        )

    source_fields = {str(field["id"]): field["title"] for field in cli.json("fields", "list")}
    target_fields = {str(field["id"]): field["title"] for field in target.json("fields", "list")}
    assert [portable(c, target_fields) for c in imported] == [
        portable(c, source_fields) for c in exported
    ]


def test_tags_fields_notes_team_inboxes_and_users(
    cli: ClientCli, sdk: Client, team: TeamCredentials
) -> None:
    tag = cli.json("tags", "create", "Gold")
    assert cli.json("tags", "get", str(tag["id"]))["tag"] == "Gold"
    assert [t["tag"] for t in cli.json("tags", "list")] == ["Gold"]
    assert [t["tag"] for t in cli.json("tags", "list", "--all")] == ["Gold"]
    assert "409 conflict" in cli.fails("tags", "create", "gold").stderr
    assert cli.json("tags", "delete", str(tag["id"])) == "ok"

    made = cli.json("fields", "create", "Plan", "Tier")
    assert [f["duplicate"] for f in cli.json("fields", "create", "plan")] == [True]
    assert cli.json("fields", "list") == [{"id": f["id"], "title": f["title"]} for f in made]

    contact = sdk.contacts.create(phone=unique_phone())
    note = cli.json("notes", "add", str(contact.id), "Called back")
    assert note["text"] == "Called back"
    assert [n.id for n in sdk.contacts.get(contact.id).note] == [note["id"]]
    assert cli.json("notes", "delete", str(contact.id), note["id"]) == "ok"

    assert cli.json("team", "get")["id"] == team.team_id
    assert [inbox["name"] for inbox in cli.json("inboxes", "list")] == []
    owner = cli.json("users", "list")
    assert [user["role_id"] for user in owner] == [1]
    renamed = cli.json("users", "update", str(owner[0]["id"]), "--first-name", "Olga")
    assert [user["name"].split()[0] for user in renamed] == ["Olga"]


def test_a_terminal_gets_tables_and_a_pipe_gets_json(cli: ClientCli, sdk: Client) -> None:
    ref = sdk.contacts.create(phone="15105550177", first="Tabled")
    screen = cli.terminal("contacts", "list", columns=200)
    lines = screen.splitlines()
    assert lines[0].split() == [
        "id",
        "display_name",
        "phone",
        "email",
        "tags",
        "is_opted_out",
        "updated",
    ]
    assert lines[2].split()[:3] == [str(ref.id), "Tabled", "15105550177"]
    record = cli.terminal("contacts", "get", str(ref.id))
    assert "display_name      Tabled" in record
    assert json.loads(cli.terminal("contacts", "get", str(ref.id), "--json"))["id"] == ref.id
    assert cli.ok("contacts", "list", "--table").split()[:2] == ["id", "display_name"]
    assert cli.terminal("contacts", "delete", str(ref.id)) == f"deleted contact {ref.id}\n"


def screen_width(line: str) -> int:
    """The columns ``line`` takes on a terminal (a wide character takes two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


@pytest.mark.parametrize("columns", [30, 72, 120])
def test_a_table_is_never_wider_than_the_terminal(
    cli: ClientCli, sdk: Client, columns: int
) -> None:
    long_last = "Wolfeschlegelsteinhausenbergerdorff Vorschriftenmacher"
    made = [
        sdk.contacts.create(phone=unique_phone(), first="Hubert", last=long_last),
        sdk.contacts.create(phone=unique_phone(), first="漢字の名前", email="kanji@example.com"),
    ]
    lines = cli.terminal("contacts", "list", columns=columns).splitlines()
    assert max(screen_width(line) for line in lines) <= columns
    assert lines[0].startswith("id  ")
    assert sorted(line.split()[0] for line in lines[2:]) == sorted(str(c.id) for c in made)
    assert "…" in "".join(lines)
    piped = cli.json("contacts", "list")
    assert f"Hubert {long_last}" in [contact["display_name"] for contact in piped]


def test_columns_sets_the_width_of_a_table_in_a_pipe(cli: ClientCli, sdk: Client) -> None:
    long_last = "Wolfeschlegelsteinhausenbergerdorff Vorschriftenmacher"
    sdk.contacts.create(phone=unique_phone(), first="Hubert", last=long_last, email="h@example.com")
    unlimited = cli.ok("contacts", "list", "--table").splitlines()
    assert max(len(line) for line in unlimited) > 100
    narrow = ClientCli({**cli.environment, "COLUMNS": "50"}, cli.cwd, cli.canary)
    lines = narrow.ok("contacts", "list", "--table").splitlines()
    assert max(len(line) for line in lines) <= 50
    assert lines[2].split()[1].endswith("…")


def test_team_get_on_a_terminal_lists_the_members_as_a_table(
    cli: ClientCli, sdk: Client, team: TeamCredentials
) -> None:
    owner = sdk.team.get().members[0]
    lines = cli.terminal("team", "get", columns=60).splitlines()
    assert lines[0].split() == ["id", str(team.team_id)]
    members = lines.index("members")
    assert lines[members + 1].split() == ["id", "name", "role"]
    assert lines[members + 3].split() == [str(owner.id), *owner.name.split(), owner.role]
    assert "{" not in "".join(lines)
    assert cli.json("team", "get")["members"] == [to_dict(owner)]


def test_import_on_a_terminal_shows_progress_and_a_summary(cli: ClientCli) -> None:
    rows = "".join(f"{unique_phone()},P{index}\n" for index in range(3))
    (cli.cwd / "people.csv").write_text("phone,first\n" + rows + "12,Bad\n")
    text = cli.terminal("contacts", "import", "people.csv", status=1)
    assert "Importing" in text
    assert "4/4" in text
    assert "rows/s" in text
    assert "4 rows: 3 created, 0 updated, 0 skipped, 1 failed." in text
    assert "line 5: 12: bad_data: phone" in text


# --- contacts-v2 --------------------------------------------------------------------------------

CONTACTS_V2_COLUMNS = ["uuid", "display_name", "phone", "email", "contact_channels", "updated"]


def test_contacts_v2_create_get_search_list_delete(cli: ClientCli, sdk: Client) -> None:
    phone = unique_phone()
    ref = cli.json(
        "contacts-v2", "create", "--channel", f"phone=+{phone}", "--channel", "WhatsApp=ada",
        "--first", "Ada",
    )  # fmt: skip
    assert set(ref) == {"id", "rev", "uuid"}
    contact = cli.json("contacts-v2", "get", ref["uuid"])
    assert contact == to_dict(sdk.v2.contacts.get(ref["uuid"]))
    assert [(c["channel_type"], c["channel_id"]) for c in contact["contact_channels"]] == [
        ("phone", phone), ("whatsapp", "ada"),
    ]  # fmt: skip
    other = sdk.v2.contacts.create(email="grace.cli@example.com")
    found = cli.json("contacts-v2", "search", "GRACE.cli@example.com", f"+{phone}")
    assert [c["uuid"] for c in found] == [other.uuid, ref["uuid"]]
    by_type = cli.json("contacts-v2", "search", "ada", "--type", "whatsapp")
    assert [c["uuid"] for c in by_type] == [ref["uuid"]]
    walked = cli.json("contacts-v2", "list", "--all", "--limit", "1", "--ascending")
    assert [c["uuid"] for c in walked] == [ref["uuid"], other.uuid]
    assert [c["uuid"] for c in cli.json("contacts-v2", "list", "--limit", "1")] == [other.uuid]
    assert cli.json("contacts-v2", "delete", ref["uuid"], other.uuid) == "ok"
    assert sdk.contacts.count() == 0


def test_contacts_v2_on_a_terminal_shows_channels_as_type_and_value(
    cli: ClientCli, sdk: Client
) -> None:
    phone = unique_phone()
    sdk.v2.contacts.create(
        phone=phone, contact_channels=[{"channel_type": "sms", "channel_id": "a"}]
    )
    lines = cli.terminal("contacts-v2", "list", columns=200).splitlines()
    assert lines[0].split() == CONTACTS_V2_COLUMNS
    assert f"phone:{phone}, sms:a" in lines[2]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("contacts-v2", "create", "--first", "A"), "--channel", id="no-channel"),
        pytest.param(("contacts-v2", "create", "--channel", "phone"), "TYPE=VALUE", id="bad-pair"),
        pytest.param(("contacts-v2", "get", "1"), "404 not_found", id="v1-id"),
        pytest.param(("contacts-v2", "search", "neither"), "400 bad_data", id="untyped-value"),
        pytest.param(("contacts-v2", "search"), "VALUES", id="no-values"),
        pytest.param(("contacts-v2", "list", "--all", "--page", "2"), "--page", id="page-and-all"),
    ],
)
def test_contacts_v2_bad_usage_is_a_clean_error(
    cli: ClientCli, args: tuple[str, ...], message: str
) -> None:
    assert message in cli.fails(*args).stderr
