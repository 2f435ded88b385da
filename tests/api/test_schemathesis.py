"""Property-based requests generated from the OpenAPI schema the API serves (schemathesis),
valid and invalid, against every operation of the API, accounts included, as the owner of a
board and as a stranger to it, with every check schemathesis has: no 5xx, every status,
content type, header and body one the schema documents, invalid data refused and valid data
accepted (unless a business rule the operation's description states refuses it), and every
error in the envelope. docs/security.md "API fuzzing (schemathesis)" says what is left out.

Path ids and some body fields are often those of real rows (or the caller's credentials), so
the generated requests reach the services rather than stopping at a 404 or a 400. Requests
go through Django's request handler in-process, inside the test's transaction: schemathesis
sends them with its WSGI transport to `InProcessApp`.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple, cast

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.http import HttpResponse
from django.test import override_settings
from django.test.client import ClientHandler
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core import NOT_SET
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.modes import GenerationMode
from schemathesis.openapi.checks import RejectedPositiveData

from accounts import email_verification, services
from accounts.models import User
from accounts.tests.factories import KNOWN_PASSWORD, UserFactory
from tests.api.http import access_token
from tests.api.matrix import World, make_world

EXAMPLES_PER_OPERATION = 15
CALLERS = ("owner", "stranger")
ACCOUNT_PREFIXES = ("/api/v1/auth/", "/api/v1/users/")

# Schema-valid requests a business rule refuses with 400, as each operation's description
# says: the fields the rule names. A positive request answered 400 on any other field fails.
BUSINESS_RULES: dict[str, set[str]] = {
    "GET /api/v1/boards/{board_id}/activity/": {"cursor"},
    "POST /api/v1/auth/register/": {"email", "password"},
    "POST /api/v1/auth/password-reset/confirm/": {"uid", "token", "new_password"},
    "PATCH /api/v1/users/me/": {"timezone"},
    "PATCH /api/v1/users/me/notifications/": {"quiet_hours"},
    "POST /api/v1/users/me/password/": {"current_password", "new_password"},
    "POST /api/v1/boards/{board_id}/transfer/": {"user_id"},
    "POST /api/v1/boards/{board_id}/tasks/": {"list_id", "assignee_ids", "label_ids", "due_at"},
    "PATCH /api/v1/tasks/{task_id}/": {"list_id", "assignee_ids", "label_ids", "due_at"},
    "POST /api/v1/tasks/{task_id}/move/": {"list_id"},
    "POST /api/v1/boards/{board_id}/members/": {"email"},
    "POST /api/v1/invitations/{token}/accept/": {"token"},
    "POST /api/v1/boards/{board_id}/labels/": {"name"},
    "PATCH /api/v1/labels/{label_id}/": {"name"},
    "POST /api/v1/auth/verify-email/": {"token"},
    "POST /api/v1/auth/verify-email/resend/": {"non_field_errors"},
}
# What the API's description says of every text field: trimmed, and no NUL or lone surrogate.
TEXT_RULES = {
    "This field may not be blank.",
    "Null characters are not allowed.",
    "Not a valid string: it contains unpaired surrogates.",
}


class InProcessApp:
    """A WSGI application around Django's test request handler: the same middleware and
    views as in production, but it neither closes the test's database connection at the
    end of a request (which would break the test's transaction) nor raises what a view
    raised (the 500 the API answers is what the checks look at)."""

    def __init__(self) -> None:
        self.handler = ClientHandler(enforce_csrf_checks=True)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = cast(HttpResponse, self.handler(environ))
        headers = [
            *response.items(),
            *(("Set-Cookie", c.output(header="")) for c in response.cookies.values()),
        ]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [response.content]


POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
NEGATIVE_STATUSES = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]


def load_schema(app: InProcessApp) -> Any:
    """The schema the API serves, run with every check schemathesis has."""
    config = schemathesis.Config.from_dict(
        {
            "checks": {
                # Schemathesis's own lists, with 412. Valid data: a stale If-Match is refused by
                # a documented precondition on the task's state, as a 409 is. Invalid data: a
                # stale If-Match refuses a PATCH before its body is read, whatever the body
                # (the operation's description says so).
                "positive_data_acceptance": {"expected-statuses": [*POSITIVE_STATUSES, "412"]},
                "negative_data_rejection": {"expected-statuses": [*NEGATIVE_STATUSES, "412"]},
            }
        }
    )
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", app, config=config)


def all_checks() -> list[Any]:
    load_all_checks()
    return list(CHECKS.get_all())


def real_path_values(world: World) -> dict[str, Callable[[], list[Any]]]:
    return {
        "board_id": lambda: [world.board_id],
        "list_id": lambda: [world.board_list.pk, world.other_list.pk],
        "label_id": lambda: [world.label.pk],
        "task_id": lambda: [world.task.pk],
        "comment_id": lambda: [world.member_comment.pk, world.admin_comment.pk],
        "invitation_id": lambda: [world.invitation.pk],
        "user_id": lambda: [world.roles.viewer.pk, world.target.pk, world.roles.owner.pk],
        "token": lambda: [world.invitation_token],
    }


@contextmanager
def limits_out_of_the_way() -> Iterator[None]:
    """Generated requests fail logins and ask for mail by the hundred: the limiters would soon
    answer 429 to everything (documented, but it would stop the requests reaching the views).
    The rates are off and the limits raised; and fuzz() empties the cache, where every
    limiter keeps its counts, before each example anyway."""
    with override_settings(
        API_THROTTLE_RATES=dict.fromkeys(django_settings.API_THROTTLE_RATES),
        LOGIN_FAILURE_LIMIT=1_000_000,
        LOGIN_ADDRESS_FAILURE_LIMIT=1_000_000,
        ACCOUNT_MAIL_LIMIT=1_000_000,
    ):
        yield


def negated_parameters(case: Any) -> set[str]:
    data = case.meta.phase.data
    names = {mutation.parameter for mutation in data.mutations}
    return {name for name in (*names, data.parameter) if name}


def fresh_token(user: User) -> str:
    # A generated password change or reset kills the caller's tokens (their claim carries a
    # hash of the password): every example gets one made from the row as it is now.
    user.refresh_from_db()
    return access_token(user)


def error_of(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def in_envelope(response: Any) -> bool:
    return {"code", "message"} <= set(error_of(response))


def excused(failure: Any, case: Any, response: Any) -> bool:
    """A schema-valid request refused with 400 by a business rule the operation documents,
    or an invalid one accepted only because its invalid values are empty query parameters,
    which the API's description says are ignored (an empty object or array goes out as no
    parameter at all: absent, which an optional parameter may be)."""
    if isinstance(failure, AcceptedNegativeData):
        negated = negated_parameters(case)
        query = case.query or {}
        return bool(negated) and all(query.get(name, None) in ("", [""], {}, []) for name in negated)
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 400:
        return False
    fields = error_of(response).get("fields") or {}
    ruled = BUSINESS_RULES.get(case.operation.label, set())
    return bool(fields) and all(
        name in ruled or only_text_rules(messages) for name, messages in fields.items()
    )


def only_text_rules(messages: Any) -> bool:
    """`messages` of a field ({"0": [...]} for a list field) all say a text rule was broken."""
    if isinstance(messages, dict):
        return all(only_text_rules(value) for value in messages.values())
    return isinstance(messages, list) and set(messages) <= TEXT_RULES


class Found(NamedTuple):
    operation: str
    check: str
    example: str


def report(failures: list[Found]) -> str:
    """Each failing operation and check once, with its first example."""
    first: dict[tuple[str, str], str] = {}
    count: Counter[tuple[str, str]] = Counter()
    for found in failures:
        key = (found.operation, found.check)
        first.setdefault(key, found.example)
        count[key] += 1
    lines = [f"{len(first)} failing operation/check pairs:"]
    for (operation, check), example in sorted(first.items()):
        lines.append(f"- {operation}: {check} (x{count[operation, check]})\n    {example}")
    return "\n".join(lines)


def real_body_values(world: World, caller: User, path: str) -> dict[str, Callable[[], list[Any]]]:
    """Values for body fields that reach past the validation: rows of the world, and the
    caller's own credentials (made only for a body that has the field)."""
    if path.endswith("/verify-email/"):
        return {"token": lambda: [email_verification.make_token(user=caller)]}
    return {
        "list_id": lambda: [world.board_list.pk, world.other_list.pk],
        "user_id": lambda: [world.roles.member.pk, world.target.pk],
        "assignee_ids": lambda: [[world.roles.member.pk], [world.roles.owner.pk, world.target.pk]],
        "label_ids": lambda: [[world.label.pk]],
        "email": lambda: [caller.email, world.newcomer.email],
        "password": lambda: [KNOWN_PASSWORD],
        "current_password": lambda: [KNOWN_PASSWORD],
        "refresh": lambda: [services.token_pair_issue(user=caller).refresh],
        "uid": lambda: [urlsafe_base64_encode(force_bytes(caller.pk))],
        "token": lambda: [default_token_generator.make_token(caller)],
    }


