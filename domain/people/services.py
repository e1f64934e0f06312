"""The allowlist: adding people, roles, status, parent links, Telegram linking."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from domain import audit
from domain.actors import Actor, load_active
from domain.errors import InvalidInput, NotFound
from domain.models import Channel, ParentLink, Person, PersonStatus, Role
from domain.people.profile import PersonInfo
from domain.perms.catalogue import PEOPLE_MANAGE
from domain.perms.check import require_or_system
from domain.phones import normalise_phone
from domain.uow import UnitOfWork

MAX_NAME = 120


def clean_name(raw: str) -> str:
    """A person's name with spaces collapsed; InvalidInput if empty or too long."""
    name = " ".join((raw or "").split())
    if not name:
        raise InvalidInput("A name is required.")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"The name is too long (at most {MAX_NAME} characters).")
    return name


def parse_role(raw: str | Role) -> Role:
    """The Role named by `raw` (any case); InvalidInput naming the roles otherwise."""
    try:
        return Role(str(raw).strip().lower())
    except ValueError:
        raise InvalidInput(
            f"{raw!r} is not a role; use one of: {', '.join(r.value for r in Role)}."
        ) from None


def check_timezone(tz: str | None) -> str | None:
    """`tz` if it is a known IANA zone (or None); InvalidInput otherwise."""
    if tz is None:
        return None
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{tz!r} is not a time zone such as Europe/London.") from None
    return tz


@dataclass(frozen=True)
class AddResult:
    person: PersonInfo
    created: bool


def add_person(
    uow: UnitOfWork,
    actor: Actor,
    *,
    name: str,
    phone: str,
    role: str | Role,
    timezone: str | None = None,
    region: str | None = None,
    status: PersonStatus = PersonStatus.INVITED,
    existing_ok: bool = False,
) -> AddResult:
    """Put a person on the allowlist (invited until they link Telegram)."""
    with uow:
        require_or_system(uow.session, actor, PEOPLE_MANAGE)
        name, role_ = clean_name(name), parse_role(role)
        e164 = normalise_phone(phone, region)
        tz = check_timezone(timezone)
        found = uow.session.scalar(select(Person).where(Person.phone == e164))
        if found is not None:
            if not existing_ok:
                raise InvalidInput(f"{e164} is already on the allowlist ({found.name}).")
            return AddResult(PersonInfo.of(found), False)
        person = Person(
            name=name, phone=e164, role=role_, status=status, timezone=tz,
            created_at=uow.now, updated_at=uow.now,
        )
        uow.session.add(person)
        uow.session.flush()
        audit.record(uow.session, actor, "person.add", "person", person.id, uow.now,
                     role=role_.value, status=status.value)
        uow.commit()
        return AddResult(PersonInfo.of(person), True)


def _get_person(uow: UnitOfWork, person_id: int) -> Person:
    person = uow.session.get(Person, person_id)
    if person is None:
        raise NotFound("No such person.")
    return person


def set_status(uow: UnitOfWork, actor: Actor, person_id: int, status: PersonStatus) -> PersonInfo:
    """Change a person's status (admins); re-enabling someone revokes their old links. Active needs a way to
    reach them: a linked Telegram account or an email address (email-only people)."""
    with uow:
        admin = require_or_system(uow.session, actor, PEOPLE_MANAGE)
        person = _get_person(uow, person_id)
        if admin is not None and admin.id == person.id and status == PersonStatus.DISABLED:
            raise InvalidInput("You cannot disable yourself.")
        if person.status == status:
            return PersonInfo.of(person)
        if status == PersonStatus.ACTIVE and person.telegram_user_id is None and not person.email:
            raise InvalidInput("Only people who have linked Telegram or have an email address can be active; "
                               "they stay invited.")
        old = person.status
        person.status, person.updated_at = status, uow.now
        if old == PersonStatus.DISABLED:  # re-enabled: links from before stay dead
            person.link_generation += 1
        audit.record(uow.session, actor, "person.status", "person", person.id, uow.now,
                     old=old.value, new=status.value)
        uow.commit()
        return PersonInfo.of(person)


def set_role(uow: UnitOfWork, actor: Actor, person_id: int, role: str | Role) -> PersonInfo:
    """Change a person's role (admins), revoking their links; admins cannot demote themselves."""
    with uow:
        admin = require_or_system(uow.session, actor, PEOPLE_MANAGE)
        person, role_ = _get_person(uow, person_id), parse_role(role)
        if admin is not None and admin.id == person.id and role_ != Role.ADMIN:
            raise InvalidInput("You cannot remove your own admin role.")
        if person.role == role_:
            return PersonInfo.of(person)
        old = person.role
        person.role, person.updated_at = role_, uow.now
        person.link_generation += 1
        audit.record(uow.session, actor, "person.role", "person", person.id, uow.now,
                     old=old.value, new=role_.value)
        uow.commit()
        return PersonInfo.of(person)


