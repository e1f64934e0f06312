"""The rules an admin may change on the Settings page: label, help, type, bounds, default, scope.

Every key here is read by the code it governs (a test greps for each); a rule nothing reads is not
offered. Defaults come from domain.rules.DEFAULT_RULES, the one table of built-in values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.errors import InvalidInput
from domain.fees.money import CURRENCY_CODES
from domain.rules import DEFAULT_RULES
from domain.timeparse import parse_hhmm

INT, TIME, BOOL, CHOICE, URL = "int", "time", "bool", "choice", "url"
GRACE = "attendance.grace_minutes"  # per batch it is the batch's own column (Batch.grace_minutes)


@dataclass(frozen=True)
class RuleSpec:
    """One editable rule."""

    key: str
    section: str
    label: str
    help: str
    kind: str  # INT, TIME, BOOL, CHOICE or URL
    unit: str = ""
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    per_batch: bool = False  # may a batch override it

    @property
    def default(self) -> Any:
        return DEFAULT_RULES[self.key]

    def parse(self, raw: str) -> Any:
        """The value typed into the form, checked; InvalidInput with a message for the field."""
        text = (raw or "").strip()
        if self.kind == BOOL:
            if text not in ("yes", "no"):
                raise InvalidInput("Choose yes or no.")
            return text == "yes"
        if self.kind == URL:  # empty: none
            if text and (not text.startswith(("https://", "http://")) or len(text) > 500 or " " in text):
                raise InvalidInput("Enter a web address starting with https:// (at most 500 characters), "
                                   "or leave it empty.")
            return text
        if not text:
            raise InvalidInput("Enter a value.")
        if self.kind == TIME:
            clock = parse_hhmm(text, "Write the time as HH:MM, 00:00 to 23:59, e.g. 07:30.")
            return f"{clock.hour:02d}:{clock.minute:02d}"
        if self.kind == CHOICE:
            if text not in self.choices:
                raise InvalidInput(f"Choose one of: {', '.join(self.choices)}.")
            return text
        if not text.isdigit() or len(text) > 6:
            raise InvalidInput(f"Enter a whole number from {self.minimum} to {self.maximum}.")
        number = int(text)
        if self.minimum is not None and self.maximum is not None \
                and not self.minimum <= number <= self.maximum:
            unit = self.unit if self.unit in ("", "%") else f" {self.unit}"
            raise InvalidInput(f"Enter a whole number from {self.minimum} to {self.maximum}{unit}.")
        return number

    def shown(self, value: Any) -> str:
        """A stored value as the form shows it."""
        if self.kind == BOOL:
            return "yes" if value else "no"
        return "" if value is None else str(value)


CATALOGUE: tuple[RuleSpec, ...] = (
    RuleSpec("reminders.lead_minutes", "Reminders", "Reminder before the due time",
             "How long before a task is due its assignee is reminded (when the assignment does not "
             "say otherwise).", INT, "minutes", 0, 10080),
    RuleSpec("reminders.overdue_every_hours", "Reminders", "Repeat while overdue",
             "An overdue task is reminded again every this many hours.", INT, "hours", 1, 168),
    RuleSpec("reminders.escalate_after_hours", "Reminders", "Tell the assigner after",
             "When a task has been overdue this long, the person who assigned it is told (once).",
             INT, "hours", 1, 720),
    RuleSpec("quiet_hours.start", "Quiet hours", "Quiet hours start",
             "From this local time nothing that is not urgent is sent, unless a person set their own "
             "quiet hours.", TIME),
    RuleSpec("quiet_hours.end", "Quiet hours", "Quiet hours end",
             "Messages held during quiet hours go out from this local time.", TIME),
    RuleSpec("brief.time", "Morning brief", "Brief time",
             "The local time each person's morning brief is sent.", TIME),
    RuleSpec("brief.window_hours", "Morning brief", "Send the brief within",
             "If the brief could not go at its time (the system was down), it still goes this many hours "
             "later; after that it is skipped for the day rather than arriving late.", INT, "hours", 1, 12),
    RuleSpec("attendance.open_before_minutes", "Classes", "Open the sheet before class",
             "How long before a class starts its teachers get the attendance sheet.",
             INT, "minutes", 0, 240),
    RuleSpec("attendance.nag_after_minutes", "Classes", "Remind the teacher after",
             "If attendance is not taken this long after a class starts, its teachers are reminded.",
             INT, "minutes", 1, 240),
    RuleSpec(GRACE, "Classes", "Grace after class",
             "How long after its end a class stays open for attendance; then it is closed (or missed "
             "when nothing was marked).", INT, "minutes", 0, 720, per_batch=True),
    RuleSpec("attendance.date_window_days", "Classes", "Days ahead in /attendance",
             "How many days ahead a teacher can look in /attendance in Telegram.", INT, "days", 1, 31),
    RuleSpec("attendance.default_mark", "Attendance", "Unmarked students count as",
             "What a student left unmarked on a submitted sheet is recorded as.", CHOICE,
             choices=("present", "absent"), per_batch=True),
    RuleSpec("attendance.absence_streak", "Attendance", "Absence streak",
             "After this many classes in a row missed, the teachers get an inbox item.",
             INT, "classes", 2, 20, per_batch=True),
    RuleSpec("attendance.low_threshold_percent", "Attendance", "Low attendance below",
             "A student attending less than this share of the classes in the last 30 days raises an "
             "inbox item.", INT, "%", 1, 100, per_batch=True),
    RuleSpec("attendance.low_min_sessions", "Attendance", "Low attendance needs at least",
             "The low-attendance alert waits until a student has this many classes in the last 30 days, "
             "so one absence is not an alarm.", INT, "classes", 1, 30, per_batch=True),
    RuleSpec("attendance.late_counts_present", "Attendance", "Late counts as attended",
             "Yes: arriving late counts as attending for the percentage and absence streaks.", BOOL,
             per_batch=True),
    RuleSpec("marks.notify_parents", "Tests and marks", "Tell parents their child's mark",
             "Yes: when a mark (or an absence) is first entered for a test, the student's parents get it in "
             "Telegram (or by email, as they chose).", BOOL, per_batch=True),
    RuleSpec("desk.untriaged_hours", "Service desk", "Remind the leads of a new ticket after",
             "A request nobody has accepted or rejected this long reminds the team's leads (and again "
             "every as long).", INT, "hours", 1, 168),
    RuleSpec("desk.in_progress_hours", "Service desk", "Remind the assignees of work after",
             "A ticket accepted or in progress this long reminds the people still working on it (and "
             "again every as long).", INT, "hours", 1, 720),
    RuleSpec("sla.at_risk_share", "Service desk", "SLA at risk when less is left than",
             "A ticket (or task) whose time left is less than this share of its target (or of the time "
             "from creation to due) counts as at risk.", INT, "%", 1, 90),
    RuleSpec("homework.remind_before_hours", "Homework", "Remind students of homework before it is due",
             "Students who have handed nothing in are reminded this many hours before the due time (once; "
             "quiet hours hold it until morning).", INT, "hours", 1, 168),
    RuleSpec("engagement.auc_margin_points", "Engagement", "Show the learned risk only when it beats the "
             "baseline by", "The engagement model's predictions are shown only when its ROC AUC on the held-out "
             "period beats the simple baseline's (last 30 days' on-time rate) by this many hundredths; "
             "otherwise the baseline is shown, labelled as such.", INT, "hundredths of AUC", 0, 50),
    RuleSpec("email.per_minute", "Email", "Emails per minute at most",
             "Your mail provider's sending limit: Taskbell paces email to stay under it (messages wait "
             "in the outbox, none is lost).", INT, "per minute", 1, 10000),
    RuleSpec("delivery.paid_broadcast", "Telegram", "Send announcements as paid broadcasts",
             "Yes: announcements go out at up to 1,000 messages a second instead of 30, as Telegram's paid "
             "broadcasts (charged in Telegram Stars to the bot's balance; other messages stay free).", BOOL),
    RuleSpec("fees.currency", "Fees", "Currency",
             "The currency of every fee and payment, and how amounts are written (INR: ₹1,50,000; GBP: "
             "£15.00).", CHOICE, choices=CURRENCY_CODES),
    RuleSpec("fees.payment_link", "Fees", "Payment link",
             "A link printed on every due and reminder (a plan may set its own); {ref} becomes the due's "
             "reference and {amount} the amount left to pay. Empty: no link.", URL),
    RuleSpec("fees.remind_days_before", "Fees", "Remind parents before the due date",
             "Parents get a reminder this many days before a fee is due (0: none before).", INT, "days", 0, 60),
    RuleSpec("fees.overdue_first_days", "Fees", "First overdue reminder after",
             "Days after the due date of the first overdue reminder (0: off). Each stage is sent once and "
             "none once the fee is paid.", INT, "days", 0, 365),
    RuleSpec("fees.overdue_second_days", "Fees", "Second overdue reminder after",
             "Days after the due date of the second reminder (0: off).", INT, "days", 0, 365),
    RuleSpec("fees.overdue_final_days", "Fees", "Final overdue reminder after",
             "Days after the due date of the third and last reminder (0: off).", INT, "days", 0, 365),
)

BY_KEY = {spec.key: spec for spec in CATALOGUE}


def spec_of(key: str) -> RuleSpec:
    """The rule of that key; InvalidInput when there is none."""
    spec = BY_KEY.get(key)
    if spec is None:
        raise InvalidInput("There is no such setting.")
    return spec
