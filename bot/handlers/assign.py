"""/assign: a guided conversation from title to Confirm, ending in one fan-out."""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass, field
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.callbacks import (
    AssignConfirm,
    AssignDone,
    AssignDue,
    AssignPage,
    AssignPriority,
    AssignReview,
    AssignSkip,
    AssignToggle,
    encode,
)
from bot.conversations import IdleEndingConversation, cancel_step
from bot.deps import deps_of
from bot.fallback import STEP_OVER, within_conversation
from bot.identity import person_of
from bot.messages import limits
from bot.messages.paging import nav_rows
from bot.timefmt import local
from domain.actors import Actor
from domain.errors import DomainError
from domain.models import Priority
from domain.tasks import services as tasks
from domain.tasks import targets as task_targets
from domain.timeparse import parse_due, quick_choices
from domain.words import plural

TITLE, DESCRIPTION, RECIPIENTS, DUE, PRIORITY, REVIEW, CONFIRM = range(7)
PAGE = 8
SPLIT_FIRST = 3500  # a description this long may be the first part of a text Telegram split (over 4,096)
SPLIT_PART = 100  # text longer than any name searched for, after such a part: the next part
DRAFT = "assign_draft"


@dataclass
class Draft:
    title: str = ""
    description: str = ""
    groups: set[int] = field(default_factory=set)
    people: set[int] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)
    due_at: datetime | None = None
    priority: Priority = Priority.NORMAL
    review: bool = False
    page: int = 0
    search: str | None = None
    tz: str = "UTC"


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft:
    assert context.user_data is not None
    return context.user_data.setdefault(DRAFT, Draft())


def _button(text: str, data: callbacks.AnyCallback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=encode(data))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/assign: start the conversation, for those the domain lets assign."""
    assert update.effective_message is not None and context.user_data is not None
    person = person_of(context)
    if person is None:
        await update.effective_message.reply_text(task_targets.MAY_NOT_ASSIGN)
        return ConversationHandler.END
    try:
        await asyncio.to_thread(task_targets.check_assigner, deps_of(context).db.uow(readonly=True),
                                Actor.telegram(person.id))
    except DomainError as exc:
        await update.effective_message.reply_text(exc.message)
        return ConversationHandler.END
    context.user_data[DRAFT] = Draft(tz=person.timezone or deps_of(context).settings.timezone)
    await update.effective_message.reply_text("New task. What is its title? (/cancel to stop)")
    return TITLE


async def got_title(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The task's title."""
    assert update.effective_message is not None
    title = " ".join((update.effective_message.text or "").split())
    if not title or len(title) > tasks.MAX_TITLE:
        await update.effective_message.reply_text(f"A title of 1 to {tasks.MAX_TITLE} characters, please.")
        return TITLE
    _draft(context).title = title
    await update.effective_message.reply_text(
        "Add a description, or skip.", reply_markup=InlineKeyboardMarkup([[_button("Skip", AssignSkip())]]))
    return DESCRIPTION


