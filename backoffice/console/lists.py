"""List behaviour shared by the console's big tables: index-backed search and a bounded count header."""

from __future__ import annotations

from flask import flash, g

from backoffice.services import ServiceError
from backoffice.services.counting import Count, bounded_count


class ScalableListMixin:
    """For StaffModelView subclasses over large tables.

    `search_condition(term)` (a staticmethod on the subclass) replaces Flask-Admin's `CAST(col) ILIKE`,
    which no index can serve. The list header shows `g.list_count`, counted by `bounded_count`. Row icons are
    prebuilt links (StaffModelView, console/row_actions.py).

    `search_order_key()` (optional) names a column equal to the primary key that the search's index yields in
    key order (SQLite's FTS5 rowid): while a search is on, sorting by the key sorts by it instead, so that
    "newest first, 50 rows" reads 50 matches from the index rather than collecting and sorting all of them.
    """

    search_placeholder_text = "Search"
    search_order_key = None

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
        g.list_search_key = self.search_order_key() if self.search_order_key else None
        return query, count_query, joins, count_joins

    def _order_by(self, query, joins, sort_joins, sort_field, sort_desc):
        key = g.get("list_search_key")
        if key is not None and not sort_joins and self._is_primary_key(sort_field):
            return query.order_by(key.desc() if sort_desc else key), joins
        return super()._order_by(query, joins, sort_joins, sort_field, sort_desc)

    def _is_primary_key(self, field) -> bool:
        columns = getattr(getattr(field, "property", None), "columns", [])
        return getattr(field, "class_", None) is self.model and list(columns) == list(
            self.model.__mapper__.primary_key)

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        g.list_search_key = None
        if search:
            try:
                self.search_condition(search)
            except ServiceError as error:  # e.g. too short for the index: say so and list unfiltered
                flash(error.message, "warning")
                search = None
        count, rows = super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        if execute and page in (None, 0):
            if len(rows) < (page_size or self.page_size):
                g.list_count = Count(len(rows), exact=True)  # a first page that is not full holds them all
            else:
                # the same query without order or paging, counted no further than the exact-count limit;
                # selecting only the key lets an index answer it without reading the rows
                _, unpaged = super().get_list(None, None, False, search, filters, execute=False, page_size=0)
                keys = unpaged.statement.with_only_columns(*self.model.__mapper__.primary_key,
                                                           maintain_column_froms=True)
                g.list_count = bounded_count(keys.order_by(None))
        return count, rows
