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

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
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


def _cuts(ax, x_cut, y_cut) -> None:
    """Dashed lines at the quadrant cut-offs that are given."""
    if x_cut is not None:
        ax.axvline(x_cut, color="#888", linestyle="--", linewidth=0.8)
    if y_cut is not None:
        ax.axhline(y_cut, color="#888", linestyle="--", linewidth=0.8)


def _quadrant_labels(ax, labels) -> None:
    """Names in the corners: (top-left, top-right, bottom-left, bottom-right) as drawn."""
    for text, (px, py) in zip(labels or (), ((0.02, 0.98), (0.98, 0.98), (0.02, 0.02), (0.98, 0.02))):
        ax.text(px, py, text, transform=ax.transAxes, ha="left" if px < 0.5 else "right",
                va="top" if py > 0.5 else "bottom", color="#555")  # fmt: skip


def _thousands(axis) -> None:
    axis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}"))


def bar(data, x, y, hue=None, ax=None, horizontal=False, title=None, xlabel=None, ylabel=None, legend=None,
        hue_order=None, percent=False, reference=None):  # fmt: skip
    """Bars of ``y`` per value of ``x`` (categories in the order they appear in ``data``).

    ``legend`` is the legend's title when ``hue`` is given (default: the hue column's name);
    ``hue_order`` fixes the colours' order, so several charts can give a group the same colour.
    ``percent`` shows the value axis as percentages of 1; ``reference`` draws a dashed line at
    that value (e.g. 1.0 for full capacity).
    """
    ax = _axes(ax)
    if horizontal:
        sns.barplot(data=data, x=y, y=x, hue=hue, ax=ax, orient="h", errorbar=None, hue_order=hue_order)
        _label(ax, title, ylabel, xlabel, y, x)
        axis, line = ax.xaxis, ax.axvline
    else:
        sns.barplot(data=data, x=x, y=y, hue=hue, ax=ax, errorbar=None, hue_order=hue_order)
        _label(ax, title, xlabel, ylabel, x, y)
        axis, line = ax.yaxis, ax.axhline
    if percent:
        axis.set_major_formatter(mticker.PercentFormatter(1.0))
    else:
        _thousands(axis)
    if reference is not None:
        line(reference, color="#555555", linewidth=1, linestyle="--")
    if hue is not None and ax.get_legend() is not None:
        ax.get_legend().set_title(hue if legend is None else legend)
    return ax


def line(data, x, y, hue=None, ax=None, marker="o", title=None, xlabel=None, ylabel=None, legend=None):
    """A line of ``y`` over ``x`` (dates, numbers or period labels), one per ``hue`` value."""
    ax = _axes(ax)
    sns.lineplot(data=data, x=x, y=y, hue=hue, ax=ax, marker=marker, errorbar=None, sort=False)
    _label(ax, title, xlabel, ylabel, x, y)
    _thousands(ax.yaxis)
    if hue is not None and ax.get_legend() is not None:
        ax.get_legend().set_title(hue if legend is None else legend)
    if _is_datetime(data[x]):
        locator = mdates.AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    elif _is_numeric(data[x]):
        if pd.api.types.is_integer_dtype(data[x]):
            ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    else:
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
    return pd.api.types.is_datetime64_any_dtype(values)


def _is_numeric(values) -> bool:
    return pd.api.types.is_numeric_dtype(values)


# --------------------------------------------------------------------------- market charts


