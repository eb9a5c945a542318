"""Messages of the exercise checkers, registered into ``custval.i18n`` (中文 and English).

Each problem code ``<code>`` has the sentence ``ex_problem_<code>``; it may use ``{row}`` (the
spreadsheet row), ``{column}`` (the header in the student's language) and the values the checker
passes. Sentences say what is wrong and what to do, in the student's words.
"""

from custval.i18n import TEXT

TEXT["zh"].update({
    "ex_problem_missing_column": "缺少列「{expected}」。请从模板复制表头,不要改动列名。",
    "ex_problem_empty": "表格是空的:表头下面还没有填写任何一行。",
    "ex_problem_required": "第 {row} 行的「{column}」没有填写。",
    "ex_problem_choice": "第 {row} 行的「{column}」填的是「{value}」,只能填 {choices} 之一。",
    "ex_problem_not_number": "第 {row} 行的「{column}」填的是「{value}」,不是数字。请只填数字,例如 0.15 或 15%。",
    "ex_problem_not_integer": "第 {row} 行的「{column}」填的是 {value},这里要填整数。",
    "ex_problem_out_of_range": "第 {row} 行的「{column}」填的是 {value},应在 {low} 到 {high} 之间。",
    "ex_problem_too_few_rows": "只填了 {rows} 行,至少需要 {minimum} 行。",
    "ex_problem_sum_not_one": "「{column}」一列合计为 {total},应为 1(允许相差 0.01)。请按比例调整。",
    "ex_problem_sum_not_one_group": "「{group}」中「{column}」合计为 {total},应为 1(允许相差 0.01)。",
    "ex_problem_duplicate": "「{column}」中的「{value}」出现了不止一次(第 {rows} 行),每个只能出现一次。",
    "ex_problem_choice_missing": "「{column}」一列中还没有「{value}」,至少要填一行。",
    "ex_problem_unreadable": "{detail}",
    "ex_err_no_answer": "在文件夹 {folder} 中找不到答案文件 {name}.xlsx 或 {name}.csv。请从 data/exercises/templates 复制模板并改名。",
    "ex_answer_file": "检查的文件:`{path}`",
    "ex_no_problems": "✅ 没有发现问题,可以继续看下面的分析。",
    "ex_some_problems": "❌ 发现 {errors} 个问题{warnings}。请在文件中改正后重新运行本单元格。",
    "ex_some_warnings": ",另有 {warnings} 条提醒",
    "ex_only_warnings": "⚠️ 没有错误,但有 {warnings} 条提醒,请看一看是否需要修改。",
    "ex_fix_first": "先改正上面的问题,分析才会显示在这里。",
    "col_severity": "类型", "col_row": "行", "col_message": "说明", "col_code": "代码",
    "severity_error": "错误", "severity_warning": "提醒",
    "ex_rule_choices": "填写:{choices}", "ex_rule_integer": "整数", "ex_rule_number": "数字",
    "ex_rule_range": "{kind},{low} 到 {high}", "ex_rule_required": "必填", "ex_rule_optional": "可选",
    "ex_rule_separator": ";",
})
TEXT["en"].update({
    "ex_problem_missing_column": "The column '{expected}' is missing. Copy the header row from the template and keep the column names.",
    "ex_problem_empty": "The table is empty: there is no row under the header yet.",
    "ex_problem_required": "Row {row}: '{column}' is empty.",
    "ex_problem_choice": "Row {row}: '{column}' says '{value}'; it must be one of {choices}.",
    "ex_problem_not_number": "Row {row}: '{column}' says '{value}', which is not a number. Write a number only, such as 0.15 or 15%.",
    "ex_problem_not_integer": "Row {row}: '{column}' says {value}; a whole number is needed here.",
    "ex_problem_out_of_range": "Row {row}: '{column}' is {value}; it must be between {low} and {high}.",
    "ex_problem_too_few_rows": "Only {rows} rows are filled in; at least {minimum} are needed.",
    "ex_problem_sum_not_one": "The column '{column}' adds up to {total}; it must add up to 1 (±0.01). Scale the values.",
    "ex_problem_sum_not_one_group": "In '{group}', '{column}' adds up to {total}; it must add up to 1 (±0.01).",
    "ex_problem_duplicate": "'{value}' appears more than once in '{column}' (rows {rows}); each may appear only once.",
    "ex_problem_choice_missing": "The column '{column}' has no row with '{value}' yet; add at least one.",
    "ex_problem_unreadable": "{detail}",
    "ex_err_no_answer": "No answer file {name}.xlsx or {name}.csv in the folder {folder}. Copy the template from data/exercises/templates and rename it.",
    "ex_answer_file": "File checked: `{path}`",
    "ex_no_problems": "✅ No problems found: read on for the analysis.",
    "ex_some_problems": "❌ {errors} problem(s) found{warnings}. Correct them in your file and run this cell again.",
    "ex_some_warnings": ", and {warnings} note(s)",
    "ex_only_warnings": "⚠️ No errors, but {warnings} note(s): see whether something should change.",
    "ex_fix_first": "Correct the problems above and the analysis will show here.",
    "col_severity": "kind", "col_row": "row", "col_message": "what to do", "col_code": "code",
    "severity_error": "error", "severity_warning": "note",
    "ex_rule_choices": "one of: {choices}", "ex_rule_integer": "a whole number", "ex_rule_number": "a number",
    "ex_rule_range": "{kind} from {low} to {high}", "ex_rule_required": "required", "ex_rule_optional": "optional",
    "ex_rule_separator": "; ",
})  # fmt: skip