async def got_description(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The task's description, or Skip."""
    draft = _draft(context)
    if update.callback_query:
        await update.callback_query.answer()
    elif update.effective_message is not None:
        text = (update.effective_message.text or "").strip()
        if len(text) > tasks.MAX_DESCRIPTION:
            await update.effective_message.reply_text(
                f"That description has {len(text):,} characters; at most {tasks.MAX_DESCRIPTION:,} fit. "
                "Please send a shorter one (the chat shows long ones cut; the dashboard shows all of it), "
                "or Skip.")
            return DESCRIPTION
        draft.description = text
    return await show_recipients(update, context, new=True)


async def _targets(update: Update, context: ContextTypes.DEFAULT_TYPE) -> list[task_targets.Target]:
    """The groups and people this person may assign to, matching the current search."""
    assert update.effective_user is not None
    person = person_of(context)
    if person is None:
        return []
    return await asyncio.to_thread(task_targets.assignable_targets, deps_of(context).db.uow(readonly=True),
                                   Actor.telegram(person.id), _draft(context).search)


async def show_recipients(update: Update, context: ContextTypes.DEFAULT_TYPE, *, new: bool = False) -> int:
    """The recipients picker: one page of groups and people, the chosen ones ticked."""
    draft = _draft(context)
    targets = await _targets(update, context)
    pages = max(1, (len(targets) + PAGE - 1) // PAGE)
    draft.page = min(draft.page, pages - 1)
    rows = []
    for t in targets[draft.page * PAGE:(draft.page + 1) * PAGE]:
        chosen = t.id in (draft.groups if t.kind == "group" else draft.people)
        icon = "☑️" if chosen else ("👥" if t.kind == "group" else "👤")
        draft.labels[f"{t.kind[0]}{t.id}"] = t.label
        rows.append([_button(f"{icon} {t.label}", AssignToggle(t.kind[0], t.id))])  # type: ignore[arg-type]
    rows.extend(nav_rows(draft.page, pages, AssignPage))
    rows.append([_button(f"Done ({plural(len(draft.groups), 'group')}, {plural(len(draft.people), 'person', 'people')})", AssignDone())])
    search = f" matching “{html.escape(draft.search)}”" if draft.search else ""
    text = (f"Who is it for? Tap groups and people{search}, then Done.\n"
            "Type a name to search" + (", or “all” to list everyone again." if draft.search else "."))
    if not targets:
        text = "Nobody matches. Type another name, or “all”." if draft.search else (
            "You have no groups or people to assign to yet.")
    markup = InlineKeyboardMarkup(rows)
    if update.callback_query and not new:
        await update.callback_query.edit_message_text(text, reply_markup=markup, parse_mode=ParseMode.HTML)
    else:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup,
                                       parse_mode=ParseMode.HTML)
    return RECIPIENTS


async def recipients_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A group or person ticked, a page turned, or Done in the recipients picker."""
    query = update.callback_query
    assert query is not None and query.data is not None
    draft = _draft(context)
    button = callbacks.decode(query.data)
    if isinstance(button, AssignToggle):
        chosen = draft.groups if button.target == "g" else draft.people
        chosen.symmetric_difference_update({button.target_id})
        await query.answer()
        return await show_recipients(update, context)
    if isinstance(button, AssignPage):
        draft.page = button.page
        await query.answer()
        return await show_recipients(update, context)
    if isinstance(button, AssignDone):
        if not draft.groups and not draft.people:
            await query.answer("Choose at least one group or person.", show_alert=True)
            return RECIPIENTS
        await query.answer()
        return await ask_due(update, context)
    await query.answer("This button is no longer valid.")
    return RECIPIENTS


async def recipients_search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A name typed in the recipients picker: search (“all” lists everyone again). A long text right after a
    description Telegram had to split (over 4,096 characters arrive as several messages) is its next part."""
    assert update.effective_message is not None
    text = (update.effective_message.text or "").strip()
    draft = _draft(context)
    if len(text) > SPLIT_PART and len(draft.description) >= SPLIT_FIRST:
        if len(draft.description) + 1 + len(text) > tasks.MAX_DESCRIPTION:
            await update.effective_message.reply_text(
                f"That would make the description longer than {tasks.MAX_DESCRIPTION:,} characters; "
                "it was not added. Choose who it is for above.")
            return RECIPIENTS
        draft.description += "\n" + text
        await update.effective_message.reply_text(
            f"Added to the description (now {len(draft.description):,} characters). Choose who it is for above.")
        return RECIPIENTS
    draft.search = None if text.lower() == "all" else text[:60]
    draft.page = 0
    return await show_recipients(update, context, new=True)


async def ask_due(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Ask when the task is due: quick choices or a typed time."""
    draft = _draft(context)
    now = deps_of(context).db.clock.now()
    rows = [[_button(label, AssignDue(i))] for i, (label, _) in enumerate(quick_choices(now, draft.tz))]
    rows.append([_button("No due time", AssignDue(None))])
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        f"When is it due? Tap a choice or type a time like “fri 17:00” or “2026-12-01 09:00” "
        f"({draft.tz}).", reply_markup=InlineKeyboardMarkup(rows))
    return DUE


async def due_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A quick due-time choice, or No due time."""
    query = update.callback_query
    assert query is not None and query.data is not None
    draft = _draft(context)
    button = callbacks.decode_as(query.data, AssignDue)
    choices = quick_choices(deps_of(context).db.clock.now(), draft.tz)
    if button is not None and button.choice is None:
        draft.due_at = None
    elif button is not None and button.choice is not None and button.choice < len(choices):
        draft.due_at = choices[button.choice][1]
    else:
        await query.answer("This button is no longer valid.")
        return DUE
    await query.answer()
    return await ask_priority(update, context)


async def due_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A typed due time."""
    assert update.effective_message is not None
    draft = _draft(context)
    try:
        draft.due_at = parse_due(update.effective_message.text or "", deps_of(context).db.clock.now(), draft.tz)
    except DomainError as exc:
        await update.effective_message.reply_text(exc.message)
        return DUE
    return await ask_priority(update, context)


async def ask_priority(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Ask the task's priority."""
    assert update.effective_chat is not None
    row = [_button(p.value, AssignPriority(p)) for p in Priority]
    await context.bot.send_message(update.effective_chat.id, "Priority?", reply_markup=InlineKeyboardMarkup([row]))
    return PRIORITY


async def priority_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The priority chosen; ask whether completion needs review."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    button = callbacks.decode_as(query.data, AssignPriority)
    if button is None:
        await query.answer("This button is no longer valid.")
        return PRIORITY
    _draft(context).priority = button.priority
    await query.answer()
    await context.bot.send_message(
        update.effective_chat.id, "Does completion need your review?",
        reply_markup=InlineKeyboardMarkup([[_button("Yes, I review", AssignReview(True)),
                                            _button("No", AssignReview(False))]]))
    return REVIEW


async def review_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Review yes or no chosen; show the summary with Confirm / Cancel."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    button = callbacks.decode_as(query.data, AssignReview)
    if button is None:
        await query.answer("This button is no longer valid.")
        return REVIEW
    draft = _draft(context)
    draft.review = button.review
    await query.answer()
    chosen = [draft.labels.get(f"g{g}", f"group {g}") for g in sorted(draft.groups)] + [
        draft.labels.get(f"p{p}", f"person {p}") for p in sorted(draft.people)]
    summary = limits.fit("\n".join([  # the description and the list cut to fit one message
        f"<b>{html.escape(draft.title)}</b>",
        html.escape(limits.clip(draft.description, 3000)) if draft.description else "(no description)",
        "For: " + html.escape(limits.clip(", ".join(chosen), 600)),
        f"Due: {local(draft.due_at, draft.tz)} ({draft.tz})" if draft.due_at else "Due: no due time",
        f"Priority: {draft.priority.value}",
        "Review: " + ("yes" if draft.review else "no"),
    ]))
    await context.bot.send_message(
        update.effective_chat.id, summary, parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[_button("Confirm", AssignConfirm(True)),
                                            _button("Cancel", AssignConfirm(False))]]))
    return CONFIRM


