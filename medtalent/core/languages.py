"""Names kept in two languages, shown in the reader's."""

from django.utils.translation import get_language


def bilingual(name_zh: str, name_en: str) -> str:
    """The English name for English readers, the Chinese one otherwise; either falls back to the other."""
    if (get_language() or "").startswith("en") and name_en:
        return name_en
    return name_zh or name_en
