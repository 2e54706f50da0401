"""Records into wire models: the one place the read shape of section 4.1 is assembled."""

from __future__ import annotations

from ..models import Contact, Note, Tag, Team, TeamMember
from .clock import rfc3339
from .service.admin import ROLE_NAMES
from .store.records import ContactRecord, TeamRecord, UserRecord


def render_contact(record: ContactRecord) -> Contact:
    fields = record.fields
    return Contact(
        id=record.id,
        uuid=record.uuid,
        team_id=record.team_id,
        inbox_id=fields.inbox_id,
        creator_id=record.creator_id,
        assigned_user_id=fields.assigned_user_id,
        parent_id=record.parent_id,
        display_name=fields.display_name,
        first=fields.first,
        last=fields.last,
        email=fields.email,
        phone=fields.phone,
        avatar=fields.avatar,
        external_id=fields.external_id,
        external_ref=fields.external_ref,
        custom=fields.custom,
        tags=[Tag(id=tag.id, tag=tag.tag, color=tag.color) for tag in record.tags],
        note=[
            Note(
                id=note.id,
                date=rfc3339(note.created_us),
                name=note.name,
                text=note.text,
                user_id=note.user_id,
            )
            for note in record.notes
        ],
        is_opted_out=fields.is_opted_out,
        shared=True,
        type="phone" if fields.phone else "email",
        op=record.op,
        rev=record.rev,
        created=rfc3339(record.created_us),
        updated=rfc3339(record.updated_us),
    )


def render_team(team: TeamRecord, users: list[UserRecord], list_size: int) -> Team:
    members = [
        TeamMember(id=user.id, name=user.name, role=ROLE_NAMES.get(user.role_id, "member"))
        for user in users
    ]
    return Team(id=team.id, name=team.name, list_size=list_size, members=members)
