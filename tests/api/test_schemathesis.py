"""Property-based requests generated from the OpenAPI schema (schemathesis), valid and
invalid, against every operation of the board API as two different users: nothing may
answer 5xx, every error comes in the envelope, and every status is one the schema documents.

Path ids are often those of real rows, so the generated bodies reach the services rather
than stopping at a 404. Requests go through Django's test client, inside the test's
transaction (schemathesis only generates them).
"""

import json
from typing import Any

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.http import access_token
from tests.api.matrix import World, make_world

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.core import NOT_SET  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402

# The accounts endpoints have their own tests (and their limiter counts failed logins).
BOARD_API_PREFIXES = tuple(
    f"/api/v1/{name}"
    for name in ("boards", "lists", "labels", "tasks", "comments", "invitations", "notifications")
)
EXAMPLES_PER_OPERATION = 10


def real_ids(world: World) -> dict[str, list[Any]]:
    return {
        "board_id": [world.board_id],
        "list_id": [world.board_list.pk, world.other_list.pk],
        "label_id": [world.label.pk],
        "task_id": [world.task.pk],
        "comment_id": [world.member_comment.pk, world.admin_comment.pk],
        "invitation_id": [world.invitation.pk],
        "user_id": [world.roles.viewer.pk, world.target.pk, world.roles.owner.pk],
        "token": [world.invitation_token],
    }


def board_operations() -> list[Any]:
    schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if op.path.startswith(BOARD_API_PREFIXES)]


def send(client: Client, case: Any, token: str) -> Any:
    kwargs: dict[str, Any] = {
        "headers": {
            **{k: str(v) for k, v in (case.headers or {}).items()},
            "Authorization": f"Bearer {token}",
        }
    }
    if case.query:
        kwargs["query_params"] = {
            name: [str(v) for v in values] if isinstance(values, list) else str(values)
            for name, values in case.query.items()
        }
    if case.body is not NOT_SET:
        # Negative generation also makes raw bytes (and other media types).
        kwargs["data"] = case.body if isinstance(case.body, bytes) else json.dumps(case.body)
        kwargs["content_type"] = case.media_type or "application/json"
    return client.generic(case.method.upper(), case.formatted_path, **kwargs)


def fuzz(operation: Any, mode: GenerationMode, failures: list[str]) -> None:
    """Send EXAMPLES_PER_OPERATION generated requests for `operation` on a fresh World."""
    world = make_world()
    # The owner of the board, and a plain member of it who owns another board.
    tokens = {"owner": access_token(world.roles.owner), "member": access_token(world.roles.member)}
    ids = real_ids(world)
    documented = set(operation.definition.raw["responses"])
    client = Client()

    @given(
        case=operation.as_strategy(generation_mode=mode),
        who=st.sampled_from(sorted(tokens)),
        use_real_ids=st.booleans(),
        pick=st.integers(min_value=0, max_value=10),
    )
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, who: str, use_real_ids: bool, pick: int) -> None:
        if use_real_ids:
            for name in case.path_parameters or {}:
                choices = ids.get(name)
                if choices:
                    case.path_parameters[name] = choices[pick % len(choices)]
        response = send(client, case, tokens[who])
        where = f"{case.method} {case.formatted_path} as {who}: {response.status_code}"
        if response.status_code >= 500:
            failures.append(f"{where} {response.content[:300]!r}")
            return
        if response.status_code >= 400:
            error = response.json().get("error")
            if not isinstance(error, dict) or {"code", "message"} - set(error):
                failures.append(f"{where} not in the envelope: {response.content[:300]!r}")
        if str(response.status_code) not in documented and response.status_code != 304:
            failures.append(f"{where} is not documented ({sorted(documented)})")

    run()


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_never_get_a_5xx(mode: GenerationMode) -> None:
    failures: list[str] = []
    for operation in board_operations():
        fuzz(operation, mode, failures)

    assert sorted(set(failures)) == []
