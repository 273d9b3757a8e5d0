"""Sums over a date range from the period rollups, exactly.

Whole weeks or months inside the range are read from the rollup tables (`PatternRollup`,
`CriterionRollup`, `ReviewerRollup`: a few thousand rows for five years); the days at either
edge that do not fill a period are read from the per-session rows they sum. Both are grouped by
the database and added here, so a page costs two queries per table whatever the number of
sessions, and its figures are those of the session rows.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q
from django.db.models.functions import TruncMonth, TruncQuarter, TruncWeek

from sessions.models import RollupPeriod
from sessions.services.summaries import next_period_start, period_start

TRUNC = {"week": TruncWeek, "month": TruncMonth, "quarter": TruncQuarter}


def base_period(period: str | None) -> str:
    """The rollup a period is made of: weeks of weeks, months of months and quarters."""
    return RollupPeriod.WEEK if period == "week" else RollupPeriod.MONTH


def split_range(date_from: date | None, date_to: date | None, base: str):
    """((first, last) period starts read whole from the rollup, or None for none), and the
    [(from, to)] day ranges at the edges read from the session rows."""
    first = None
    if date_from is not None:
        first = period_start(date_from, base)
        if first != date_from:
            first = next_period_start(first, base)
    last = None
    if date_to is not None:
        last = period_start(date_to, base)
        if next_period_start(last, base) - timedelta(days=1) != date_to:
            last = period_start(last - timedelta(days=1), base)
    if first is not None and last is not None and first > last:
        return None, [(date_from, date_to)]
    edges = []
    if date_from is not None and first > date_from:
        edges.append((date_from, first - timedelta(days=1)))
    if date_to is not None:
        after = next_period_start(last, base)
        if after <= date_to:
            edges.append((after, date_to))
    return (first, last), edges


def combined(
    *,
    rollups,
    rows,
    period: str | None,
    date_from=None,
    date_to=None,
    keys: list[str],
    sums: dict,
    row_sums: dict | None = None,
) -> list[dict]:
    """``sums`` (name -> aggregate) grouped by ``keys`` (and by ``period`` when given, as the
    key "period"), over [date_from, date_to]: whole periods from ``rollups`` (a queryset of a
    rollup table, already filtered to the team, and to one period kind when it has them), the
    edges from ``rows`` (the session table it sums, already filtered alike) with ``row_sums``
    (the same names; ``sums`` if left out)."""
    base = base_period(period)
    whole, edges = split_range(date_from, date_to, base)
    fields = [*keys, "period"] if period else list(keys)
    results: dict[tuple, dict] = {}

    def add(queryset, aggregates):
        for row in queryset.values(*fields).annotate(**aggregates).order_by():
            key = tuple(row[name] for name in fields)
            entry = results.get(key)
            if entry is None:
                results[key] = row
            else:
                for name in sums:
                    entry[name] = (entry[name] or 0) + (row[name] or 0)

    if whole is not None:
        part = rollups
        first, last = whole
        if first is not None:
            part = part.filter(start__gte=first)
        if last is not None:
            part = part.filter(start__lte=last)
        if period:
            part = part.annotate(period=TRUNC[period]("start"))
        add(part, sums)
    if edges:
        days = Q()
        for low, high in edges:
            days |= Q(held_on_date__gte=low, held_on_date__lte=high)
        part = rows.filter(days)
        if period:
            part = part.annotate(period=TRUNC[period]("held_on_date"))
        add(part, row_sums or sums)
    return list(results.values())
