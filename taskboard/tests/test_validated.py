"""validated(): each serializer class's fields are bound once and shared by its validations."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from taskboard.api.fields import IdField, StrictCharField, StrictDateTimeField
from taskboard.api.requests import _bound_fields, validated


class ExampleInput(serializers.Serializer):
    list_id = IdField()
    title = StrictCharField(max_length=5, required=False)
    ids = serializers.ListField(child=IdField(), max_length=2, required=False)
    due_at = StrictDateTimeField(allow_null=True, required=False)


def errors_of(data: Any) -> dict[str, Any]:
    with pytest.raises(ValidationError) as raised:
        validated(ExampleInput, data)
    detail = raised.value.detail
    assert isinstance(detail, dict)
    return {key: [str(message) for message in value] for key, value in detail.items()}


def test_validations_share_the_bound_fields_and_nothing_else() -> None:
    first = validated(ExampleInput, {"list_id": 1, "title": " a ", "ids": [3, 4], "extra": 1})
    fields = _bound_fields[ExampleInput]
    refused = errors_of({"list_id": 0, "title": "toolong", "ids": [1, 2, 3]})
    second = validated(ExampleInput, {"list_id": 2})

    assert first == {"list_id": 1, "title": "a", "ids": [3, 4]}
    assert refused == {
        "list_id": ["Ensure this value is greater than or equal to 1."],
        "title": ["Ensure this field has no more than 5 characters."],
        "ids": ["Ensure this field has no more than 2 elements."],
    }
    # Only the keys sent: nothing of an earlier validation is left over.
    assert second == {"list_id": 2}
    assert _bound_fields[ExampleInput] is fields


def test_validations_in_threads_each_get_their_own_answer() -> None:
    def check(n: int) -> bool:
        if n % 3 == 0:
            return errors_of({"list_id": "x"}) == {"list_id": ["A valid integer is required."]}
        data = {"list_id": n + 1, "ids": [n + 1]}
        return validated(ExampleInput, data) == data

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(check, range(2000)))
