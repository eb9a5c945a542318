"""Shared pytest settings."""

# Fixture notebooks fail or hang on purpose; they are run by test_report.py, not collected by nbval.
collect_ignore_glob = ["fixtures/*"]
