"""Per-person permission grants and revocations over the role's default set."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base


class PersonPermission(Base):
    """One person's override of one permission: allowed=True grants it, False revokes a default."""

    __tablename__ = "person_permissions"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(40), primary_key=True)
    allowed: Mapped[bool]
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime]
