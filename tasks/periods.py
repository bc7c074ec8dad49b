"""Reporting periods of a plan: monthly or quarterly, each due by the plan's report day."""
import datetime

from .choices import Cadence


def period_start(day: datetime.date, cadence: str) -> datetime.date:
    if cadence == Cadence.QUARTERLY:
        return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day.replace(day=1)


def period_due(start: datetime.date, cadence: str, report_day: int) -> datetime.date:
    """The day reports for the period starting on `start` are due (in the period's last month)."""
    month = start.month + (2 if cadence == Cadence.QUARTERLY else 0)
    return datetime.date(start.year, month, report_day)


def period_label(start: datetime.date, cadence: str) -> str:
    if cadence == Cadence.QUARTERLY:
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年{start.month}月"
