"""The organisation's rules, read and changed by admins: per organisation ('global') and per batch.

A batch's value overrides the organisation's where the rule allows it; an empty batch field means
"as the organisation". The batch's grace is its own column (Batch.grace_minutes), never a rule row.
Every change is checked against the catalogue and audited in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor, load_admin_or_system
from domain.errors import InvalidInput, NotFound
from domain.models import Batch, RuleConfig
from domain.settings.catalogue import BY_KEY, CATALOGUE, GRACE, RuleSpec, spec_of
from domain.sla.compute import recompute_open
from domain.timeparse import parse_hhmm
from domain.uow import UnitOfWork

GLOBAL = "global"


@dataclass(frozen=True)
class RuleValue:
    """One rule as the page shows it at one scope."""

    spec: RuleSpec
    value: str  # what the field holds ("" at a batch: as the organisation)
    inherited: str  # the organisation's value at a batch; the built-in default for the organisation
    default: str
    is_set: bool  # a value of this scope's own (a batch override; an organisation value not the default)


@dataclass(frozen=True)
class SettingsView:
    """The Settings page: the organisation's rules, or one batch's."""

    batch_id: int | None
    batch_name: str | None
    batches: tuple[tuple[int, str], ...]
    rules: tuple[RuleValue, ...]


class SettingsRefused(InvalidInput):
    """Some values were not accepted; `errors` maps each rule's key to the message for its field."""

    def __init__(self, errors: dict[str, str]) -> None:
        labels = ", ".join(BY_KEY[k].label for k in errors)
        super().__init__(f"Nothing was saved. Check: {labels}.")
        self.errors = errors


@dataclass(frozen=True)
class Saved:
    changed: tuple[str, ...] = field(default_factory=tuple)


def scope_of(batch_id: int | None) -> str:
    return GLOBAL if batch_id is None else f"batch:{batch_id}"


def _rows(session: Session, scope: str) -> dict[str, RuleConfig]:
    return {r.key: r for r in session.scalars(select(RuleConfig).where(RuleConfig.scope == scope))}


def _batch(session: Session, batch_id: int | None) -> Batch | None:
    if batch_id is None:
        return None
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound("No such batch.")
    return batch


def _org_value(rows: Mapping[str, RuleConfig], spec: RuleSpec) -> Any:
    row = rows.get(spec.key)
    return spec.default if row is None else row.value.get("value")


def _batch_value(rows: Mapping[str, RuleConfig], spec: RuleSpec, batch: Batch) -> Any:
    if spec.key == GRACE:
        return batch.grace_minutes
    row = rows.get(spec.key)
    return None if row is None else row.value.get("value")


def _view(session: Session, batch: Batch | None) -> tuple[RuleValue, ...]:
    org = _rows(session, GLOBAL)
    if batch is None:
        return tuple(RuleValue(s, s.shown(_org_value(org, s)), s.shown(s.default), s.shown(s.default),
                               _org_value(org, s) != s.default) for s in CATALOGUE)
    own = _rows(session, scope_of(batch.id))
    out = []
    for s in (s for s in CATALOGUE if s.per_batch):
        mine = _batch_value(own, s, batch)
        out.append(RuleValue(s, s.shown(mine), s.shown(_org_value(org, s)), s.shown(s.default),
                             mine is not None))
    return tuple(out)


def settings_view(uow: UnitOfWork, actor: Actor, batch_id: int | None = None) -> SettingsView:
    """The rules at the organisation (or one batch), for admins."""
    with uow:
        load_admin_or_system(uow.session, actor)
        batch = _batch(uow.session, batch_id)
        batches = tuple((i, n) for i, n in uow.session.execute(select(Batch.id, Batch.name).order_by(Batch.name)))
        return SettingsView(batch_id, batch.name if batch else None, batches, _view(uow.session, batch))


def _write(session: Session, actor: Actor, now: Any, spec: RuleSpec, batch: Batch | None,
           old: Any, new: Any) -> None:
    """Store one value (None at a batch: no override), audited."""
    scope = scope_of(batch.id if batch else None)
    if batch is not None and spec.key == GRACE:
        batch.grace_minutes = new
    elif new is None:
        session.execute(delete(RuleConfig).where(RuleConfig.scope == scope, RuleConfig.key == spec.key))
    else:
        row = session.scalar(select(RuleConfig).where(RuleConfig.scope == scope, RuleConfig.key == spec.key))
        if row is None:
            session.add(RuleConfig(scope=scope, key=spec.key, value={"value": new}, updated_at=now))
        else:
            row.value, row.updated_at = {"value": new}, now
    audit.record(session, actor, "settings.change", "rule", spec.key, now, scope=scope, old=old, new=new)
    if spec.key == "sla.at_risk_share":  # the stored "at risk from" moments follow the share
        session.flush()
        recompute_open(session, now)


def _check_together(values: Mapping[str, Any], errors: dict[str, str]) -> None:
    start, end = values.get("quiet_hours.start"), values.get("quiet_hours.end")
    if start is not None and end is not None and parse_hhmm(start) == parse_hhmm(end):
        errors["quiet_hours.end"] = "Quiet hours must end at another time than they start."


def save(uow: UnitOfWork, actor: Actor, form: Mapping[str, str], batch_id: int | None = None) -> Saved:
    """Save the posted values (fields named by rule key); all or nothing. At a batch, an empty field
    removes its override. Raises SettingsRefused with a message per field."""
    with uow:
        load_admin_or_system(uow.session, actor)
        batch = _batch(uow.session, batch_id)
        org = _rows(uow.session, GLOBAL)
        own = _rows(uow.session, scope_of(batch_id)) if batch else org
        specs = [s for s in CATALOGUE if batch is None or s.per_batch]
        errors: dict[str, str] = {}
        wanted: dict[str, Any] = {}
        for spec in specs:
            if spec.key not in form:
                continue
            raw = form[spec.key]
            if batch is not None and not (raw or "").strip():
                wanted[spec.key] = None
                continue
            try:
                wanted[spec.key] = spec.parse(raw)
            except InvalidInput as exc:
                errors[spec.key] = exc.message
        if batch is None:
            _check_together({**{s.key: _org_value(org, s) for s in specs}, **wanted}, errors)
        if errors:
            raise SettingsRefused(errors)
        changed = []
        for spec in specs:
            if spec.key not in wanted:
                continue
            old = _org_value(own, spec) if batch is None else _batch_value(own, spec, batch)
            if old == wanted[spec.key]:
                continue
            _write(uow.session, actor, uow.now, spec, batch, old, wanted[spec.key])
            changed.append(spec.key)
        uow.commit()
        return Saved(tuple(changed))


def reset(uow: UnitOfWork, actor: Actor, key: str, batch_id: int | None = None) -> Saved:
    """Back to the built-in default (organisation) or to the organisation's value (batch); audited."""
    spec = spec_of(key)
    with uow:
        load_admin_or_system(uow.session, actor)
        batch = _batch(uow.session, batch_id)
        if batch is not None and not spec.per_batch:
            raise InvalidInput("This setting is the same for every batch.")
        own = _rows(uow.session, scope_of(batch_id))
        old = _org_value(own, spec) if batch is None else _batch_value(own, spec, batch)
        new = spec.default if batch is None else None
        if batch is None:
            others = {s.key: _org_value(own, s) for s in CATALOGUE}
            errors: dict[str, str] = {}
            _check_together({**others, key: new}, errors)
            if errors:
                raise SettingsRefused(errors)
        if old == new:
            return Saved()
        _write(uow.session, actor, uow.now, spec, batch, old, new)
        uow.commit()
        return Saved((key,))
