"""The office's import journey: upload a roster, read the preview's errors, import, find the people."""

import datetime
from pathlib import Path

from openpyxl import Workbook
from playwright.sync_api import expect

from medtalent.core.models import ImportBatch
from medtalent.people.models import Person
from medtalent.people.tests.factories import make_national_id

from .conftest import assert_no_horizontal_scroll, login, open_menu, shot


def roster(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "性别", "身份证号", "科室", "培养层次", "年级", "学号", "医院导师"])
    sheet.append(
        [
            "赵一鸣",
            "男",
            make_national_id(datetime.date(2000, 5, 4), 11),
            "心血管内科",
            "专硕",
            2025,
            "S25001",
            "Mentor",
        ]
    )
    sheet.append(
        [
            "钱佳怡",
            "女",
            make_national_id(datetime.date(2001, 2, 3), 22),
            "普通外科",
            "专硕",
            2025,
            "S25002",
            "",
        ]
    )
    sheet.append(["孙浩", "男", "11010519950307002", "眼科", "专硕", 2025, "S25003", ""])
    workbook.save(path)
    return path


def test_officer_imports_a_roster_and_finds_the_people(
    new_page, live_server, world, personas, tmp_path
) -> None:
    page = new_page("desktop", "en-US")
    base = live_server.url
    login(page, live_server, "officer")
    page.goto(f"{base}/people/")
    page.locator('main a[href="/imports/new/people/"]').click()
    page.wait_for_url(f"{base}/imports/new/people/")
    page.locator("#id_institution").select_option(value=world.hospital.code)
    page.locator("#id_file").set_input_files(str(roster(tmp_path / "roster-2025.xlsx")))
    shot(page, "officer-desktop-import-upload-en")
    page.locator("main form button[type=submit]").click()

    batch_url = page.url
    assert "/imports/" in batch_url
    counts = page.locator("#import-counts")
    expect(counts.locator('[data-count="created"]')).to_have_text("2")
    expect(counts.locator('[data-count="rejected"]')).to_have_text("1")
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.filter(has_text="科室")).to_contain_text("has no department “眼科”")
    expect(errors.filter(has_text="身份证号")).to_contain_text("18")
    for index in range(2):
        expect(errors.nth(index).locator("td").first).to_have_text("4")
    assert Person.objects.filter(name_zh="赵一鸣").count() == 0  # nothing written by the preview
    shot(page, "officer-desktop-import-preview-en")

    page.locator("#import-commit").click()
    expect(page.locator("#import-state")).to_have_text("Imported")
    page.locator("main a", has_text="See the imported records").click()
    results = page.locator("#directory-results")
    expect(results).to_contain_text("赵一鸣")
    expect(results).to_contain_text("钱佳怡")
    expect(results.locator("tr[data-person-id]")).to_have_count(2)
    shot(page, "officer-desktop-import-result-en")

    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.COMMITTED
    new_person = Person.objects.get(name_zh="赵一鸣")
    assert new_person.import_batch == batch
    assert new_person.mentorships_received.get().mentor == world.mentor_person

    phone = new_page("phone", "zh-CN")
    login(phone, live_server, "officer")
    phone.goto(batch_url)
    # The officer's saved language (English, from the first sign-in) follows them; switch to Chinese.
    if phone.locator("button.navbar-toggler").is_visible():
        open_menu(phone)
    phone.locator('button[data-language="zh-hans"]').click()
    expect(phone.locator("#import-state")).to_have_text("已导入")
    assert_no_horizontal_scroll(phone)
    shot(phone, "officer-phone-import-done-zh-hans")
