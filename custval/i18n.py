"""Every user-facing label and sentence, in 中文 (default) and English.

Code looks text up by key with ``t(key, **values)``; the language is ``zh`` unless
``set_lang("en")`` (the CLI's ``--lang`` and the ``lang`` parameter) says otherwise.
"""

from __future__ import annotations

LANGS = ("zh", "en")
_current = {"lang": "zh"}

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        # errors: files
        "err_not_found": "找不到文件 {file}",
        "err_extension": "无法读取 {file}:不支持的文件类型 '{suffix}'。支持:{supported}",
        "err_empty": "文件 {file} 没有数据行(只有表头或完全为空)",
        "err_encoding": "无法识别 {file} 的编码(第 {position} 字节起既不是 UTF-8 也不是 GBK/GB18030)。请在配置中写明 encoding,例如 encoding: gb18030",
        "err_decode": "无法按 {encoding} 解码 {file}(第 {position} 字节)。请检查 encoding 设置,或删掉它让程序自动识别",
        "err_unknown_encoding": "{file}:未知的编码名称 '{encoding}'",
        "err_unreadable": "无法读取 {file}:{detail}",
        "err_sheet": "{file} 中没有名为 '{sheet}' 的工作表。现有工作表:{sheets}",
        # errors: columns
        "err_missing_column": "{file} 缺少{table}表的必需列 {column}(映射之后)。文件中的列:{found}。请在 custval.yml 的 columns: 中映射,例如 '{example}: {column}'",
        "err_duplicate_target": "{file}:列 {sources} 都被映射为 {column},只能保留一个",
        "err_ambiguous_alias": "{file}:列 {sources} 都可能是 {column},请在 columns: 中明确映射其中一个",
        "err_dates_ambiguous": "{file} 的列 {column} 中日期的日/月顺序无法判断,例如 {examples}。请在配置的该输入下写 dayfirst: true(日/月/年)或 dayfirst: false(月/日/年)",
        "err_dates_mixed": "{file} 的列 {column} 同时出现日/月/年和月/日/年两种写法,例如 {examples}。请统一日期格式",
        "err_no_rows": "{file}:{table}表的 {rows} 行全部被拒绝,没有可用的数据。主要原因:{reason},例如第 {lines} 行",
        "err_wide_survey": "{file}:宽格式问卷的列名应为 '<指标>:<维度>'(指标为 importance/performance/expectation 或 重要性/表现/期望),无法理解:{examples}",
        # errors: config
        "err_config_missing": "找不到配置文件 {file}",
        "err_config_yaml": "配置文件 {file} 不是有效的 YAML:{detail}",
        "err_config_type": "配置文件 {file} 中 {key} 应为{expected}",
        "err_config_key": "配置文件 {file} 中 {where} 有未知的键 {keys}。可用的键:{valid}",
        "err_config_no_path": "配置文件 {file} 中输入 {table} 没有 path",
        "err_config_no_transactions": "配置文件 {file} 没有配置 transactions(交易)输入,它是必需的",
        "err_config_column": "配置文件 {file} 的 columns: 中 '{source}' 被映射到未知的列 '{target}'。{table}表的列:{valid}",
        "err_config_column_any": "配置文件 {file} 的 columns: 中 '{source}' 被映射到未知的列 '{target}'(不是任何表的列)",
        "err_param_value": "参数 {key} 的值 {value!r} 无效:{detail}",
        # rejection reasons
        "reason_empty_row": "空行",
        "reason_missing_value": "必填值为空",
        "reason_bad_date": "无法识别的日期",
        "reason_bad_number": "无法识别的数字",
        "reason_out_of_range": "超出允许范围",
        "reason_bad_value": "无法识别的取值",
        # validate output
        "validate_title": "数据检查:{config}",
        "col_table": "表",
        "col_file": "文件",
        "col_encoding": "编码",
        "col_rows_read": "读取行数",
        "col_rows_used": "使用行数",
        "col_rows_rejected": "拒绝行数",
        "col_values_cleared": "清空的值",
        "col_reason": "原因",
        "col_column": "列",
        "col_rows": "行数",
        "col_examples": "示例(行号)",
        "validate_flags": "保留并标记:退货 {returns} 行,零金额 {zero} 行,重复订单行 {duplicates} 行",
        "validate_rejected_written": "被拒绝的行已写入 {path}",
        "validate_ok": "输入数据可用。",
        "error_prefix": "错误",
        "sample_written": "示例数据已写入 {out}:{files}",
    },
    "en": {
        "err_not_found": "File not found: {file}",
        "err_extension": "Cannot read {file}: unsupported file type '{suffix}'. Supported: {supported}",
        "err_empty": "File {file} has no data rows (only a header, or nothing at all)",
        "err_encoding": "Cannot detect the encoding of {file} (from byte {position} it is neither UTF-8 nor GBK/GB18030). Set encoding in the config, e.g. encoding: gb18030",
        "err_decode": "Cannot decode {file} as {encoding} (byte {position}). Check the encoding setting, or remove it to let custval detect the encoding",
        "err_unknown_encoding": "{file}: unknown encoding name '{encoding}'",
        "err_unreadable": "Cannot read {file}: {detail}",
        "err_sheet": "{file} has no sheet named '{sheet}'. Sheets: {sheets}",
        "err_missing_column": "{file} has no column '{column}', required for the {table} table (after mapping). Columns in the file: {found}. Map one under columns: in custval.yml, e.g. '{example}: {column}'",
        "err_duplicate_target": "{file}: columns {sources} are all mapped to {column}; keep only one",
        "err_ambiguous_alias": "{file}: columns {sources} could each be {column}; map one of them explicitly under columns:",
        "err_dates_ambiguous": "{file}, column {column}: the day/month order of the dates cannot be decided, e.g. {examples}. Add dayfirst: true (day/month/year) or dayfirst: false (month/day/year) to this input in the config",
        "err_dates_mixed": "{file}, column {column} mixes day/month/year and month/day/year dates, e.g. {examples}. Use one date format",
        "err_no_rows": "{file}: all {rows} rows of the {table} table were rejected; nothing is usable. Main reason: {reason}, e.g. line {lines}",
        "err_wide_survey": "{file}: wide survey columns must be named '<measure>:<dimension>' (measure importance/performance/expectation or 重要性/表现/期望); not understood: {examples}",
        "err_config_missing": "Configuration file not found: {file}",
        "err_config_yaml": "Configuration file {file} is not valid YAML: {detail}",
        "err_config_type": "In configuration file {file}, {key} must be {expected}",
        "err_config_key": "Configuration file {file}: unknown key(s) {keys} in {where}. Valid keys: {valid}",
        "err_config_no_path": "Configuration file {file}: input {table} has no path",
        "err_config_no_transactions": "Configuration file {file} configures no transactions input; it is required",
        "err_config_column": "Configuration file {file}: under columns:, '{source}' is mapped to unknown column '{target}'. Columns of the {table} table: {valid}",
        "err_config_column_any": "Configuration file {file}: under columns:, '{source}' is mapped to '{target}', which is not a column of any table",
        "err_param_value": "Parameter {key} has an invalid value {value!r}: {detail}",
        "reason_empty_row": "empty row",
        "reason_missing_value": "required value is empty",
        "reason_bad_date": "unrecognised date",
        "reason_bad_number": "unrecognised number",
        "reason_out_of_range": "out of the allowed range",
        "reason_bad_value": "unrecognised value",
        "validate_title": "Data check: {config}",
        "col_table": "table",
        "col_file": "file",
        "col_encoding": "encoding",
        "col_rows_read": "rows read",
        "col_rows_used": "rows used",
        "col_rows_rejected": "rows rejected",
        "col_values_cleared": "values cleared",
        "col_reason": "reason",
        "col_column": "column",
        "col_rows": "rows",
        "col_examples": "examples (line)",
        "validate_flags": "Kept and flagged: {returns} return lines, {zero} zero-amount lines, {duplicates} duplicated order lines",
        "validate_rejected_written": "Rejected rows written to {path}",
        "validate_ok": "The inputs are usable.",
        "error_prefix": "error",
        "sample_written": "Sample data written to {out}: {files}",
    },
}


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


