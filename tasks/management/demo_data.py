"""What `manage.py seed_demo` makes (tasks/management/commands/seed_demo.py): the demo
users, the "Product launch" board's lists, labels, tasks and comments, and the words the
large board's tasks are made of."""

from dataclasses import dataclass

from tasks.models import Priority

DEMO_PASSWORD = "taskboard-demo"
DEMO_USERS = [
    ("alice@example.com", "Alice Martin", True),
    ("bob@example.com", "Bob Okafor", False),
    ("carol@example.com", "Carol Nguyen", False),
]
ALICE, BOB, CAROL = (email for email, _, _ in DEMO_USERS)

DEMO_BOARD_TITLE = "Product launch"
DEMO_BOARD_DESCRIPTION = "Everything between today and launch day: site, pricing, docs, press."
DEMO_LISTS = ("Backlog", "To do", "In progress", "Review", "Done")
DEMO_LABELS = {
    "Bug": "#d73a4a",
    "Feature": "#1f6feb",
    "Design": "#8250df",
    "Marketing": "#bf8700",
    "Docs": "#0e8a16",
}

LARGE_BOARD_LISTS = ("Backlog", "To do", "In progress", "Review", "Done")
LARGE_BOARD_LABELS = {"Bug": "#d73a4a", "Feature": "#1f6feb", "Chore": "#6e7781"}
LARGE_TASK_SUBJECTS = (
    "Fix flaky test in {area}",
    "Add metrics to {area}",
    "Refactor {area} settings",
    "Document {area} edge cases",
    "Speed up {area} queries",
    "Review {area} error messages",
    "Upgrade {area} dependencies",
)
LARGE_TASK_AREAS = ("billing", "search", "onboarding", "notifications", "exports", "the API", "the admin")
# Medium most often, as on real boards.
LARGE_TASK_PRIORITIES = (Priority.MEDIUM, Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.URGENT)


@dataclass(frozen=True)
class DemoTask:
    list: str
    title: str
    priority: str = "medium"
    # Relative to the day the demo is seeded, so some tasks are always overdue.
    due_in_days: int | None = None
    assignees: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    description: str = ""
    creator: str = ALICE
    completed: bool = False


DEMO_TASKS = (
    DemoTask("Backlog", "Localize the landing page (FR, DE, ES)", "low", labels=("Marketing",)),
    DemoTask("Backlog", "Referral programme: first draft", "low", labels=("Feature",), creator=BOB),
    DemoTask(
        "Backlog",
        "Dark mode for the dashboard",
        labels=("Feature", "Design"),
        description="Respect `prefers-color-scheme`; keep contrast at **WCAG AA** or better.",
    ),
    DemoTask("Backlog", "Evaluate a status page provider", "low"),
    DemoTask(
        "To do",
        "Write the launch blog post",
        "high",
        due_in_days=5,
        assignees=(BOB,),
        labels=("Marketing",),
        description="- [ ] outline\n- [ ] first draft\n- [ ] screenshots\n- [ ] review with Alice",
    ),
    DemoTask("To do", "Prepare the press kit", due_in_days=9, assignees=(ALICE,), labels=("Marketing",)),
    DemoTask(
        "To do",
        "Record a 2-minute product demo video",
        due_in_days=12,
        assignees=(BOB,),
        labels=("Marketing", "Design"),
        creator=BOB,
    ),
    DemoTask(
        "To do",
        "Set up the onboarding email sequence",
        "high",
        due_in_days=7,
        assignees=(ALICE,),
        labels=("Feature",),
        description="Three mails: *welcome*, *first board*, *invite your team*.",
    ),
    DemoTask(
        "To do",
        "Update the pricing page copy",
        "urgent",
        due_in_days=-2,
        assignees=(BOB,),
        labels=("Marketing",),
    ),
    DemoTask(
        "In progress",
        "Fix checkout failing for EU VAT numbers",
        "urgent",
        due_in_days=-1,
        assignees=(ALICE, BOB),
        labels=("Bug",),
        description="Customers with a VAT number from **Germany** or **Austria** get a 500 at checkout.",
        creator=BOB,
    ),
    DemoTask("In progress", "Load test the signup flow", "high", due_in_days=3, assignees=(ALICE,)),
    DemoTask(
        "In progress",
        "Design the launch-day social cards",
        due_in_days=4,
        assignees=(BOB,),
        labels=("Design",),
        creator=BOB,
    ),
    DemoTask(
        "In progress", "Write the help-centre articles", due_in_days=6, assignees=(ALICE,), labels=("Docs",)
    ),
    DemoTask(
        "Review",
        "Final copy review of the landing page",
        "high",
        due_in_days=1,
        assignees=(ALICE,),
        labels=("Marketing",),
    ),
    DemoTask(
        "Review",
        "Accessibility audit fixes",
        "high",
        due_in_days=-3,
        assignees=(BOB,),
        labels=("Bug", "Design"),
    ),
    DemoTask("Review", "Document the API rate limits", due_in_days=2, assignees=(ALICE,), labels=("Docs",)),
    DemoTask("Done", "Choose the launch date", assignees=(ALICE,), completed=True),
    DemoTask("Done", "Set up the analytics dashboards", assignees=(BOB,), completed=True, creator=BOB),
    DemoTask(
        "Done",
        "Fix the broken password reset link",
        "urgent",
        assignees=(ALICE,),
        labels=("Bug",),
        completed=True,
    ),
    DemoTask(
        "Done",
        "Announce the beta to the waiting list",
        "high",
        assignees=(BOB,),
        labels=("Marketing",),
        completed=True,
    ),
)

# (task title, author, Markdown body)
DEMO_COMMENTS = (
    (
        "Fix checkout failing for EU VAT numbers",
        BOB,
        "Reproduced with `DE123456789`: the validator rejects the country prefix.\n\n"
        "@alice@example.com can you check the **VIES** timeout too?",
    ),
    (
        "Fix checkout failing for EU VAT numbers",
        ALICE,
        "Good catch. The VIES call times out after 2 s; I'm raising it to 5 s and caching "
        "answers for a day. Pull request coming today.",
    ),
    (
        "Write the launch blog post",
        ALICE,
        "Outline:\n\n1. Why we built it\n2. Three things it does well\n3. What's next\n\n"
        "@bob@example.com a first draft by Thursday?",
    ),
    (
        "Update the pricing page copy",
        BOB,
        "Blocked on the final *annual discount*: waiting for finance. "
        "Notes in [the pricing doc](https://example.com/pricing).",
    ),
    (
        "Accessibility audit fixes",
        ALICE,
        "Left: focus outlines on the card menu and `aria-label`s on the icon buttons.\n\n"
        "@carol@example.com could you give it a last pass with a screen reader?",
    ),
)


def large_board_title(task_count: int) -> str:
    return f"Large board ({task_count} tasks)"
