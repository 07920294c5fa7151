"""Counting rows of lists that run over the whole archive, at a cost that does not grow with it.

Used by the desk's lists and its dashboard.
"""

import json

from django.db import connections

# Up to this many rows a list is counted exactly; past it, nobody needs the figure to the unit.
EXACT_COUNT_LIMIT = 10_000


def planner_estimate(queryset):
    """How many rows PostgreSQL's planner expects the queryset to return (from its statistics), or None."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def capped_counts(querysets, limit):
    """How many rows each queryset holds, counting no further than limit + 1, in one query.

    A count stops after limit + 1 index entries, so its cost does not grow with the table.
    """
    db = querysets[0].db
    selects, params = [], []
    for i, queryset in enumerate(querysets):
        sql, sql_params = queryset.order_by().values("pk")[: limit + 1].query.get_compiler(db).as_sql()
        # Django compiled the subquery; its values travel as parameters.
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted_{i})")  # noqa: S608
        params.extend(sql_params)
    with connections[db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        return list(cursor.fetchone())


def shown_count(count, limit):
    """A capped count as a moderator reads it: "3", "9,999", "10,000+"."""
    return f"{limit:,}+" if count > limit else f"{count:,}"