def label(column: str, /, lang: str | None = None) -> str:
    """The display name of a column (``col_<column>``), or the column itself when none is defined."""
    return TEXT[lang or _current["lang"]].get(f"col_{column}", column)


# Column headers shown in report tables.
TEXT["zh"].update({
    "col_returns": "退货行", "col_zero_amounts": "零金额行", "col_duplicates": "重复行",
    "col_reason_text": "原因", "col_lines": "行号(前 5 个)", "col_month": "月份", "col_region": "地区",
    "col_product_category": "产品类别", "col_channel": "渠道", "col_salesperson_id": "销售人员",
    "col_customers": "客户数", "col_amount": "金额", "col_share_lines": "行数占比", "col_share_amount": "金额占比",
    "col_measure": "指标", "col_count": "数量", "col_mean": "均值", "col_std": "标准差", "col_min": "最小值",
    "col_p25": "25% 分位", "col_median": "中位数", "col_p75": "75% 分位", "col_p90": "90% 分位",
    "col_p99": "99% 分位", "col_max": "最大值", "col_kind": "类型", "col_customer_id": "客户编号",
    "col_order_id": "订单号", "col_order_date": "下单日期", "col_detail": "说明值", "col_parameter": "参数",
    "col_value": "取值", "col_frequency": "重复购买次数", "col_recency": "首末购买间隔", "col_T": "观察期长度",
    "col_monetary": "平均复购金额", "col_n_orders": "订单数", "col_revenue": "收入",
    "col_line": "行号",
})
TEXT["en"].update({
    "col_returns": "return lines", "col_zero_amounts": "zero-amount lines", "col_duplicates": "duplicated lines",
    "col_reason_text": "reason", "col_lines": "lines (first 5)", "col_month": "month", "col_region": "region",
    "col_product_category": "product category", "col_channel": "channel", "col_salesperson_id": "salesperson",
    "col_customers": "customers", "col_amount": "amount", "col_share_lines": "share of lines",
    "col_share_amount": "share of amount", "col_measure": "measure", "col_count": "count", "col_mean": "mean",
    "col_std": "std. dev.", "col_min": "min", "col_p25": "25th pct.", "col_median": "median",
    "col_p75": "75th pct.", "col_p90": "90th pct.", "col_p99": "99th pct.", "col_max": "max", "col_kind": "kind",
    "col_customer_id": "customer id", "col_order_id": "order id", "col_order_date": "order date",
    "col_detail": "detail", "col_parameter": "parameter", "col_value": "value",
    "col_frequency": "repeat purchases", "col_recency": "first-to-last purchase", "col_T": "time observed",
    "col_monetary": "mean repeat value", "col_n_orders": "orders", "col_revenue": "revenue",
    "col_line": "line",
})

