"""A fake Telegram Bot API server (plus control API and chat page) for tests and demos."""

from .app import create_app
from .client import SandboxClient, SandboxError, SyncSandboxClient
from .limits import SandboxConfig
from .server import SandboxServer, serve
from .state import BOT_ID, SandboxState

__all__ = [
    "BOT_ID",
    "SandboxClient",
    "SandboxConfig",
    "SandboxError",
    "SandboxServer",
    "SandboxState",
    "SyncSandboxClient",
    "create_app",
    "serve",
]