def fuzz(operation: Any, mode: GenerationMode, checks: list[Any], failures: list[Found]) -> None:
    """Send EXAMPLES_PER_OPERATION generated requests for `operation` on a fresh World."""
    world = make_world()
    users = {"owner": world.roles.owner, "stranger": world.roles.outsider}
    path_values = real_path_values(world)
    # A generated call can change the caller's password or revoke their tokens: on the
    # accounts endpoints every example has a caller of its own.
    own_caller = operation.path.startswith(ACCOUNT_PREFIXES)

    @given(
        case=operation.as_strategy(generation_mode=mode),
        who=st.sampled_from(CALLERS),
        # Mostly real values: requests that reach the services and answer 2xx are the ones
        # the response schema checks and ignored_auth's probes have the most to say about.
        use_real_values=st.sampled_from([True, True, False]),
        pick=st.integers(min_value=0, max_value=10),
    )
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, who: str, use_real_values: bool, pick: int) -> None:
        cache.clear()
        # Unverified half the time, for the verification endpoints.
        caller = UserFactory.create(email_verified=pick % 2 == 0) if own_caller else users[who]
        meta = case.meta
        assert meta is not None
        if use_real_values and not meta.is_negative_at(ParameterLocation.PATH):
            replace_known(case.path_parameters, path_values, pick)
        if (
            use_real_values
            and not meta.is_negative_at(ParameterLocation.BODY)
            and isinstance(case.body, dict)
        ):
            replace_known(case.body, real_body_values(world, caller, operation.path), pick)
        headers = {}
        if "Authorization" not in negated_parameters(case):
            # Otherwise the request goes with the junk credentials generated for it.
            headers["Authorization"] = f"Bearer {fresh_token(caller)}"
            case.headers.update(headers)
        # Reading `meta` revalidates it: a negative case whose only invalid part was
        # replaced above is now a positive one.
        _ = case.meta
        response = case.call()
        where = f"{case.method} {case.formatted_path} as {who} ({mode.value}) -> {response.status_code}"
        if response.status_code >= 400:
            where += f" {response.content[:200]!r}"
        if case.query:
            where += f"\n    query: {str(case.query)[:200]}"
        if case.body is not NOT_SET:
            where += f"\n    sent: {str(case.body)[:200]}"
        try:
            case.validate_response(
                response, checks=checks, headers=headers, transport_kwargs={"headers": headers}
            )
        except FailureGroup as group:
            for failure in group.exceptions:
                if not excused(failure, case, response):
                    failures.append(Found(operation.label, failure.title, f"{where}: {failure.message}"))
        if response.status_code >= 400 and not in_envelope(response):
            failures.append(Found(operation.label, "Not in the error envelope", where))

    run()


def replace_known(container: dict[str, Any], values: dict[str, Callable[[], list[Any]]], pick: int) -> None:
    for name in container:
        if name in values:
            choices = values[name]()
            container[name] = choices[pick % len(choices)]


@pytest.fixture(scope="module")
def app() -> InProcessApp:
    return InProcessApp()


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_get_documented_answers(app: InProcessApp, mode: GenerationMode) -> None:
    schema = load_schema(app)
    checks = all_checks()
    failures: list[Found] = []

    with limits_out_of_the_way():
        for result in schema.get_all_operations():
            fuzz(result.ok(), mode, checks, failures)

    assert not failures, report(failures)


def test_every_business_rule_the_fuzzing_excuses_is_in_the_operations_description() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    undocumented = []

    for label, fields in BUSINESS_RULES.items():
        method, path = label.split(" ", 1)
        description = schema["paths"][path][method.lower()].get("description", "")
        if "Business rule" not in description:
            undocumented.append(f"{label}: no business rule in the description")
        undocumented += [f"{label}: `{name}`" for name in sorted(fields) if f"`{name}`" not in description]

    assert undocumented == []
