"""Pages: sign-in and lock-out, password change, home per role, directory, person edit, language, tokens."""

import datetime
import hashlib
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from medtalent.core.models import AuditEvent
from medtalent.people import services
from medtalent.people.models import ApiToken, Mentorship, Person, User
from medtalent.people.tests.factories import FacultyProfileFactory, PersonFactory, TraineeProfileFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-Horse-42"  # the factories' password


@pytest.fixture
def client() -> Client:
    """A browser that reads English, so the tests can assert the exact texts."""
    browser = Client()
    browser.cookies["django_language"] = "en"
    return browser


def _as(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def _person_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-person-id="(\d+)"', html)]


# --- signing in --------------------------------------------------------------------------


def test_login_page_renders(client: Client, db: Any) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign in to MedTalent" in html
    assert 'name="username"' in html
    assert 'name="password"' in html


def test_login_with_correct_password_goes_home(client: Client, personas: dict[str, Any]) -> None:
    response = client.post("/accounts/login/", {"username": "trainee", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(personas["trainee"].pk)
    assert client.get("/").status_code == 200


def test_login_with_wrong_password_is_refused(client: Client, personas: dict[str, Any]) -> None:
    response = client.post("/accounts/login/", {"username": "trainee", "password": "wrong-password"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert 'class="alert alert-danger"' in response.content.decode()


def test_five_failures_lock_the_account_but_not_other_accounts(
    client: Client, personas: dict[str, Any]
) -> None:
    for attempt in range(4):
        response = client.post("/accounts/login/", {"username": "trainee", "password": f"wrong-{attempt}"})
        assert response.status_code == 200
    fifth = client.post("/accounts/login/", {"username": "trainee", "password": "wrong-4"})
    assert fifth.status_code == 429
    locked = client.post("/accounts/login/", {"username": "trainee", "password": PASSWORD})
    assert locked.status_code == 429  # django-axes' "too many requests"
    assert "Account locked" in locked.content.decode()
    assert "_auth_user_id" not in client.session

    # The same address still serves everybody else: the lock is on the user name.
    other = client.post("/accounts/login/", {"username": "mentor", "password": PASSWORD})
    assert other.status_code == 302
    assert client.session["_auth_user_id"] == str(personas["mentor"].pk)


# --- password change ----------------------------------------------------------------------


def test_weak_new_password_is_refused(client: Client, personas: dict[str, Any]) -> None:
    _as(client, personas["trainee"])
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This password is too short. It must contain at least 10 characters." in html
    assert "This password is entirely numeric." in html
    personas["trainee"].refresh_from_db()
    assert personas["trainee"].check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_change").exists()


def test_strong_new_password_changes_it_and_is_audited(client: Client, personas: dict[str, Any]) -> None:
    user = personas["trainee"]
    _as(client, user)
    new = "Plum-Orchard-Kettle-93"
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/done/"
    user.refresh_from_db()
    assert user.check_password(new)
    [event] = AuditEvent.objects.filter(action="user.password_change")
    assert (event.actor, event.target_id, event.ip_address) == (user, str(user.pk), "127.0.0.1")
    assert event.changes == {}
    assert new not in str(event.changes)
    assert PASSWORD not in str(event.changes)
    assert client.get("/").status_code == 200  # still signed in


# --- home per role ----------------------------------------------------------------------


def test_home_for_every_persona_renders(client: Client, personas: dict[str, Any]) -> None:
    for name, user in personas.items():
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 200, name


def test_home_for_officer_shows_the_level_chart(client: Client, personas: dict[str, Any]) -> None:
    html = _as(client, personas["officer"]).get("/").content.decode()
    assert 'id="level-chart"' in html
    data = re.search(r'<script id="level-chart-data" type="application/json">(.*?)</script>', html)
    assert data is not None
    chart = json.loads(data.group(1))
    assert chart["labels"][:3] == ["High-school student", "Undergraduate", "Professional master's student"]
    # The trainee and the other trainee, both professional masters; the foreign one is out of scope.
    assert chart["values"] == [0, 0, 2, 0, 0, 0, 0]


def test_home_for_mentor_lists_the_mentee(client: Client, personas: dict[str, Any], world: Any) -> None:
    html = _as(client, personas["mentor"]).get("/").content.decode()
    # The programmes panel lists mentees (with their plans and flags) in place of the plain list.
    mentees = re.search(r'<(ul|table)[^>]*id="my-mentees"[^>]*>(.*?)</\1>', html, re.S)
    assert mentees is not None
    assert re.findall(r'href="/people/(\d+)/">([^<]+)</a>', mentees.group(2)) == [
        (str(world.trainee_person.pk), "Trainee")
    ]
    assert 'id="level-chart"' not in html


def test_home_for_department_head_lists_department_trainees(
    client: Client, personas: dict[str, Any], world: Any
) -> None:
    html = _as(client, personas["head"]).get("/").content.decode()
    assert "Trainees in my department" in html
    section = html[html.index("Trainees in my department") :]
    assert _person_ids(section) == [world.trainee_person.pk]  # not the surgery trainee


def test_home_for_trainee_shows_the_mentor(client: Client, personas: dict[str, Any], world: Any) -> None:
    html = _as(client, personas["trainee"]).get("/").content.decode()
    assert f'<a href="/people/{world.mentor_person.pk}/">Mentor</a>' in html
    assert "Hospital mentor" in html
    assert 'id="level-chart"' not in html
    assert "Trainees in my department" not in html
    assert 'id="my-mentees"' not in html


def test_home_needs_sign_in(client: Client, db: Any) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


# --- directory ------------------------------------------------------------------------


def test_directory_search(client: Client, personas: dict[str, Any], world: Any) -> None:
    response = _as(client, personas["officer"]).get("/people/", {"q": "Trainee"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    # Foreign Trainee matches the words but belongs to another institution.
    assert _person_ids(html) == [world.other_trainee.pk, world.trainee_person.pk]


def test_directory_htmx_returns_only_the_results(
    client: Client, personas: dict[str, Any], world: Any
) -> None:
    response = _as(client, personas["officer"]).get("/people/", {"q": "Other"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert '<nav class="navbar' not in html
    assert _person_ids(html) == [world.other_trainee.pk]
    assert 'id="result-count"' in html


def _grow_people(world: Any, count: int) -> None:
    for index in range(count):
        person = PersonFactory(
            institution=world.hospital, department=world.cardiology, name_latin=f"Grown {index:03d}"
        )
        if index % 2:
            TraineeProfileFactory(person=person, institution=world.hospital, department=world.cardiology)
        else:
            FacultyProfileFactory(person=person)


def test_directory_query_count_is_flat(
    client: Client, personas: dict[str, Any], world: Any, django_assert_max_num_queries: Any
) -> None:
    _as(client, personas["officer"])
    _grow_people(world, 5)
    client.get("/people/")
    with CaptureQueriesContext(connection) as few:
        response = client.get("/people/")
    # The world's two foreign people are out of the officer's scope.
    assert len(_person_ids(response.content.decode())) == 6 + 5
    _grow_people(world, 35)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/people/")
    assert len(_person_ids(response.content.decode())) == 25  # one page


# --- person edit ----------------------------------------------------------------------


def _form_data(person: Person, **changes: Any) -> dict[str, Any]:
    data = {
        "name_zh": person.name_zh,
        "name_latin": person.name_latin,
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "national_id": person.national_id or "",
        "email": person.email,
        "phone": person.phone,
        "institution": person.institution_id,
        "department": person.department_id or "",
        "version": person.version,
    }
    data.update(changes)
    return data


def test_officer_edits_a_trainees_phone(client: Client, personas: dict[str, Any], world: Any) -> None:
    person = world.trainee_person
    _as(client, personas["officer"])
    form = client.get(f"/people/{person.pk}/edit/").content.decode()
    assert re.search(r'<input type="hidden" name="version" value="1"', form)
    old_phone = person.phone
    response = client.post(f"/people/{person.pk}/edit/", _form_data(person, phone="13700000000"))
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.pk}/"
    person.refresh_from_db()
    assert (person.phone, person.version) == ("13700000000", 2)
    [event] = AuditEvent.objects.filter(action="person.update")
    assert event.changes == {"phone": [old_phone, "13700000000"]}
    assert event.actor == personas["officer"]


def test_stale_edit_shows_the_conflict_and_changes_nothing(
    client: Client, personas: dict[str, Any], world: Any
) -> None:
    person = Person.objects.get(pk=world.trainee_person.pk)
    stale = _form_data(person, phone="13700000000", name_latin="Overwritten")
    services.person_update(
        actor=personas["trainee"], person=person, expected_version=1, contacts_only=True, phone="13600000000"
    )
    response = _as(client, personas["officer"]).post(f"/people/{person.pk}/edit/", stale)
    assert response.status_code == 200
    assert (
        "Someone else changed this record after you opened it. Nothing was saved" in response.content.decode()
    )
    row = Person.objects.get(pk=person.pk)
    assert (row.phone, row.name_latin, row.version) == ("13600000000", "Trainee", 2)
    assert AuditEvent.objects.filter(action="person.update").count() == 1


def test_trainee_editing_themselves_sees_only_contacts(
    client: Client, personas: dict[str, Any], world: Any
) -> None:
    person = world.trainee_person
    _as(client, personas["trainee"])
    html = client.get(f"/people/{person.pk}/edit/").content.decode()
    form = html[html.index('<form method="post" novalidate>') :]
    form = form[: form.index("</form>")]
    names = set(re.findall(r'<(?:input|select|textarea)[^>]*name="([a-z_0-9]+)"', form)) - {
        "csrfmiddlewaretoken"
    }
    assert names == {"email", "phone", "version"}
    response = client.post(
        f"/people/{person.pk}/edit/",
        {
            "email": "me@example.edu.cn",
            "phone": "13500000000",
            "version": 1,
            "name_latin": "Hacked",
            "institution": world.other.pk,
        },
    )
    assert response.status_code == 302
    row = Person.objects.get(pk=person.pk)
    assert (row.email, row.phone, row.name_latin, row.institution_id) == (
        "me@example.edu.cn",
        "13500000000",
        "Trainee",
        world.hospital.pk,
    )


def test_people_out_of_reach_cannot_be_edited(client: Client, personas: dict[str, Any], world: Any) -> None:
    assert (
        _as(client, personas["outsider"]).get(f"/people/{world.trainee_person.pk}/edit/").status_code == 404
    )
    assert _as(client, personas["trainee"]).get(f"/people/{world.other_trainee.pk}/edit/").status_code == 404


# --- language -------------------------------------------------------------------------


def test_language_switch_sets_cookie_and_preference(client: Client, personas: dict[str, Any]) -> None:
    user = personas["trainee"]
    _as(client, user)
    response = client.post("/language/", {"language": "en", "next": "/people/"})
    assert response.status_code == 302
    assert response["Location"] == "/people/"
    assert response.cookies["django_language"].value == "en"
    user.refresh_from_db()
    assert user.language == "en"
    client.post("/language/", {"language": "zh-hans", "next": "/"})
    user.refresh_from_db()
    assert user.language == "zh-hans"


@pytest.mark.parametrize(
    "target", ["https://evil.example.com/", "//evil.example.com/x", "http://evil.example.com"]
)
def test_language_switch_does_not_follow_external_next(
    client: Client, personas: dict[str, Any], target: str
) -> None:
    response = _as(client, personas["trainee"]).post("/language/", {"language": "en", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_language_switch_ignores_unknown_languages(client: Client, personas: dict[str, Any]) -> None:
    user = personas["trainee"]
    response = _as(client, user).post("/language/", {"language": "xx-evil", "next": "/"})
    assert "django_language" not in response.cookies
    user.refresh_from_db()
    assert user.language == ""


def test_language_switch_works_signed_out(client: Client, db: Any) -> None:
    response = client.post("/language/", {"language": "en"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    assert client.get("/language/").status_code == 405


# --- API tokens -----------------------------------------------------------------------


def test_api_token_is_shown_once_then_only_its_prefix(client: Client, personas: dict[str, Any]) -> None:
    user = personas["trainee"]
    _as(client, user)
    response = client.post("/account/tokens/", {"name": "Grading script"})
    assert response.status_code == 200
    match = re.search(r'<pre[^>]*id="new-token">(mt_[A-Za-z0-9_-]+)</pre>', response.content.decode())
    assert match is not None
    raw = match.group(1)
    token = ApiToken.objects.get(user=user)
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()

    listing = client.get("/account/tokens/").content.decode()
    assert raw not in listing
    assert 'id="new-token"' not in listing
    assert f"<code>{raw[:10]}…</code>" in listing
    assert "Grading script" in listing

    # The token works for the API.
    api = Client()
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["username"] == "trainee"


def test_api_token_without_name_is_refused(client: Client, personas: dict[str, Any]) -> None:
    response = _as(client, personas["trainee"]).post("/account/tokens/", {"name": ""})
    assert response.status_code == 200
    assert 'id="new-token"' not in response.content.decode()
    assert not ApiToken.objects.exists()


def test_api_token_revoke(client: Client, personas: dict[str, Any]) -> None:
    user = personas["trainee"]
    token, raw = services.api_token_create(actor=user, name="Old laptop")
    _as(client, user)
    assert client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 405  # revoking takes a POST
    token.refresh_from_db()
    assert token.revoked_at is None
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/account/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Revoked" in client.get("/account/tokens/").content.decode()
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_another_users_token_cannot_be_revoked(client: Client, personas: dict[str, Any]) -> None:
    token, _raw = services.api_token_create(actor=personas["mentor"], name="Mentor's")
    response = _as(client, personas["trainee"]).post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


# --- mentorship form --------------------------------------------------------------------


def test_officer_adds_a_mentorship(client: Client, personas: dict[str, Any], world: Any) -> None:
    mentee = world.other_trainee
    _as(client, personas["officer"])
    form = client.get(f"/people/{mentee.pk}/mentorships/new/")
    assert form.status_code == 200
    assert f'<option value="{world.mentor_person.pk}">' in form.content.decode()
    response = client.post(
        f"/people/{mentee.pk}/mentorships/new/",
        {
            "mentor": world.mentor_person.pk,
            "kind": "hospital",
            "start_date": "2025-09-01",
            "note": "Surgery rotation",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{mentee.pk}/"
    mentorship = Mentorship.objects.get(mentee=mentee)
    assert (
        mentorship.mentor,
        mentorship.kind,
        mentorship.start_date,
        mentorship.end_date,
        mentorship.note,
    ) == (
        world.mentor_person,
        "hospital",
        datetime.date(2025, 9, 1),
        None,
        "Surgery rotation",
    )
    assert AuditEvent.objects.filter(action="mentorship.create", target_id=str(mentorship.pk)).count() == 1


def test_mentorship_form_shows_the_rule_that_refuses(
    client: Client, personas: dict[str, Any], world: Any
) -> None:
    response = _as(client, personas["officer"]).post(
        f"/people/{world.trainee_person.pk}/mentorships/new/",
        {"mentor": world.teacher_person.pk, "kind": "hospital", "start_date": "2025-09-01"},
    )
    assert response.status_code == 200
    assert "The mentee already has a hospital mentor for those dates: end that mentorship first." in (
        response.content.decode()
    )
    assert Mentorship.objects.filter(mentee=world.trainee_person).count() == 1


def test_trainee_cannot_add_mentorships(client: Client, personas: dict[str, Any], world: Any) -> None:
    response = _as(client, personas["trainee"]).get(f"/people/{world.trainee_person.pk}/mentorships/new/")
    assert response.status_code == 403


def test_officer_cannot_move_a_person_to_an_institution_outside_their_scope(
    client: Client, personas: dict[str, Any], world: Any
) -> None:
    # Creating a person at ``other`` needs people.add_person there; moving one there must need it too.
    person = world.other_trainee
    response = _as(client, personas["officer"]).post(
        f"/people/{person.pk}/edit/", _form_data(person, institution=world.other.pk, department="")
    )
    assert response.status_code in {200, 403}
    row = Person.objects.get(pk=person.pk)
    assert (row.institution_id, row.version) == (world.hospital.pk, 1)


def test_django_admin_is_for_platform_administrators(
    client: Client, personas: dict[str, Any], world: Any, django_assert_max_num_queries: Any
) -> None:
    newcomer = User.objects.create_user(username="newadmin", password="Correct-Horse-42")
    services.role_assign(actor=personas["admin"], user=newcomer, role="platform_admin", institution=world.uni)
    admin_client = _as(client, newcomer)
    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/people/person/")
    assert response.status_code == 200
    assert "Trainee" in response.content.decode()
    refused = _as(Client(HTTP_ACCEPT_LANGUAGE="en"), personas["officer"]).get("/admin/")
    assert (refused.status_code, refused["Location"]) == (302, "/admin/login/?next=/admin/")


def test_saved_language_follows_the_user_to_a_new_browser(personas: dict[str, Any]) -> None:
    officer = personas["officer"]
    officer.language = "en"
    officer.save()
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'lang="zh-hans"' in browser.get("/accounts/login/").content.decode()
    browser.force_login(officer)
    assert '<html lang="en">' in browser.get("/").content.decode()
    browser.cookies["django_language"] = "zh-hans"  # a switch made in this browser wins at once
    assert '<html lang="zh-hans">' in browser.get("/").content.decode()


def test_officer_adds_a_person_at_an_institution_they_manage(
    client: Client, personas: dict[str, Any], world: Any
) -> None:
    officer = _as(client, personas["officer"])
    directory = officer.get("/people/").content.decode()
    assert 'href="/people/new/"' in directory
    form = officer.get("/people/new/").content.decode()
    assert "Other Hospital" not in form  # only institutions the officer manages are offered
    response = officer.post(
        "/people/new/",
        {
            "name_zh": "新同学",
            "name_latin": "Xin Tongxue",
            "gender": "female",
            "institution": world.hospital.pk,
        },
    )
    created = Person.objects.get(name_latin="Xin Tongxue")
    assert response["Location"] == f"/people/{created.pk}/"
    assert AuditEvent.objects.filter(action="person.create", target_id=str(created.pk)).count() == 1
    refused = officer.post(
        "/people/new/", {"name_latin": "Elsewhere", "gender": "female", "institution": world.other.pk}
    )
    assert refused.status_code == 200  # the form says the choice is not valid; nothing is created
    assert not Person.objects.filter(name_latin="Elsewhere").exists()


def test_people_outside_the_offices_cannot_add_people(client: Client, personas: dict[str, Any]) -> None:
    for name in ("mentor", "trainee", "leader", "head"):
        assert _as(Client(), personas[name]).get("/people/new/").status_code == 403
        assert 'href="/people/new/"' not in _as(Client(), personas[name]).get("/people/").content.decode()


def test_officer_ends_a_mentorship_from_the_person_page(
    client: Client, personas: dict[str, Any], world: Any
) -> None:
    officer = _as(client, personas["officer"])
    page = officer.get(f"/people/{world.trainee_person.pk}/").content.decode()
    assert f'data-end-mentorship="{world.mentorship.pk}"' in page
    response = officer.post(f"/mentorships/{world.mentorship.pk}/end/", {"version": 1})
    assert response["Location"] == f"/people/{world.trainee_person.pk}/"
    world.mentorship.refresh_from_db()
    assert (world.mentorship.end_date, world.mentorship.version) == (timezone.localdate(), 2)
    stale = officer.post(f"/mentorships/{world.mentorship.pk}/end/", {"version": 1}, follow=True)
    assert "Someone else changed this record" in stale.content.decode()
    assert (
        _as(Client(), personas["trainee"]).post(f"/mentorships/{world.mentorship.pk}/end/").status_code == 403
    )
