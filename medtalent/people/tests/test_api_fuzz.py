"""Generated requests against the published OpenAPI schema: the server never answers 5xx.

Schemathesis reads ``/api/v1/openapi.json`` from the WSGI application and generates requests for
every GET, POST, PATCH and PUT operation (DELETE is left out so that the world's records survive
for the later examples). Path IDs are half random, half the world's real records, so that writes
reach the services and not only the 404 of an unknown ID. Every request carries an administrator's
bearer token, so that permission checks do not stop the input before it reaches validation.

Checks on each response: no server error, and a 2xx body conforms to its documented schema.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from medtalent.config.api import api
from medtalent.conftest import World
from medtalent.people.models import User
from medtalent.people.services import api_token_create

FUZZED_METHODS = ("get", "post", "patch", "put")
OPENAPI = api.get_openapi_schema(path_prefix="/api/v1/")
OPERATIONS = sorted(
    (method.upper(), path)
    for path, operations in OPENAPI["paths"].items()
    for method in operations
    if method in FUZZED_METHODS
)


def _is_integer(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "integer" or any(
        option.get("type") == "integer" for option in schema.get("anyOf", [])
    )


# Every integer parameter of every GET operation: (path, location, name).
INTEGER_PARAMETERS = sorted(
    (path, parameter["in"], parameter["name"])
    for path, operations in OPENAPI["paths"].items()
    for parameter in operations.get("get", {}).get("parameters", [])
    if _is_integer(parameter["schema"])
)

FUZZ_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,  # no example database written into the project
    derandomize=True,  # the same examples on every run
    # No shrinking: a failure is reported with the request that caused it, and the run stays short.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    # Requests run inside the test's transaction, as Django's test client runs them: the WSGI
    # handler must not close the connection between requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app: Any) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)


def real_path_parameters(world: World) -> dict[str, Any]:
    return {
        "person_id": world.trainee_person.pk,
        "institution_id": world.hospital.pk,
        "department_id": world.cardiology.pk,
        "mentorship_id": world.mentorship.pk,
        "profile_id": world.trainee_person.trainee_profiles.get().pk,
    }


def real_body_ids(world: World) -> dict[str, list[int]]:
    """IDs a generated body may be given instead of random ones, so that creates reach the services."""
    people = [
        world.trainee_person.pk,
        world.other_trainee.pk,
        world.mentor_person.pk,
        world.teacher_person.pk,
        world.officer_person.pk,
        world.foreign_trainee.pk,
    ]
    institutions = [world.uni.pk, world.hospital.pk, world.other.pk]
    return {
        "institution_id": institutions,
        "parent_id": institutions,
        "department_id": [world.cardiology.pk, world.surgery.pk],
        "mentor_id": people,
        "mentee_id": people,
    }


def test_schema_lists_the_people_operations() -> None:
    """Guards the fuzz test against silently fuzzing nothing."""
    assert ("GET", "/api/v1/people") in OPERATIONS
    assert ("PATCH", "/api/v1/people/{person_id}") in OPERATIONS
    assert ("POST", "/api/v1/mentorships") in OPERATIONS
    assert ("PUT", "/api/v1/people/{person_id}/faculty-profile") in OPERATIONS
    assert not any(method == "DELETE" for method, _path in OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_generated_requests_never_get_a_server_error(
    world: World, personas: dict[str, User], api_schema: Any, method: str, path: str
) -> None:
    _token, raw = api_token_create(actor=personas["admin"], name="fuzz")
    headers = {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}
    operation = api_schema[path][method]
    declared = {
        parameter["name"]
        for parameter in operation.definition.raw.get("parameters", [])
        if parameter.get("in") == "path"
    }
    real = {name: value for name, value in real_path_parameters(world).items() if name in declared}
    strategy = operation.as_strategy()
    if real:
        strategy = st.one_of(strategy, operation.as_strategy(path_parameters=real))
    body_ids = real_body_ids(world)

    @FUZZ_SETTINGS
    @given(case=strategy, data=st.data())
    def exercise(case: Any, data: Any) -> None:
        if isinstance(case.body, dict):
            for name, choices in body_ids.items():
                if isinstance(case.body.get(name), int) and data.draw(st.booleans(), label=f"real {name}"):
                    case.body[name] = data.draw(st.sampled_from(choices), label=name)
        response = case.call(headers=headers)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} query={case.query} body={case.body!r} "
            f"answered {response.status_code}"
        )
        case.validate_response(
            response, checks=[not_a_server_error, response_schema_conformance], headers=headers
        )

    exercise()


# Integers a client may send that a database column cannot hold, next to ordinary ones.
EDGE_INTEGERS = st.one_of(
    st.sampled_from([0, -1, 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 2**70]),
    st.integers(min_value=-(2**80), max_value=2**80),
)


@pytest.mark.parametrize(("path", "location", "name"), INTEGER_PARAMETERS)
def test_integer_parameters_at_the_edges(
    world: World, personas: dict[str, User], path: str, location: str, name: str
) -> None:
    """A GET with any integer answers 200, 404 or 422: never a server error, never a "conflict"."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas["admin"])
    path_values = {
        "person_id": world.trainee_person.pk,
        "institution_id": world.hospital.pk,
        "department_id": world.cardiology.pk,
        "mentorship_id": world.mentorship.pk,
    }

    @FUZZ_SETTINGS
    @given(value=EDGE_INTEGERS)
    def exercise(value: int) -> None:
        if location == "path":
            url, query = path.replace("{" + name + "}", str(value)), {}
        else:
            url, query = path.format(**path_values), {name: value}
        response = client.get(url, query)
        assert response.status_code in (200, 404, 422), f"GET {url} {query} answered {response.status_code}"
        if url.endswith("/export") and response.status_code == 200:
            assert response["Content-Disposition"].startswith("attachment;")  # a download, not JSON
        else:
            assert response.json()

    exercise()