# The report runner and the run's index page.
TEXT["zh"].update({
    "report_start": "[{position}/{total}] 运行 {name} …",
    "report_done": "{name}:{status}({seconds} 秒)",
    "report_finished": "报告已生成:{index}",
    "report_failed": "{failed} 个笔记本失败,详见 {index}",
    "status_ok": "成功", "status_failed": "失败", "status_timeout": "超时", "status_dead": "内核崩溃",
    "error_timeout": "单元格运行超过 {seconds} 秒,已中断(可用 --timeout 调整)",
    "error_dead_kernel": "内核意外退出(常见原因:内存不足){detail}",
    "error_cell_banner": "本报告在下面的单元格出错并停止:",
    "err_notebooks_folder": "找不到笔记本目录 {folder}(配置文件 {file} 的 notebooks:)",
    "err_only": "--only 中的笔记本 {names} 不存在。可选:{valid}",
    "err_no_notebooks": "目录 {folder} 中没有笔记本(.ipynb)",
    "err_no_parameters_cell": "笔记本 {notebook} 没有标记为 parameters 的单元格,参数无法生效",
    "err_parameters_missing": "笔记本 {notebook} 的 parameters 单元格没有声明参数 {names}",
    "err_run_name": "运行名称 '{name}' 无效:只能使用字母、数字、点、下划线和连字符,且不能是 latest",
    "err_run_exists": "运行目录 {folder} 已存在,请换一个 --name",
    "err_param_syntax": "参数应写成 key=value,收到:'{text}'",
    "index_title": "客户价值分析报告", "index_run": "运行", "index_started": "开始时间", "index_duration": "用时",
    "index_notebooks": "报告", "index_notebook": "报告", "index_status": "状态", "index_error": "错误",
    "index_files": "文件", "index_failing_cell": "出错的单元格", "index_parameters": "参数",
    "index_inputs": "输入数据", "index_table": "表", "index_file": "文件", "index_rows_read": "读取行数",
    "index_rows_used": "使用行数", "index_rows_rejected": "拒绝行数", "index_bytes": "字节",
    "index_outputs": "输出文件",
    "index_all_ok": "全部 {total} 个报告运行成功。",
    "index_some_failed": "{total} 个报告中有 {failed} 个失败,其余报告仍可查看。",
})
TEXT["en"].update({
    "report_start": "[{position}/{total}] running {name} …",
    "report_done": "{name}: {status} ({seconds} s)",
    "report_finished": "Report written: {index}",
    "report_failed": "{failed} notebook(s) failed, see {index}",
    "status_ok": "ok", "status_failed": "failed", "status_timeout": "timed out", "status_dead": "kernel died",
    "error_timeout": "a cell ran longer than {seconds} s and was interrupted (see --timeout)",
    "error_dead_kernel": "the kernel stopped unexpectedly (often: out of memory) {detail}",
    "error_cell_banner": "This report stopped with an error in the cell below:",
    "err_notebooks_folder": "Notebook folder {folder} not found (notebooks: in {file})",
    "err_only": "--only names notebooks that do not exist: {names}. Available: {valid}",
    "err_no_notebooks": "No notebooks (.ipynb) in {folder}",
    "err_no_parameters_cell": "Notebook {notebook} has no cell tagged 'parameters'; parameters could not take effect",
    "err_parameters_missing": "The parameters cell of notebook {notebook} does not declare {names}",
    "err_run_name": "Invalid run name '{name}': use letters, digits, dots, underscores and hyphens, not 'latest'",
    "err_run_exists": "Run folder {folder} exists already; choose another --name",
    "err_param_syntax": "Parameters are written key=value, got '{text}'",
    "index_title": "Customer value report", "index_run": "run", "index_started": "started",
    "index_duration": "duration", "index_notebooks": "Reports", "index_notebook": "report", "index_status": "status",
    "index_error": "error", "index_files": "files", "index_failing_cell": "failing cell",
    "index_parameters": "Parameters", "index_inputs": "Input data", "index_table": "table", "index_file": "file",
    "index_rows_read": "rows read", "index_rows_used": "rows used", "index_rows_rejected": "rows rejected",
    "index_bytes": "bytes", "index_outputs": "Output files",
    "index_all_ok": "All {total} reports ran successfully.",
    "index_some_failed": "{failed} of {total} reports failed; the others can still be read.",
})

