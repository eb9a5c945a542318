"""A CJK font for charts on any machine: found, registered with matplotlib, named.

The family is ``$CUSTVAL_CJK_FONT`` (a font file or an installed family) when set, else a system
CJK font, else the WenQuanYi Micro Hei font shipped as package data in ``custval/fonts/`` (the
folder next to this module, see its README for the licence). ``plots.theme`` puts it after
DejaVu Sans in ``font.family``.
"""

from __future__ import annotations

import os
import warnings
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager

FONT_ENV = "CUSTVAL_CJK_FONT"
VENDORED_FONT = Path(__file__).parent / "fonts" / "wqy-microhei.ttc"
VENDORED_FAMILY = "WenQuanYi Micro Hei"
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "SimHei",
)
# Where Debian/Ubuntu put the packaged CJK fonts: added directly, so a font installed after
# matplotlib built its font cache is still found.
SYSTEM_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
NO_FONT = (
    "没有找到中文字体,图中的中文会显示为方框。请安装 fonts-wqy-microhei 或 fonts-noto-cjk。 / "
    "No Chinese font found; Chinese text in charts will show as boxes. Install fonts-wqy-microhei "
    "or fonts-noto-cjk, or set CUSTVAL_CJK_FONT to a font file."
)


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The CJK font family for charts: ``$CUSTVAL_CJK_FONT``, a system font, or the vendored one."""
    override = os.environ.get(FONT_ENV, "").strip()
    if override:
        found = register(Path(override)) if Path(override).is_file() else installed(override)
        if found:
            return found
        warnings.warn(
            f"{FONT_ENV}={override!r} is neither a font file nor an installed font family; ignoring it", stacklevel=2
        )
    for path in SYSTEM_FONT_FILES:
        if Path(path).is_file():
            register(Path(path))
    for family in CJK_FAMILIES:
        if installed(family):
            return family
    if VENDORED_FONT.is_file():
        return register(VENDORED_FONT) or VENDORED_FAMILY
    warnings.warn(NO_FONT, stacklevel=2)
    return ""


def installed(family: str) -> str:
    """``family`` when matplotlib knows a font of that name, else ""."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    return family if family in names else ""


def register(path: Path) -> str:
    """Register a font file (every face of a .ttc) with matplotlib and return its main family name."""
    try:
        font_manager.fontManager.addfont(str(path))
    except (OSError, RuntimeError, ValueError):
        return ""
    names = [f.name for f in font_manager.fontManager.ttflist if Path(f.fname) == path]
    return min(names, key=len) if names else ""  # "WenQuanYi Micro Hei", not its "… Mono" face
