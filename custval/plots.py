"""Charts in one look, called like seaborn: ``f(data, *, x, y, hue, …, ax, title, xlabel, ylabel)``.

Every chart takes a table as ``data`` and its column names as keyword arguments, draws on ``ax`` (a
new figure when None) and returns the Axes. Charts draw what they are given and aggregate nothing:
the caller passes one row per bar, cell, line or step, and a table that repeats one raises
ValueError naming the columns (sum or average in a tested analysis function instead). ``hist``
alone takes raw values, since binning them is what a histogram shows; ``heatmap`` and
``stacked_bar`` reshape their long table to wide to draw it, and leave out rows whose key is
missing, as seaborn does. ``theme()`` sets the seaborn style and a font list of DejaVu Sans (Latin
letters, digits, the minus sign) followed by the CJK family from ``custval.fonts``; matplotlib
falls back glyph by glyph along ``font.family``, so mixed text needs no special handling.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
import seaborn as sns

from custval.fonts import cjk_font

PALETTE = ["#2f6f9f", "#e07b39", "#3a9e6f", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]
FIGSIZE = (8.0, 4.2)
IE_LEVELS = ["3.0–4.0", "2.0–2.99", "1.0–1.99"]
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX")


def theme(lang: str | None = None) -> str:
    """Apply the custval look to matplotlib and seaborn; returns the CJK family in use.

    ``lang`` is accepted for symmetry with the notebooks' parameters: data values are often Chinese
    in either language, so the CJK font is set for both.
    """
    family = cjk_font()
    sns.set_theme(style="whitegrid", palette=PALETTE, rc={"figure.figsize": FIGSIZE})
    # After set_theme, which would otherwise reset the font list to its own.
    plt.rcParams["font.family"] = ["DejaVu Sans", family] if family else ["DejaVu Sans"]
    plt.rcParams.update(
        {
            "axes.unicode_minus": True,  # DejaVu Sans has U+2212 and comes first
            "axes.titlesize": 14,
            "axes.titleweight": "normal",  # the CJK fallback may have no bold face
            "axes.labelsize": 11,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "legend.fontsize": 10,
            "figure.dpi": 100,
            "savefig.dpi": 110,
            "savefig.bbox": "tight",
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return family


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE)
    return ax


def _label(ax, title, xlabel, ylabel, x, y):
    ax.set_title(title or "")
    ax.set_xlabel((x or "") if xlabel is None else xlabel)
    ax.set_ylabel((y or "") if ylabel is None else ylabel)


def _one_row_per(data, keys, chart: str) -> None:
    """Raise when two rows of ``data`` would be drawn as one cell: plots draw, callers aggregate."""
    keys = [k for k in keys if k is not None]
    repeated = data[data.duplicated(keys, keep=False)]
    if len(repeated):
        examples = list(dict.fromkeys(repeated[keys].itertuples(index=False, name=None)))[:3]
        shown = ", ".join(str(e[0] if len(keys) == 1 else e) for e in examples)
        raise ValueError(
            f"plots.{chart} draws one row per ({', '.join(keys)}), but {len(repeated)} rows repeat one, e.g. "
            f"{shown}; aggregate them before plotting"
        )


def _wide(data, index, columns, values):
    """A long table (one row per cell) as a grid sorted both ways; rows with a missing key are left out."""
    if columns is None:
        grid = data.dropna(subset=[index]).set_index(index)[[values]]
    else:
        grid = data.dropna(subset=[index, columns]).pivot(index=index, columns=columns, values=values)
    return grid.sort_index().sort_index(axis=1)


def _cuts(ax, x_cut, y_cut) -> None:
    """Dashed lines at the quadrant cut-offs that are given."""
    if x_cut is not None:
        ax.axvline(x_cut, color="#888", linestyle="--", linewidth=0.8)
    if y_cut is not None:
        ax.axhline(y_cut, color="#888", linestyle="--", linewidth=0.8)


def _quadrant_labels(ax, labels) -> None:
    """Names in the corners: (top-left, top-right, bottom-left, bottom-right) as drawn."""
    for text, (px, py) in zip(labels or (), ((0.02, 0.98), (0.98, 0.98), (0.02, 0.02), (0.98, 0.02))):
        side, height = "left" if px < 0.5 else "right", "top" if py > 0.5 else "bottom"
        ax.text(px, py, text, transform=ax.transAxes, ha=side, va=height, color="#555")


def _thousands(axis) -> None:
    axis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}"))


def _legend_title(ax, hue, legend) -> None:
    if hue is not None and ax.get_legend() is not None:
        ax.get_legend().set_title(hue if legend is None else legend)


def bar(
    data,
    *,
    x,
    y,
    hue=None,
    hue_order=None,
    horizontal=False,
    percent=False,
    reference=None,
    legend=None,
    ax=None,
    title=None,
    xlabel=None,
    ylabel=None,
):
    """Bars of ``y`` per value of ``x`` (categories in the order they appear in ``data``), one row per bar.

    ``legend`` is the legend's title when ``hue`` is given (default: the hue column's name);
    ``hue_order`` fixes the colours' order, so several charts can give a group the same colour.
    ``percent`` shows the value axis as percentages of 1; ``reference`` draws a dashed line at
    that value (e.g. 1.0 for full capacity). ``horizontal`` puts the ``x`` categories down the side;
    ``xlabel`` and ``ylabel`` still name the ``x`` and ``y`` columns wherever they are drawn.
    """
    _one_row_per(data, [x, hue], "bar")
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
    _legend_title(ax, hue, legend)
    return ax


def line(data, *, x, y, hue=None, marker="o", legend=None, ax=None, title=None, xlabel=None, ylabel=None):
    """A line of ``y`` over ``x`` (dates, numbers or period labels), one per ``hue`` value, one row per point."""
    _one_row_per(data, [x, hue], "line")
    ax = _axes(ax)
    sns.lineplot(data=data, x=x, y=y, hue=hue, ax=ax, marker=marker, estimator=None, sort=False)
    _label(ax, title, xlabel, ylabel, x, y)
    _thousands(ax.yaxis)
    _legend_title(ax, hue, legend)
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


def hist(data, *, x, bins=30, log=False, ax=None, title=None, xlabel=None, ylabel=None):
    """A histogram of the raw values ``x``; ``log`` puts the counts on a log scale for long-tailed measures."""
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


def heatmap(
    data,
    *,
    x,
    y,
    value,
    fmt=".0%",
    annotate=True,
    ax=None,
    title=None,
    xlabel=None,
    ylabel=None,
):
    """A ``y`` × ``x`` grid coloured (and annotated unless ``annotate=False``) by ``value``, one row per cell.

    Cells without a row stay blank (a grid with no value at all draws blank, without numpy's all-NaN warning).
    """
    _one_row_per(data, [y, x], "heatmap")
    ax = _axes(ax)
    grid = _wide(data, y, x, value)
    limits = {"vmin": 0.0, "vmax": 1.0} if grid.isna().all().all() else {}
    ticks = {"xticklabels": max(1, grid.shape[1] // 8), "yticklabels": max(1, grid.shape[0] // 10)}
    style = {"linewidths": 0.5, "xticklabels": True, "yticklabels": True} if annotate else {"linewidths": 0, **ticks}
    sns.heatmap(grid, **limits, annot=annotate, fmt=fmt, cmap="Blues", cbar=not annotate, ax=ax, **style)
    _label(ax, title, xlabel, ylabel, x, y)
    ax.tick_params(axis="x", rotation=0)
    return ax


def stacked_bar(data, *, x, y, hue=None, ax=None, title=None, xlabel=None, ylabel=None):
    """Bars of ``y`` per ``x`` stacked by ``hue`` (e.g. sales per period by region), one row per part."""
    _one_row_per(data, [x, hue], "stacked_bar")
    grid = _wide(data, x, hue, y).fillna(0)
    legend = {"title": "" if hue is None else None, "bbox_to_anchor": (1.01, 1), "loc": "upper left"}
    return _stacked(grid, _axes(ax), title, xlabel, ylabel, x, y, rotation=45, legend=legend)


def stacked_columns(data, *, x, columns, labels=None, ax=None, title=None, xlabel=None, ylabel=None):
    """Bars per ``x`` made of the ``columns`` of a wide table stacked (e.g. value covered and not
    covered per grade), one row per bar; ``labels`` name the parts in the legend (default: the column names)."""
    _one_row_per(data, [x], "stacked_columns")
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


def waterfall(data, *, x, y, total_label="Σ", ax=None, title=None, xlabel=None, ylabel=None):
    """Each ``x``'s change ``y`` (one row per step) as a floating bar from the running total, then the total."""
    _one_row_per(data, [x], "waterfall")
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


def pareto(data, *, x="cum_items", y="cum_share", cuts=(0.8, 0.95), ax=None, title=None, xlabel=None, ylabel=None):
    """The Pareto curve (cumulative value share ``y`` over cumulative item share ``x``) with ABC bands."""
    ax = _axes(ax)
    xs = np.concatenate([[0.0], data[x].to_numpy(float)])
    ys = np.concatenate([[0.0], data[y].to_numpy(float)])
    bands = ((0, cuts[0]), cuts, (cuts[1], 1.0))
    for (low, high), colour in zip(bands, PALETTE[:3]):
        ax.axhspan(low, high, color=colour, alpha=0.08)
    ax.plot(xs, ys, color=PALETTE[0], marker="o" if len(data) <= 40 else None, markersize=3)
    for share in cuts:
        ax.axhline(share, color="#888", linestyle="--", linewidth=0.8)
    for grade, (low, high) in zip("ABC", bands):
        ax.text(1.01, (low + high) / 2, grade, transform=ax.get_yaxis_transform(), va="center", fontsize=12)
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    _label(ax, title, xlabel, ylabel, x, y)
    return ax


def bubbles(
    data,
    *,
    x,
    y,
    size,
    label,
    x_cut=None,
    y_cut=None,
    log_x=False,
    invert_x=False,
    quadrant_labels=None,
    ax=None,
    title=None,
    xlabel=None,
    ylabel=None,
):
    """A bubble per row sized by ``size`` and named by ``label``, with optional cut lines and quadrant
    names (the BCG matrix); ``quadrant_labels`` = (top-left, top-right, bottom-left, bottom-right) as drawn."""
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


def ie_matrix(data, *, cell="cell", label="strategy", highlight=None, ax=None, title=None, xlabel=None, ylabel=None):
    """The 3 × 3 IE matrix (I top-left … IX bottom-right): each row writes ``label`` in its ``cell`` (1–9),
    one row per cell; the ``highlight`` cell is coloured."""
    _one_row_per(data, [cell], "ie_matrix")
    outside = sorted(set(data[cell]) - set(range(1, 10)), key=str)
    if outside:
        raise ValueError(f"plots.ie_matrix: column {cell!r} must hold cell numbers 1–9, got {outside[:5]}")
    texts = dict(zip(data[cell], data[label]))
    ax = _axes(ax)
    for number in range(1, 10):
        row, column = divmod(number - 1, 3)
        colour = PALETTE[1] if number == highlight else "#f3f4f6"
        ax.add_patch(plt.Rectangle((column, 2 - row), 1, 1, facecolor=colour, edgecolor="white", linewidth=2))
        ax.text(column + 0.5, 2 - row + 0.6, ROMAN[number - 1], ha="center", fontsize=15)
        ax.text(column + 0.5, 2 - row + 0.3, str(texts.get(number, "")), ha="center", fontsize=9)
    ax.set_xlim(0, 3)
    ax.set_ylim(0, 3)
    ax.set_xticks([0.5, 1.5, 2.5], IE_LEVELS)
    ax.set_yticks([2.5, 1.5, 0.5], IE_LEVELS)
    ax.grid(False)
    _label(ax, title, xlabel, ylabel, "IFE", "EFE")
    return ax


def biplot(data, *, explained=None, ax=None, title=None, xlabel=None, ylabel=None):
    """Brands as points and attributes as arrows, from ``market.positioning_map`` (columns kind, name, x, y).

    ``explained`` (the two components' shares of variance) is appended to the axis labels.
    """
    ax = _axes(ax)
    brands = data[data["kind"] == "brand"]
    attributes = data[data["kind"] == "attribute"]
    reach = max(np.abs(brands[["x", "y"]].to_numpy()).max(), 1e-9)
    stretch = reach / max(np.abs(attributes[["x", "y"]].to_numpy()).max(), 1e-9)
    ax.scatter(brands["x"], brands["y"], s=80, color=PALETTE[0], zorder=3)
    for _, row in brands.iterrows():
        ax.annotate(row["name"], (row["x"], row["y"]), xytext=(6, 6), textcoords="offset points", fontsize=11)
    arrow = {"arrowstyle": "->", "color": PALETTE[1]}
    for _, row in attributes.iterrows():
        ax.annotate("", xy=(row["x"] * stretch, row["y"] * stretch), xytext=(0, 0), arrowprops=arrow)
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


def parallel(data, *, hue, columns, labels=None, legend=None, ax=None, title=None, xlabel=None, ylabel=None):
    """One line per row (one row per ``hue`` value) across ``columns``, each column scaled to its largest
    value (cluster profiles); ``labels`` optionally renames the columns on the x axis, ``legend`` titles the legend."""
    _one_row_per(data, [hue], "parallel")
    ax = _axes(ax)
    scaled = data[list(columns)].astype(float)
    scaled = scaled / scaled.abs().max().replace(0, 1)
    for i, (_, row) in enumerate(scaled.iterrows()):
        name = str(data[hue].iloc[i])
        ax.plot(range(len(columns)), row.to_numpy(), marker="o", color=PALETTE[i % len(PALETTE)], label=name)
    ax.set_xticks(range(len(columns)), [labels.get(c, c) for c in columns] if labels else list(columns))
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.legend(title=hue if legend is None else legend, frameon=False)
    _label(ax, title, xlabel, ylabel, "", "")
    return ax


def labelled_scatter(
    data,
    *,
    x,
    y,
    hue=None,
    label,
    x_cut=None,
    y_cut=None,
    diagonal=False,
    quadrant_labels=None,
    legend=None,
    ax=None,
    title=None,
    xlabel=None,
    ylabel=None,
):
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


def slope(
    data,
    *,
    label,
    before,
    after,
    before_label=None,
    after_label=None,
    highlight=None,
    ax=None,
    title=None,
    xlabel=None,
    ylabel=None,
):
    """A slope chart: each row's (one row per ``label``) value at ``before`` and at ``after``.

    ``before_label`` and ``after_label`` name the two ends on the x axis (default: the column names);
    ``highlight`` rows are drawn in colour and named at the right.
    """
    _one_row_per(data, [label], "slope")
    ax = _axes(ax)
    marked = set(highlight or [])
    for _, row in data.iterrows():
        colour, width = (PALETTE[1], 1.5) if row[label] in marked else ("#bbbbbb", 0.8)
        ax.plot([0, 1], [row[before], row[after]], marker="o", color=colour, linewidth=width)
        if row[label] in marked:
            ax.text(1.03, row[after], str(row[label]), va="center", fontsize=9, color=colour)
    ends = [before if before_label is None else before_label, after if after_label is None else after_label]
    ax.set_xticks([0, 1], ends)
    ax.set_xlim(-0.2, 1.6)
    _label(ax, title, xlabel, ylabel, "", "")
    return ax


def grade_grid(data, *, layout, levels, ax=None, title=None, xlabel=None, ylabel=None):
    """The A–F grid: future value rows (high on top) × current value columns (high on the left),
    each cell with its grade, customers and share of value.

    ``data`` has one row per grade with columns grade, customers, share_value (``grading.grade_table``);
    ``layout`` maps (future, current) → grade; ``levels`` maps high/medium/low to display names.
    """
    _one_row_per(data, ["grade"], "grade_grid")
    ax = _axes(ax)
    counts = data.set_index("grade")
    for row, future in enumerate(("high", "low")):
        for column, current in enumerate(("high", "medium", "low")):
            grade = layout[(future, current)]
            customers = int(counts["customers"].get(grade, 0))
            share = float(counts["share_value"].get(grade, 0.0))
            face = plt.cm.Blues(0.15 + 0.8 * share)
            ax.add_patch(plt.Rectangle((column, 1 - row), 1, 1, facecolor=face, edgecolor="white", linewidth=2))
            colour = "white" if share > 0.5 else "#222"
            ax.text(column + 0.5, 1 - row + 0.62, grade, ha="center", fontsize=18, color=colour)
            text = f"{customers:,} · {share:.0%}"
            ax.text(column + 0.5, 1 - row + 0.3, text, ha="center", fontsize=10, color=colour)
    ax.set_xlim(0, 3)
    ax.set_ylim(0, 2)
    ax.set_xticks([0.5, 1.5, 2.5], [levels["high"], levels["medium"], levels["low"]])
    ax.set_yticks([1.5, 0.5], [levels["high"], levels["low"]])
    ax.grid(False)
    _label(ax, title, xlabel, ylabel, "current", "future")
    return ax
