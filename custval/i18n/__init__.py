"""Every user-facing label and sentence, in 中文 (default) and English.

The texts live beside this module, one YAML file per report notebook (``00_data_quality.yml`` …),
per exercise module (``exercise_*.yml``), for the report runner (``runner.yml``) and for what
every page shares (``common.yml``: errors, reading, column headers). Each key holds its ``zh`` and
``en`` text side by side. Code looks text up by key with ``t(key, **values)``; the language is
``zh`` unless ``set_lang("en")`` (the CLI's ``--lang`` and the ``lang`` parameter) says otherwise.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import yaml

LANGS = ("zh", "en")
# What a report page says, as analysis functions return it: (key, values) pairs, shown by ``run.say_all``.
Notes = list[tuple[str, dict]]
_current = {"lang": "zh"}
_FOLDER = Path(__file__).parent
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(folder: Path = _FOLDER) -> dict[str, MappingProxyType]:
    """Every ``*.yml`` beside this module, one entry per key with its texts in every language.

    A key defined twice or missing a language is an error here, at import, rather than a
    ``KeyError`` in the middle of a report."""
    texts: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    owner: dict[str, str] = {}
    for path in sorted(folder.glob("*.yml")):
        for key, entry in (yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}).items():
            if key in owner:
                raise ValueError(f"i18n key {key!r} is defined in both {owner[key]} and {path.name}")
            if not isinstance(entry, dict) or set(entry) != set(LANGS):
                raise ValueError(f"i18n key {key!r} in {path.name} needs exactly the languages {LANGS}")
            owner[key] = path.name
            for lang in LANGS:
                texts[lang][key] = entry[lang]
    return {lang: MappingProxyType(values) for lang, values in texts.items()}


# Read once; read-only, so no module can change another's wording at import.
TEXT: MappingProxyType = MappingProxyType(_load())


def set_lang(lang: str) -> None:
    """Choose the language of every later message and label."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    _current["lang"] = lang


def get_lang() -> str:
    return _current["lang"]


def t(key: str, /, lang: str | None = None, **values) -> str:
    """The text for ``key`` in ``lang`` (default: the current language), formatted with values."""
    return TEXT[lang or _current["lang"]][key].format(**values)


def name(kind: str, value, /, lang: str | None = None) -> str:
    """The display name of a coded value (``<kind>_<value>``, e.g. a segment id), or the value itself."""
    return TEXT[lang or _current["lang"]].get(f"{kind}_{value}", str(value))


def named(frame, /, lang: str | None = None, **kinds):
    """A copy of ``frame`` whose coded columns show display names, e.g. ``named(plan, segment="seg",
    level="level")``; columns the frame lacks are skipped and missing values stay missing."""
    shown = {
        column: [value if _missing(value) else name(kind, value, lang) for value in frame[column]]
        for column, kind in kinds.items()
        if column in frame.columns
    }
    return frame.assign(**shown)


def _missing(value) -> bool:
    """None, NaN, NaT or pandas' NA (whose ``value != value`` is NA, which has no truth value)."""
    try:
        return value is None or bool(value != value)
    except TypeError:
        return True


def label(column: str, /, lang: str | None = None) -> str:
    """The display name of a column (``col_<column>``), or the column itself when none is defined."""
    return TEXT[lang or _current["lang"]].get(f"col_{column}", column)