def heatmap(data, x, y, value, ax=None, fmt=".0%", title=None, xlabel=None, ylabel=None, annotate=True):
    """A ``y`` × ``x`` grid coloured (and annotated unless ``annotate=False``) by ``value``; empty
    cells stay blank (a grid with no value at all draws blank, without numpy's all-NaN warning)."""
    ax = _axes(ax)
    grid = data.groupby([y, x], observed=True, sort=True)[value].sum(min_count=1).unstack(x)
    limits = {"vmin": 0.0, "vmax": 1.0} if grid.isna().all().all() else {}
    sns.heatmap(grid, **limits, annot=annotate, fmt=fmt, cmap="Blues", cbar=not annotate, ax=ax, linewidths=0.5 if annotate else 0,
                xticklabels=True if annotate else max(1, grid.shape[1] // 8),
                yticklabels=True if annotate else max(1, grid.shape[0] // 10))  # fmt: skip
    _label(ax, title, xlabel, ylabel, x, y)
    ax.tick_params(axis="x", rotation=0)
    return ax


def stacked_bar(data, x, y, hue, ax=None, title=None, xlabel=None, ylabel=None):
    """Bars of ``y`` per ``x`` stacked by ``hue`` (e.g. sales per period by region)."""
    grid = data.pivot_table(index=x, columns=hue, values=y, aggfunc="sum", observed=True).fillna(0)
    legend = {"title": "" if hue is None else None, "bbox_to_anchor": (1.01, 1), "loc": "upper left"}
    return _stacked(grid, _axes(ax), title, xlabel, ylabel, x, y, rotation=45, legend=legend)


def stacked_columns(data, x, columns, labels=None, ax=None, title=None, xlabel=None, ylabel=None):
    """Bars per ``x`` made of the ``columns`` of a wide table stacked (e.g. value covered and not
    covered per grade); ``labels`` name the parts in the legend (default: the column names)."""
    grid = data.set_index(x)[list(columns)].fillna(0)
    grid.columns = list(columns) if labels is None else list(labels)
    return _stacked(grid, _axes(ax), title, xlabel, ylabel, x, None, rotation=0, legend={})


def _stacked(grid, ax, title, xlabel, ylabel, x, y, rotation, legend):
    """A wide table (one column a part) drawn as stacked bars, in the theme's colours."""
    grid.plot(kind="bar", stacked=True, ax=ax, width=0.8, color=PALETTE[: grid.shape[1]] * 3)
    _label(ax, title, xlabel, ylabel, x, y)
    ax.legend(frameon=False, **legend)
    ax.tick_params(axis="x", rotation=rotation)
    _thousands(ax.yaxis)
    return ax


def waterfall(data, x, y, ax=None, total_label="Σ", title=None, xlabel=None, ylabel=None):
    """Each ``x``'s change ``y`` as a floating bar from the running total, then the total."""
    ax = _axes(ax)
    steps = data[y].astype(float).to_numpy()
    starts = np.concatenate([[0.0], np.cumsum(steps)[:-1]])
    colours = [PALETTE[2] if s >= 0 else PALETTE[3] for s in steps]
    labels = [*map(str, data[x]), total_label]
    ax.bar(range(len(steps)), steps, bottom=starts, color=colours)
    ax.bar(len(steps), steps.sum(), color=PALETTE[0])
    ax.set_xticks(range(len(labels)), labels)
    ax.axhline(0, color="#555", linewidth=0.8)
    _label(ax, title, xlabel, ylabel, x, y)
    _thousands(ax.yaxis)
    return ax


def pareto(data, x="cum_items", y="cum_share", hue="class", cuts=(0.8, 0.95), ax=None, title=None,
           xlabel=None, ylabel=None):  # fmt: skip
    """The Pareto curve (cumulative value share over cumulative item share) with ABC bands."""
    ax = _axes(ax)
    xs = np.concatenate([[0.0], data[x].to_numpy(float)])
    ys = np.concatenate([[0.0], data[y].to_numpy(float)])
    for (low, high), colour in zip(((0, cuts[0]), cuts, (cuts[1], 1.0)), PALETTE[:3]):
        ax.axhspan(low, high, color=colour, alpha=0.08)
    ax.plot(xs, ys, color=PALETTE[0], marker="o" if len(data) <= 40 else None, markersize=3)
    for share in cuts:
        ax.axhline(share, color="#888", linestyle="--", linewidth=0.8)
    for grade, (low, high) in zip("ABC", ((0, cuts[0]), cuts, (cuts[1], 1.0))):
        ax.text(1.01, (low + high) / 2, grade, transform=ax.get_yaxis_transform(), va="center", fontsize=12)
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    _label(ax, title, xlabel, ylabel, x, y)
    return ax


def bubbles(data, x, y, size, label, x_cut=None, y_cut=None, log_x=False, invert_x=False, ax=None,
            quadrant_labels=None, title=None, xlabel=None, ylabel=None):  # fmt: skip
    """A bubble chart with optional cut lines and quadrant names (used for the BCG matrix).

    ``quadrant_labels`` = (top-left, top-right, bottom-left, bottom-right) as drawn.
    """
    ax = _axes(ax)
    sizes = data[size].astype(float).clip(lower=0)
    area = 2000 * sizes / sizes.max() if sizes.max() > 0 else 200
    ax.scatter(data[x], data[y], s=area, alpha=0.55, color=PALETTE[0], edgecolor="white")
    for _, row in data.iterrows():
        ax.annotate(str(row[label]), (row[x], row[y]), ha="center", va="center", fontsize=9)
    if log_x:
        ax.set_xscale("log")
    _cuts(ax, x_cut, y_cut)
    if invert_x:
        ax.invert_xaxis()
    _quadrant_labels(ax, quadrant_labels)
    _label(ax, title, xlabel, ylabel, x, y)
    return ax


def ie_matrix(cell: int, strategies, ax=None, title=None, xlabel=None, ylabel=None):
    """The 3 × 3 IE matrix (I top-left … IX bottom-right) with ``cell`` (1–9) highlighted.

    ``strategies`` maps cell number → text shown in the cell.
    """
    ax = _axes(ax)
    for number in range(1, 10):
        row, column = divmod(number - 1, 3)
        marked = number == cell
        ax.add_patch(plt.Rectangle((column, 2 - row), 1, 1, facecolor=PALETTE[1] if marked else "#f3f4f6",
                                   edgecolor="white", linewidth=2))  # fmt: skip
        roman = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX")[number - 1]
        ax.text(column + 0.5, 2 - row + 0.6, roman, ha="center", fontsize=15)
        ax.text(column + 0.5, 2 - row + 0.3, strategies[number], ha="center", fontsize=9)
    ax.set_xlim(0, 3)
    ax.set_ylim(0, 3)
    ax.set_xticks([0.5, 1.5, 2.5], ["3.0–4.0", "2.0–2.99", "1.0–1.99"])
    ax.set_yticks([2.5, 1.5, 0.5], ["3.0–4.0", "2.0–2.99", "1.0–1.99"])
    ax.grid(False)
    _label(ax, title, xlabel, ylabel, "IFE", "EFE")
    return ax


def biplot(data, ax=None, explained=None, title=None, xlabel=None, ylabel=None):
    """Brands as points and attributes as arrows, from ``market.positioning_map``."""
    ax = _axes(ax)
    brands = data[data["kind"] == "brand"]
    attributes = data[data["kind"] == "attribute"]
    reach = max(np.abs(brands[["x", "y"]].to_numpy()).max(), 1e-9)
    stretch = reach / max(np.abs(attributes[["x", "y"]].to_numpy()).max(), 1e-9)
    ax.scatter(brands["x"], brands["y"], s=80, color=PALETTE[0], zorder=3)
    for _, row in brands.iterrows():
        ax.annotate(row["name"], (row["x"], row["y"]), xytext=(6, 6), textcoords="offset points", fontsize=11)
    for _, row in attributes.iterrows():
        ax.annotate("", xy=(row["x"] * stretch, row["y"] * stretch), xytext=(0, 0),
                    arrowprops={"arrowstyle": "->", "color": PALETTE[1]})  # fmt: skip
        ax.text(row["x"] * stretch * 1.08, row["y"] * stretch * 1.08, row["name"], color=PALETTE[1], ha="center")
    ax.axhline(0, color="#bbb", linewidth=0.8)
    ax.axvline(0, color="#bbb", linewidth=0.8)
    limit = 1.3 * reach
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    if explained is not None:
        xlabel = f"{xlabel or 'PC1'} ({explained[0]:.0%})"
        ylabel = f"{ylabel or 'PC2'} ({explained[1]:.0%})"
    _label(ax, title, xlabel, ylabel, "PC1", "PC2")
    return ax


def parallel(data, columns, hue, ax=None, title=None, xlabel=None, ylabel=None, labels=None, legend=None):
    """One line per row across ``columns``, each column scaled to its largest value (cluster profiles).

    ``labels`` optionally renames the columns on the x axis; ``legend`` titles the legend.
    """
    ax = _axes(ax)
    scaled = data[list(columns)].astype(float)
    scaled = scaled / scaled.abs().max().replace(0, 1)
    for i, (_, row) in enumerate(scaled.iterrows()):
        ax.plot(range(len(columns)), row.to_numpy(), marker="o", color=PALETTE[i % len(PALETTE)],
                label=str(data[hue].iloc[i]))  # fmt: skip
    ax.set_xticks(range(len(columns)), [labels.get(c, c) for c in columns] if labels else list(columns))
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.legend(title=hue if legend is None else legend, frameon=False)
    _label(ax, title, xlabel, ylabel, "", "")
    return ax


def labelled_scatter(data, x, y, label, x_cut=None, y_cut=None, diagonal=False, quadrant_labels=None, ax=None,
                     title=None, xlabel=None, ylabel=None, hue=None, legend=None):  # fmt: skip
    """Points named by ``label`` with optional cut lines, the diagonal x = y and quadrant names.

    Used for importance–performance maps and the Kano Better/Worse chart. ``quadrant_labels`` =
    (top-left, top-right, bottom-left, bottom-right). With ``hue``, each value of that column gets
    a colour (in sorted order) and a legend titled ``legend``; empty labels are not written.
    """
    ax = _axes(ax)
    groups = [(None, data)] if hue is None else list(data.groupby(hue, sort=True))
    for position, (value, part) in enumerate(groups):
        ax.scatter(part[x], part[y], s=40, color=PALETTE[position % len(PALETTE)], zorder=3, label=value)
    if hue is not None:
        ax.legend(title=hue if legend is None else legend)
    for _, row in data.iterrows():
        if str(row[label]):
            ax.annotate(str(row[label]), (row[x], row[y]), xytext=(4, 3), textcoords="offset points", fontsize=8)
    _cuts(ax, x_cut, y_cut)
    if diagonal:
        low = min(data[x].min(), data[y].min())
        high = max(data[x].max(), data[y].max())
        ax.plot([low, high], [low, high], color=PALETTE[3], linewidth=0.8, linestyle=":")
    _quadrant_labels(ax, quadrant_labels)
    _label(ax, title, xlabel, ylabel, x, y)
    return ax


def slope(data, label, before, after, ax=None, title=None, xlabel=None, ylabel=None, highlight=None):
    """A slope chart: each row's value at ``before`` and ``after``; ``highlight`` rows drawn in colour."""
    ax = _axes(ax)
    marked = set(highlight or [])
    for _, row in data.iterrows():
        colour = PALETTE[1] if row[label] in marked else "#bbbbbb"
        ax.plot([0, 1], [row[before], row[after]], marker="o", color=colour, linewidth=1.5 if row[label] in marked else 0.8)
        if row[label] in marked:
            ax.text(1.03, row[after], str(row[label]), va="center", fontsize=9, color=colour)
    ax.set_xticks([0, 1], [before if xlabel is None else xlabel[0], after if xlabel is None else xlabel[1]])
    ax.set_xlim(-0.2, 1.6)
    ax.set_title(title or "")
    ax.set_ylabel(ylabel or "")
    return ax


def grade_grid(data, layout, levels, ax=None, title=None, xlabel=None, ylabel=None):
    """The A–F grid: future value rows (high on top) × current value columns (high on the left),
    each cell with its grade, customers and share of value.

    ``data`` has grade, customers, share_value; ``layout`` maps (future, current) → grade;
    ``levels`` maps high/medium/low to display names.
    """
    ax = _axes(ax)
    counts = data.set_index("grade")
    for row, future in enumerate(("high", "low")):
        for column, current in enumerate(("high", "medium", "low")):
            grade = layout[(future, current)]
            customers = int(counts["customers"].get(grade, 0))
            share = float(counts["share_value"].get(grade, 0.0))
            ax.add_patch(plt.Rectangle((column, 1 - row), 1, 1, facecolor=plt.cm.Blues(0.15 + 0.8 * share),
                                       edgecolor="white", linewidth=2))  # fmt: skip
            colour = "white" if share > 0.5 else "#222"
            ax.text(column + 0.5, 1 - row + 0.62, grade, ha="center", fontsize=18, color=colour)
            ax.text(column + 0.5, 1 - row + 0.3, f"{customers:,} · {share:.0%}", ha="center", fontsize=10, color=colour)
    ax.set_xlim(0, 3)
    ax.set_ylim(0, 2)
    ax.set_xticks([0.5, 1.5, 2.5], [levels["high"], levels["medium"], levels["low"]])
    ax.set_yticks([1.5, 0.5], [levels["high"], levels["low"]])
    ax.grid(False)
    _label(ax, title, xlabel, ylabel, "current", "future")
    return ax
