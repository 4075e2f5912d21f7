"""Both languages ship complete: every user-facing string has its Chinese translation, and the compiled
catalogues that a fresh install uses say exactly what the ``.po`` files say."""

import ast
import gettext
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
CATALOGUES = PACKAGE / "locale"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]+\}")
# The same command docs/architecture.md gives for refreshing the catalogues.
IGNORED = ["*/tests/*", "tests_browser/*", "demo/*"]


def unescape(text: str) -> str:
    """PO strings use C escapes (\\n, \\", \\\\), which Python's string literals share."""
    return str(ast.literal_eval(f'"{text}"'))


def parse_po(path: Path) -> dict[str, tuple[str, bool]]:
    """msgid -> (msgstr, fuzzy). Plural entries are keyed by their singular and give msgstr[0]; entries
    with a context by the context, EOT and the msgid."""
    entries: dict[str, tuple[str, bool]] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in block.splitlines())
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr|msgstr\[0\]) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        msgid = fields.get("msgid")
        if msgid:  # the header has an empty msgid
            msgstr = fields.get("msgstr", fields.get("msgstr[0]", ""))
            # A message with a context is keyed as gettext keys it: context, EOT, message.
            key = (
                unescape(msgid)
                if "msgctxt" not in fields
                else f"{unescape(fields['msgctxt'])}\x04{unescape(msgid)}"
            )
            entries[key] = (unescape(msgstr), fuzzy)
    return entries


@pytest.fixture(scope="module")
def chinese() -> dict[str, tuple[str, bool]]:
    return parse_po(CATALOGUES / "zh_Hans" / "LC_MESSAGES" / "django.po")


def test_every_chinese_entry_is_translated_and_not_fuzzy(chinese: dict[str, tuple[str, bool]]) -> None:
    assert len(chinese) > 300
    assert [msgid for msgid, (msgstr, _fuzzy) in chinese.items() if not msgstr] == []
    assert [msgid for msgid, (_msgstr, fuzzy) in chinese.items() if fuzzy] == []


def test_placeholders_survive_translation(chinese: dict[str, tuple[str, bool]]) -> None:
    mismatched = [
        msgid
        for msgid, (msgstr, _fuzzy) in chinese.items()
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr))
    ]
    assert mismatched == []


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_compiled_catalogue_matches_its_source(language: str) -> None:
    source = parse_po(CATALOGUES / language / "LC_MESSAGES" / "django.po")
    with (CATALOGUES / language / "LC_MESSAGES" / "django.mo").open("rb") as compiled_file:
        compiled = gettext.GNUTranslations(compiled_file)

    def compiled_text(key: str) -> str:
        context, _, msgid = key.rpartition("\x04")
        return compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)

    stale = [key for key, (msgstr, _fuzzy) in source.items() if msgstr and compiled_text(key) != msgstr]
    assert stale == [], "run `medtalent compilemessages` and commit the .mo files"


def test_no_user_facing_string_is_missing_from_the_catalogue(tmp_path: Path) -> None:
    """Extract the strings from a copy of the code and compare with the committed catalogue."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is needed to check the catalogues: apt-get install gettext")
    copy = tmp_path / "medtalent"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    script = textwrap.dedent(
        f"""
        from django.conf import settings
        settings.configure(USE_I18N=True, LOCALE_PATHS=[{str(copy / "locale")!r}])
        import django
        django.setup()
        from django.core.management import call_command
        call_command(
            "makemessages", locale=["zh_Hans"], ignore_patterns={IGNORED!r}, no_obsolete=True, verbosity=0
        )
        """
    )
    subprocess.run([sys.executable, "-c", script], cwd=copy, check=True, capture_output=True, timeout=300)
    extracted = parse_po(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    untranslated = sorted(msgid for msgid, (msgstr, fuzzy) in extracted.items() if not msgstr or fuzzy)
    assert untranslated == [], "new strings: run makemessages, translate them, compilemessages"
