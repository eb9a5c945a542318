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
