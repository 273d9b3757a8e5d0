"""Reads for the reports, one module per page: `document` (one session's report and its
downloads), `history`, `trends`, `reviewers` (profiles), `criteria` (criterion health), and
`access` (who sees which report)."""

from .access import ReportAccess
from .document import REPORT_CSV_COLUMNS, report_csv_rows, session_report_document

__all__ = ["REPORT_CSV_COLUMNS", "ReportAccess", "report_csv_rows", "session_report_document"]