# Notebook 00_data_quality.
TEXT["zh"].update({
    "dq_title": "# 数据质量检查\n\n本报告说明读入了哪些数据、哪些行未被使用及原因、数据覆盖的时间、地区和产品,以及需要留意的异常。",
    "dq_parameters": "## 运行参数",
    "dq_inputs": "## 读入的数据\n\n每个输入文件的每一行要么被使用,要么被拒绝并记录原因:读取行数 = 使用行数 + 拒绝行数。退货、零金额和重复订单行保留并标记。",
    "dq_rejected": "## 未使用的行\n\n共 {rows} 行未被使用,逐行明细见运行目录中的 `rejected_rows.csv`。",
    "dq_rejected_none": "## 未使用的行\n\n所有行都被使用。",
    "dq_coverage": "## 数据覆盖\n\n交易行、客户数和金额按月份、地区和产品类别的分布。",
    "dq_missing_column": "交易数据中没有 {column} 列,跳过这一部分。",
    "dq_summary": "## 客户汇总\n\n由交易得到的客户汇总表({customers:,} 位客户,截至 {as_of})的分布。同一天的多笔订单合并为一次购买;重复购买次数 = 购买次数 − 1。",
    "dq_anomalies": "## 需要留意的异常\n\n晚于 {day} 的订单日期、金额极端的订单行(对数金额偏离中位数超过 {z:g} 个稳健标准差)、退货金额超过购买金额的客户。这些行只报告,不删除。",
    "dq_anomalies_none": "没有发现异常。",
    "chart_month_amount": "每月交易金额", "chart_region_amount": "各地区交易金额",
    "chart_product_category_amount": "各产品类别交易金额", "chart_frequency": "重复购买次数分布",
    "chart_monetary": "平均复购金额分布(有复购的客户)", "axis_customers": "客户数",
    "kind_future_date": "未来日期", "kind_extreme_amount": "金额极端",
    "kind_returns_exceed_purchases": "退货超过购买",
})
TEXT["en"].update({
    "dq_title": "# Data quality\n\nWhat was read, which rows were not used and why, which months, regions and products the data cover, and what looks odd.",
    "dq_parameters": "## Parameters of this run",
    "dq_inputs": "## Data read\n\nEvery row of every input is either used or rejected with a reason: rows read = rows used + rows rejected. Returns, zero amounts and duplicated order lines are kept and flagged.",
    "dq_rejected": "## Rows not used\n\n{rows} rows were not used; `rejected_rows.csv` in the run folder lists each with its reason.",
    "dq_rejected_none": "## Rows not used\n\nEvery row was used.",
    "dq_coverage": "## Coverage\n\nTransaction lines, customers and amount by month, region and product category.",
    "dq_missing_column": "The transactions have no {column} column; this part is skipped.",
    "dq_summary": "## Customer summary\n\nDistributions of the customer summary built from the transactions ({customers:,} customers, as of {as_of}). Orders on the same day are one purchase; repeat purchases = purchases − 1.",
    "dq_anomalies": "## Anomalies worth a look\n\nOrder dates after {day}, extreme line amounts (log amount more than {z:g} robust standard deviations from the median), customers whose returns exceed their purchases. They are reported, not removed.",
    "dq_anomalies_none": "No anomalies found.",
    "chart_month_amount": "Amount per month", "chart_region_amount": "Amount by region",
    "chart_product_category_amount": "Amount by product category", "chart_frequency": "Repeat purchases",
    "chart_monetary": "Mean repeat value (customers with repeat purchases)", "axis_customers": "customers",
    "kind_future_date": "future date", "kind_extreme_amount": "extreme amount",
    "kind_returns_exceed_purchases": "returns exceed purchases",
})
