"""Tables as notebooks show them: translated headers, readable numbers, escaped text.

Every value and header is HTML-escaped, so text that came from a customer's file (a name such as
``<script>…</script>``) shows as text in JupyterLab and in the rendered report.
"""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from custval.i18n import label, t

MAX_ROWS = 200


def table(data: pd.DataFrame, max_rows: int = MAX_ROWS, percent=(), lang: str | None = None) -> Styler:
    """A styled, escaped view of ``data`` with headers in the report language and no index.

    Integers get thousands separators (years, ``year`` or ``…_year``, none), other numbers two
    decimals, columns in ``percent`` are shown as percentages, true/false as 是/否 (yes/no); at most
    ``max_rows`` rows are shown (the data itself is not changed).
    """
    shown = data.head(max_rows).reset_index(drop=True)
    formats = {}
    for column in shown.columns:
        dtype = shown[column].dtype
        if column in percent:
            formats[column] = "{:.1%}"
        elif pd.api.types.is_integer_dtype(dtype) and str(column).split("_")[-1] == "year":
            formats[column] = "{}"
        elif pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            formats[column] = "{:,}"
        elif pd.api.types.is_float_dtype(dtype):
            formats[column] = "{:,.2f}"
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            formats[column] = lambda v: "" if pd.isna(v) else v.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(dtype):
            formats[column] = lambda v, lang=lang: "" if pd.isna(v) else t("yes" if v else "no", lang=lang)
    shown = shown.set_axis([label(str(c), lang=lang) for c in shown.columns], axis=1)
    formats = {label(str(c), lang=lang): f for c, f in formats.items()}
    styler = shown.style.format(formats, escape="html", na_rep="")
    return styler.format_index(escape="html", axis=1).hide(axis="index")