def link_parent(uow: UnitOfWork, actor: Actor, parent_id: int, child_id: int) -> None:
    """Link a parent to a child (admins); linking twice changes nothing."""
    with uow:
        require_or_system(uow.session, actor, PEOPLE_MANAGE)
        parent, child = _get_person(uow, parent_id), _get_person(uow, child_id)
        if parent.id == child.id:
            raise InvalidInput("A person cannot be their own parent.")
        if parent.role != Role.PARENT:
            raise InvalidInput(f"{parent.name} is not a parent; change their role first.")
        if uow.session.get(ParentLink, (parent.id, child.id)) is not None:
            return
        uow.session.add(ParentLink(parent_id=parent.id, child_id=child.id, created_at=uow.now))
        audit.record(uow.session, actor, "person.link_parent", "person", child.id, uow.now,
                     parent_id=parent.id)
        uow.commit()


def children_of(uow: UnitOfWork, parent_id: int) -> list[PersonInfo]:
    """A parent's linked children, by name."""
    with uow:
        return [PersonInfo.of(p) for p in uow.session.scalars(
            select(Person).join(ParentLink, ParentLink.child_id == Person.id)
            .where(ParentLink.parent_id == parent_id).order_by(Person.name)
        )]


@dataclass(frozen=True)
class LinkResult:
    """Outcome of linking a Telegram account; `person` is None when refused."""

    person: PersonInfo | None
    reason: str = ""


def link_telegram(
    uow: UnitOfWork,
    *,
    phone: str,
    telegram_user_id: int,
    chat_id: int,
    region: str | None = None,
    person_id: int | None = None,
) -> LinkResult:
    """Link the sender's own Telegram account to the allowlisted person with that phone.

    `person_id` is used by signed invite links (the token names the person). Refusals
    reveal nothing about who is on the list; every attempt is audited.
    """
    from domain.phones import PhoneError, mask_phone

    with uow:
        try:
            e164 = normalise_phone(phone, region) if phone else ""
        except PhoneError:
            e164 = ""
        if person_id is not None:
            person = uow.session.get(Person, person_id)
        else:
            person = uow.session.scalar(select(Person).where(Person.phone == e164)) if e164 else None
        # Notifications go to the linked chat: only a private chat (id > 0, the user's own), never a group.
        refused = person is None or person.status == PersonStatus.DISABLED or chat_id <= 0
        if (not refused and person is not None and person_id is not None
                and person.telegram_user_id not in (None, telegram_user_id)):
            # An invite links a person who is not linked yet; it never moves a linked account.
            refused = True
        other = uow.session.scalar(select(Person).where(
            Person.telegram_user_id == telegram_user_id, Person.id != (person.id if person else -1)))
        if not refused and other is not None and other.status != PersonStatus.DISABLED:
            refused = True
        if refused:
            audit.record(uow.session, Actor(None, Channel.TELEGRAM), "person.link_refused", "telegram",
                         telegram_user_id, uow.now, phone=mask_phone(e164) if e164 else None)
            uow.commit()
            return LinkResult(None, "not_allowed")
        assert person is not None
        if other is not None:  # a disabled person's old link moves to the new account owner
            other.telegram_user_id, other.telegram_chat_id = None, None
        person.telegram_user_id, person.telegram_chat_id = telegram_user_id, chat_id
        person.telegram_unreachable_at = None
        person.status, person.updated_at = PersonStatus.ACTIVE, uow.now
        audit.record(uow.session, Actor.telegram(person.id), "person.link", "person", person.id, uow.now,
                     via="invite" if person_id else "contact")
        uow.commit()
        return LinkResult(PersonInfo.of(person))


REVOKED = "This link was replaced by a newer one; open the newest link the bot sent you."


def link_generation(uow: UnitOfWork, person_id: int) -> int:
    """A person's current link generation (bumped when their links are revoked)."""
    with uow:
        generation = uow.session.scalar(select(Person.link_generation).where(Person.id == person_id))
    if generation is None:
        raise NotFound("No such person.")
    return generation


def check_link_generation(uow: UnitOfWork, person_id: int, generation: int) -> None:
    """Refuse a dashboard link made before the person's links were revoked."""
    from domain.links import LinkInvalid

    if link_generation(uow, person_id) != generation:
        raise LinkInvalid(REVOKED)


def revoke_links(uow: UnitOfWork, actor: Actor, person_id: int) -> int:
    """Every dashboard link made so far for this person stops working; returns the new generation."""
    with uow:
        if actor.person_id == person_id:
            load_active(uow.session, actor)  # anyone may revoke their own links
        else:
            require_or_system(uow.session, actor, PEOPLE_MANAGE)
        person = _get_person(uow, person_id)
        person.link_generation += 1
        audit.record(uow.session, actor, "person.revoke_links", "person", person.id, uow.now,
                     generation=person.link_generation)
        uow.commit()
        return person.link_generation
