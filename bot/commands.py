"""Command menus per role, set per chat; a failure is logged and never stops the bot."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import Application, BaseHandler, CommandHandler, ConversationHandler

from domain.models import Role

log = logging.getLogger(__name__)

EVERYONE = [("request", "ask a team for something (a repair, a booking...)"), ("tickets", "my requests and tickets"),
            ("start", "link your account or say hello"), ("help", "what I can do"),
            ("me", "who I am to Taskbell"), ("alerts", "my unread alerts"), ("brief", "today's brief"),
            ("web", "a sign-in link for the web app"),
            ("revoke", "make my old dashboard links stop working")]
WORKER = [("tasks", "my open tasks")]
MANAGER = [("assign", "give a task to people or groups"), ("assigned", "what I assigned"),
           ("fees", "fees: totals and overdue, or my batches' dues"),
           ("attendance", "take today's attendance"), ("classes", "my classes today and this week"),
           ("inbox", "things waiting for me"), ("announce", "post an announcement to a batch (and its parents)"),
           ("homework", "set homework and see hand-ins")]

QUEUE = ("queue", "open tickets and tasks, soonest breach first")
BY_ROLE: dict[Role, list[tuple[str, str]]] = {
    Role.ADMIN: [*WORKER, *MANAGER, ("enrol", "add a student to a batch"), QUEUE, ("fees", "fees: overdue, who owes"),
                 *EVERYONE],
    Role.TEACHER: [*WORKER, *MANAGER, *EVERYONE],
    Role.MEMBER: [*WORKER, *EVERYONE],
    Role.STUDENT: [*WORKER, ("homework", "my open homework: hand in or mark done"),
                   ("absent", "excuse a class in advance"), ("myattendance", "my attendance"),
                   ("portal", "my page: attendance, homework, marks, fees"), ("marks", "my test results"),
                   ("fees", "my fees and balance"), ("refer", "refer a friend to the centre"), *EVERYONE],
    Role.PARENT: [("absent", "excuse my child from a class"), ("myattendance", "my children's attendance"),
                  ("portal", "my children's page: attendance, homework, marks, fees"),
                  ("marks", "my children's test results"), ("fees", "my children's fees and balance"),
                  ("refer", "refer a friend to the centre"), *EVERYONE],
}

WHAT_YOU_CAN_DO: dict[Role, str] = {
    Role.ADMIN: "You manage people, groups and tasks. /assign gives work; /assigned shows its progress; "
                "/enrol adds a student to a batch.",
    Role.TEACHER: ("You can assign tasks to your groups with /assign and follow them with /assigned; "
                   "/classes shows your classes this week and /attendance takes today's."),
    Role.MEMBER: "Your tasks arrive here with Start and Complete buttons; /tasks lists them.",
    Role.STUDENT: "Your tasks arrive here with Start and Complete buttons; /tasks lists them. /marks shows your "
                  "test results; /fees your dues; /refer tells the centre about a friend.",
    Role.PARENT: "You will hear here about your children's absences, work due and fees; /fees shows their dues, "
                 "/marks their test results; /refer tells the centre about a friend.",
}


def menu(role: Role, leads: bool = False) -> list[tuple[str, str]]:
    """The commands of a role; a team lead (`leads`, any role) also gets /queue."""
    commands = BY_ROLE[role]
    if not leads or QUEUE in commands:
        return commands
    return [*commands[:-len(EVERYONE)], QUEUE, *commands[-len(EVERYONE):]]  # every menu ends with EVERYONE


def help_text(role: Role | None, leads: bool = False) -> str:
    """The intro and the command list for a role (team leads: with /queue)."""
    commands = menu(role, leads) if role else [("start", "link your account"), ("help", "this")]
    lines = [f"/{name} - {text}" for name, text in commands]
    intro = WHAT_YOU_CAN_DO.get(role, "Send /start and share your phone number to begin.") if role else (
        "Send /start and share your phone number to begin.")
    return intro + "\n\n" + "\n".join(lines)


async def set_default_commands(bot: Bot) -> None:
    try:
        await bot.set_my_commands([BotCommand("start", "link your account"), BotCommand("help", "what I can do")],
                                  scope=BotCommandScopeDefault())
    except TelegramError as exc:
        log.warning("could not set the default command menu: %s", exc)


async def set_chat_commands(bot: Bot, chat_id: int, role: Role, leads: bool = False) -> None:
    """The chat's command menu for the role (team leads: with /queue); a failure is logged."""
    try:
        await bot.set_my_commands([BotCommand(n, d) for n, d in menu(role, leads)],
                                  scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("could not set the command menu for a chat (role %s): %s", role.value, exc)


def _commands_in(handlers: Iterable[BaseHandler]) -> set[str]:  # type: ignore[type-arg]
    found: set[str] = set()
    for handler in handlers:
        if isinstance(handler, CommandHandler):
            found |= set(handler.commands)
        elif isinstance(handler, ConversationHandler):
            nested = [*handler.entry_points, *handler.fallbacks]
            nested += [h for state in handler.states.values() for h in state]
            found |= _commands_in(nested)
    return found


def registered_commands(app: Application) -> frozenset[str]:  # type: ignore[type-arg]
    """Every command some handler of the application answers (conversations included)."""
    return frozenset(_commands_in(h for group in app.handlers.values() for h in group))
