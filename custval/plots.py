"""One look for every chart, with Chinese text that renders on any machine.

``theme()`` sets the seaborn style and a font list of DejaVu Sans (Latin letters, digits, the
minus sign) followed by a CJK family; matplotlib falls back glyph by glyph along ``font.family``,
so mixed text needs no special handling. The CJK family is a system font when there is one, else
the WenQuanYi Micro Hei font shipped in ``custval/fonts/``. Plot functions take ``data=`` and
column names, draw on ``ax`` (a new figure when None) and return the Axes; they compute nothing.
"""

from __future__ import annotations

import os
import warnings
from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import seaborn as sns
from matplotlib import font_manager

FONT_ENV = "CUSTVAL_CJK_FONT"
VENDORED_FONT = Path(__file__).parent / "fonts" / "wqy-microhei.ttc"
VENDORED_FAMILY = "WenQuanYi Micro Hei"
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "Microsoft YaHei", "PingFang SC", "Heiti SC", "SimHei",
)  # fmt: skip
# Where Debian/Ubuntu put the packaged CJK fonts: added directly, so a font installed after
# matplotlib built its font cache is still found.
SYSTEM_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
PALETTE = ["#2f6f9f", "#e07b39", "#3a9e6f", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]
FIGSIZE = (8.0, 4.2)


def theme(lang: str | None = None) -> str:
    """Apply the custval look to matplotlib and seaborn; returns the CJK family in use.

    ``lang`` is accepted for symmetry with the notebooks' parameters: data values are often Chinese
    in either language, so the CJK font is set for both.
    """
    family = cjk_font()
    sns.set_theme(style="whitegrid", palette=PALETTE, rc={"figure.figsize": FIGSIZE})
    # After set_theme, which would otherwise reset the font list to its own.
    plt.rcParams["font.family"] = ["DejaVu Sans", family] if family else ["DejaVu Sans"]
    plt.rcParams.update({
        "axes.unicode_minus": True,  # DejaVu Sans has U+2212 and comes first
        "axes.titlesize": 14, "axes.titleweight": "normal",  # the CJK fallback may have no bold face
        "axes.labelsize": 11,
        "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.fontsize": 10,
        "figure.dpi": 100, "savefig.dpi": 110, "savefig.bbox": "tight",
        "axes.spines.top": False, "axes.spines.right": False,
    })  # fmt: skip
    return family


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The CJK font family for charts: ``$CUSTVAL_CJK_FONT``, a system font, or the vendored one."""
    override = os.environ.get(FONT_ENV, "").strip()
    if override:
        found = _family_from_file(Path(override)) if Path(override).is_file() else _installed(override)
        if found:
            return found
        warnings.warn(f"{FONT_ENV}={override!r} is neither a font file nor an installed font family; ignoring it",
                      stacklevel=2)  # fmt: skip
    for path in SYSTEM_FONT_FILES:
        if Path(path).is_file():
            _family_from_file(Path(path))
    for family in CJK_FAMILIES:
        if _installed(family):
            return family
    if VENDORED_FONT.is_file():
        return _family_from_file(VENDORED_FONT) or VENDORED_FAMILY
    warnings.warn(
        "没有找到中文字体,图中的中文会显示为方框。请安装 fonts-wqy-microhei 或 fonts-noto-cjk。 / "
        "No Chinese font found; Chinese text in charts will show as boxes. Install fonts-wqy-microhei "
        "or fonts-noto-cjk, or set CUSTVAL_CJK_FONT to a font file.",
        stacklevel=2,
    )
    return ""


def _installed(family: str) -> str:
    names = {f.name for f in font_manager.fontManager.ttflist}
    return family if family in names else ""


def _family_from_file(path: Path) -> str:
    """Register a font file (every face of a .ttc) and return its main family name."""
    try:
        font_manager.fontManager.addfont(str(path))
    except (OSError, RuntimeError, ValueError):
        return ""
    names = [f.name for f in font_manager.fontManager.ttflist if Path(f.fname) == path]
    return min(names, key=len) if names else ""  # "WenQuanYi Micro Hei", not its "… Mono" face


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE)
    return ax


def _label(ax, title, xlabel, ylabel, x, y):
    ax.set_title(title or "")
    ax.set_xlabel(x if xlabel is None else xlabel)
    ax.set_ylabel((y or "") if ylabel is None else ylabel)


def _thousands(axis) -> None:
    axis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}"))


def bar(data, x, y, hue=None, ax=None, horizontal=False, title=None, xlabel=None, ylabel=None):
    """Bars of ``y`` per value of ``x`` (categories in the order they appear in ``data``)."""
    ax = _axes(ax)
    if horizontal:
        sns.barplot(data=data, x=y, y=x, hue=hue, ax=ax, orient="h", errorbar=None)
        _label(ax, title, ylabel, xlabel, y, x)
        _thousands(ax.xaxis)
    else:
        sns.barplot(data=data, x=x, y=y, hue=hue, ax=ax, errorbar=None)
        _label(ax, title, xlabel, ylabel, x, y)
        _thousands(ax.yaxis)
    return ax


def line(data, x, y, hue=None, ax=None, marker="o", title=None, xlabel=None, ylabel=None):
    """A line of ``y`` over ``x`` (dates or period labels), one per ``hue`` value."""
    ax = _axes(ax)
    sns.lineplot(data=data, x=x, y=y, hue=hue, ax=ax, marker=marker, errorbar=None, sort=False)
    _label(ax, title, xlabel, ylabel, x, y)
    _thousands(ax.yaxis)
    if not _is_datetime(data[x]) and not _is_numeric(data[x]):
        labels = list(dict.fromkeys(data[x]))
        step = -(-len(labels) // 12)  # at most about 12 labels
        ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right")
    return ax


def hist(data, x, bins=30, log=False, ax=None, title=None, xlabel=None, ylabel=None):
    """A histogram of ``x``; ``log`` puts the counts on a log scale for long-tailed measures."""
    ax = _axes(ax)
    sns.histplot(data=data, x=x, bins=bins, ax=ax, color=PALETTE[0])
    if log:
        ax.set_yscale("log")
    _label(ax, title, xlabel, ylabel, x, "count")
    _thousands(ax.xaxis)
    return ax


def _is_datetime(values) -> bool:
    import pandas as pd

    return pd.api.types.is_datetime64_any_dtype(values)


def _is_numeric(values) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(values)
