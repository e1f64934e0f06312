"""Builds the shared resources once, from settings; nothing here runs at import time."""

from __future__ import annotations

from dataclasses import dataclass

from domain.clock import Clock, SystemClock
from domain.config import Settings, load_settings
from domain.database import make_engine
from domain.uow import Database


@dataclass
class Container:
    settings: Settings
    db: Database

    @classmethod
    def build(cls, settings: Settings | None = None, clock: Clock | None = None) -> Container:
        settings = settings or load_settings()
        engine = make_engine(settings.database_url)
        return cls(settings, Database.from_engine(engine, clock or SystemClock()))

    def close(self) -> None:
        self.db.engine.dispose()
