"""Records into wire models: the one place the read shape of section 4.1 is assembled."""

from __future__ import annotations

from ..models import (
    Contact,
    ContactChannel,
    ContactV2,
    Inbox,
    Membership,
    Note,
    Tag,
    Team,
    TeamMember,
)
from .clock import rfc3339
from .service.admin import ROLE_NAMES
from .store.records import (
    ChannelRecord,
    ContactRecord,
    InboxRecord,
    MembershipRecord,
    TeamRecord,
    UserRecord,
)


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


def render_channel(record: ChannelRecord) -> ContactChannel:
    return ContactChannel(
        id=record.id,
        team_id=record.team_id,
        contact_id=record.contact_uuid,
        channel_type=record.channel_type,
        channel_id=record.channel_id,
        channel_handle=record.channel_handle,
        info_channel=record.info_channel,
        is_primary=record.is_primary,
        created=rfc3339(record.created_us),
        updated=rfc3339(record.updated_us),
    )


def render_contact_v2(record: ContactRecord, channels: list[ChannelRecord]) -> ContactV2:
    """The v1 read shape of section 4.1 with the contact's channels (section 6)."""
    v1 = render_contact(record)
    fields = {name: getattr(v1, name) for name in Contact.__struct_fields__}
    return ContactV2(**fields, contact_channels=[render_channel(channel) for channel in channels])


def render_team(team: TeamRecord, users: list[UserRecord], list_size: int) -> Team:
    members = [
        TeamMember(id=user.id, name=user.name, role=ROLE_NAMES.get(user.role_id, "member"))
        for user in users
    ]
    return Team(id=team.id, name=team.name, list_size=list_size, members=members)


def render_inbox(record: InboxRecord) -> Inbox:
    return Inbox(
        id=record.id,
        name=record.name,
        team=record.team_id,
        members=list(record.member_ids),
        phones=[record.phone] if record.phone else [],
        phone=record.phone,
        auto_assignable=record.auto_assignable,
        forward_number=record.forward_number,
        allowed_domains=list(record.allowed_domains),
    )


def render_membership(record: MembershipRecord) -> Membership:
    user = record.user
    return Membership(
        id=user.id,
        name=user.name,
        email=user.email,
        phone=user.phone,
        role_id=user.role_id,
        team_id=user.team_id,
        created_at=rfc3339(record.created_us),
        updated_at=rfc3339(record.updated_us),
    )