async def confirm_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Confirm: assign (one fan-out); Cancel: assign nothing."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    draft = context.user_data.pop(DRAFT, None)  # taken before any await: a second press finds none
    if not isinstance(draft, Draft):
        await query.answer(STEP_OVER)
        return ConversationHandler.END
    if callbacks.decode(query.data) == AssignConfirm(False):
        await query.answer("Cancelled.")
        await query.edit_message_text("Cancelled; nothing was assigned.")
        return ConversationHandler.END
    person = person_of(context)
    if person is None:
        await query.answer("Your account is not active.", show_alert=True)
        return ConversationHandler.END
    spec = tasks.AssignmentSpec(title=draft.title, description=draft.description,
                                person_ids=sorted(draft.people), group_ids=sorted(draft.groups),
                                due_at=draft.due_at, priority=draft.priority, requires_review=draft.review)
    try:
        result = await asyncio.to_thread(tasks.assign, deps_of(context).db.uow(), Actor.telegram(person.id), spec)
    except DomainError as exc:
        context.user_data[DRAFT] = draft  # still on the summary: Confirm may be pressed again
        await query.answer(exc.message, show_alert=True)
        return CONFIRM
    await query.answer("Assigned.")
    note = f" ({len(result.skipped_person_ids)} not active yet, skipped)" if result.skipped_person_ids else ""
    await query.edit_message_text(
        f"Assigned <b>{html.escape(draft.title)}</b> to {result.task_count} "
        f"{'person' if result.task_count == 1 else 'people'}{note}. /assigned shows the progress.",
        parse_mode=ParseMode.HTML)
    return ConversationHandler.END


cancel = cancel_step(DRAFT, said="Stopped; nothing was assigned.")


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The /assign conversation."""
    text = filters.TEXT & ~filters.COMMAND
    return [IdleEndingConversation(
        entry_points=[CommandHandler("assign", start)],
        states={
            TITLE: [MessageHandler(text, got_title)],
            DESCRIPTION: [MessageHandler(text, got_description),
                          CallbackQueryHandler(got_description, pattern=callbacks.pattern(AssignSkip))],
            RECIPIENTS: [CallbackQueryHandler(recipients_button,
                                              pattern=callbacks.pattern(AssignToggle, AssignPage, AssignDone)),
                         MessageHandler(text, recipients_search)],
            DUE: [CallbackQueryHandler(due_button, pattern=callbacks.pattern(AssignDue)), MessageHandler(text, due_text)],
            PRIORITY: [CallbackQueryHandler(priority_button, pattern=callbacks.pattern(AssignPriority))],
            REVIEW: [CallbackQueryHandler(review_button, pattern=callbacks.pattern(AssignReview))],
            CONFIRM: [CallbackQueryHandler(confirm_button, pattern=callbacks.pattern(AssignConfirm))],
        },
        fallbacks=[CommandHandler("cancel", cancel), *within_conversation()],
        name="assign",
        idle_text="Your /assign was left unfinished for over an hour, so it has ended; nothing was assigned. "
                  "Send /assign to start again.",
    )]
