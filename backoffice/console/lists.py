"""List behaviour shared by the console's big tables: index-backed search and a bounded count header."""

from __future__ import annotations

from flask import flash, g

from backoffice.services import ServiceError
from backoffice.services.counting import bounded_count


class ScalableListMixin:
    """For StaffModelView subclasses over large tables.

    `search_condition(term)` (a staticmethod on the subclass) replaces Flask-Admin's `CAST(col) ILIKE`,
    which no index can serve. The list header shows `g.list_count`, counted by `bounded_count`.
    """

    search_placeholder_text = "Search"

    @staticmethod
    def search_condition(term: str):
        raise NotImplementedError

    def init_search(self) -> bool:
        # Flask-Admin enables its search box only when there are search fields; ours are virtual.
        self._search_supported = True
        self._search_fields = []
        return True

    def search_placeholder(self) -> str:
        return self.search_placeholder_text

    def _apply_search(self, query, count_query, joins, count_joins, search):
        condition = self.search_condition(search)
        query = query.filter(condition)
        if count_query is not None:
            count_query = count_query.filter(condition)
        return query, count_query, joins, count_joins

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        if search:
            try:
                self.search_condition(search)
            except ServiceError as error:  # e.g. too short for the index: say so and list unfiltered
                flash(error.message, "warning")
                search = None
        count, rows = super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        if execute and page in (None, 0):
            # the same query without order or paging, counted no further than the exact-count limit
            _, unpaged = super().get_list(None, None, False, search, filters, execute=False, page_size=0)
            g.list_count = bounded_count(unpaged.statement.order_by(None))
        return count, rows
