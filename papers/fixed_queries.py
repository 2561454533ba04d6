"""Querysets whose SQL is compiled once per process and database, then run with each call's values.

Django turns a queryset into SQL anew every time one is evaluated, and on the
public pages that was a quarter of their CPU: 0.5 ms for each of a paper
page's seven queries, 0.9 ms for the home page's card query with its joins
and deferred columns — for SQL that differs between requests only in its
parameters.  A ``FixedQuery`` builds its queryset once, with stand-in values,
compiles it once per database, notes where each stand-in lands among the
query's parameters, and afterwards hands out querysets that go straight to
the database with the call's values in those places.  Model instances,
``select_related`` objects and ``prefetch_related`` lookups come out as from
the queryset it was built from.

What may vary is declared with its type (``str``, ``int``, ``datetime.date``,
or ``list`` for ids passed as one PostgreSQL array with
:func:`one_of`); anything else the builder puts in the
query is part of its shape, for as long as the process runs.  The builder
must therefore not branch on the values it is given, nor put into the query
anything read when it runs: a row's id looked up then (taggit's content type
of a ``tags`` lookup), the current time zone, a setting.  Of those, a value
that could not be found among the parameters (one that became part of a
``LIKE`` pattern, say) and a moment frozen into the query (``timezone.now()``)
are refused when the query is first compiled; the rest is the builder's to
avoid.  An integer is sent as it is: one out of its column's range is an
error from the database, not the empty result Django's own lookups give.
A ``list`` makes the SQL depend on the list's length wherever an array is no
single parameter (SQLite: the demo), so there the queryset is built per call.

The querysets handed out are for reading as they are: any further
``filter()``, slice or ``count()`` would need SQL of another shape, and
raises TypeError instead of being run with the stand-ins.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql.query import Query

KINDS = (str, int, dt.date, list)
# Within an integer column's range (Django turns a lookup out of its column's range into "no rows"); past a
# smallint's, so a smallint column is refused when the query is compiled rather than read as empty.
_STAND_IN_INT = 1_987_654_000
_STAND_IN_DAY = dt.date(1001, 1, 1)


class FixedQuery:
    """``build(**values)`` → a queryset whose shape never depends on the values; see the module's docstring."""

    def __init__(self, build: Callable[..., QuerySet], **kinds: type):
        unknown = {name: kind for name, kind in kinds.items() if kind not in KINDS}
        if unknown:
            raise TypeError(f"fixed query values must be one of {KINDS}, not {unknown}")
        self._build = build
        self._kinds = kinds
        self._stand_ins = {name: _stand_in(kind, number) for number, (name, kind) in enumerate(kinds.items())}
        self._template: QuerySet | None = None
        self._compiled: dict[tuple, _Compiled] = {}

    def __call__(self, **values) -> QuerySet:
        self._check(values)
        template = self._template
        if template is None:
            template = self._template = self._build(**self._stand_ins)
            if not isinstance(template, QuerySet):
                raise TypeError(f"a fixed query's builder must return a QuerySet, not {type(template).__name__}")
        if list in self._kinds.values() and connections[template.db].vendor != "postgresql":
            return self._build(**values)
        query = _FixedShapeQuery.__new__(_FixedShapeQuery)
        query.__dict__ = template.query.__dict__.copy()  # never compiled: shares the template's parts read-only
        query.fixed_shape = (self, values)
        queryset = template.__class__(model=template.model, query=query, using=template._db, hints=template._hints)
        # As QuerySet._clone copies them.
        queryset._sticky_filter = template._sticky_filter
        queryset._for_write = template._for_write
        queryset._prefetch_related_lookups = template._prefetch_related_lookups[:]
        queryset._known_related_objects = template._known_related_objects
        queryset._iterable_class = template._iterable_class
        queryset._fields = template._fields
        return queryset

    def first(self, **values):
        """The first row, or None (the builder slices the query where more rows could come)."""
        return next(iter(self(**values)), None)

    def _check(self, values: dict) -> None:
        if values.keys() != self._kinds.keys():
            raise TypeError(f"a fixed query takes {sorted(self._kinds)}, not {sorted(values)}")
        for name, value in values.items():
            kind = self._kinds[name]
            # bool is an int and datetime a date, but neither is what the column holds.
            if not isinstance(value, kind) or isinstance(value, bool) or (kind is dt.date and isinstance(value, dt.datetime)):
                raise TypeError(f"{name} must be {kind.__name__}, not {value!r}")

    def compiled(self, compiler, with_limits: bool, with_col_aliases: bool) -> _Compiled:
        """The template's SQL for ``compiler``'s database, compiled on first use."""
        key = (compiler.connection.alias, compiler.elide_empty, with_limits, with_col_aliases)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(compiler, with_limits, with_col_aliases)
        return compiled

    def _compile(self, compiler, with_limits, with_col_aliases) -> _Compiled:
        query = Query.clone(self._template.query)  # the template itself is never compiled, so never changed
        fresh = query.get_compiler(connection=compiler.connection, elide_empty=compiler.elide_empty)
        try:
            sql, params = fresh.as_sql(with_limits=with_limits, with_col_aliases=with_col_aliases)
        except EmptyResultSet:  # the stand-ins decided it (one out of a smallint's range): every call would be empty
            raise TypeError(f"a fixed query of {self._template.model.__name__} finds nothing for its stand-in values, "
                            f"so it cannot be compiled once (a value of a smallint column?)") from None
        slots = [self._slot(param) for param in params]
        missing = set(self._kinds) - {slot[0] for slot in slots if slot[0] is not None}
        if missing:
            raise TypeError(f"{', '.join(sorted(missing))} of a fixed query do not reach its SQL as parameters: {sql}")
        state = {name: getattr(fresh, name) for name in _COMPILER_STATE}
        return _Compiled(sql, slots, state)

    def _slot(self, param) -> tuple[str | None, object]:
        """(name, how its value becomes the parameter) for a stand-in; (None, the parameter) for a constant."""
        for name, stand_in in self._stand_ins.items():
            if isinstance(param, type(stand_in)) and param == stand_in:
                # As it is, or as the backend's own type for the column (psycopg's Int4 for an integer).
                return name, None if type(param) is type(stand_in) else type(param)
            if isinstance(stand_in, dt.date) and param == stand_in.isoformat():
                return name, dt.date.isoformat  # SQLite takes dates as text
        if isinstance(param, dt.datetime):
            raise TypeError(f"a fixed query would keep the moment {param} for good: pass it as a value, or leave it out")
        return None, param


# What compiling leaves on a compiler that running the query and reading its rows use.
_COMPILER_STATE = ("select", "klass_info", "annotation_col_map", "col_count", "has_extra_select")


class _Compiled:
    __slots__ = ("sql", "slots", "state")

    def __init__(self, sql: str, slots: list[tuple[str | None, object]], state: dict):
        self.sql, self.slots, self.state = sql, slots, state

    def params(self, values: dict) -> tuple:
        params = []
        for name, how in self.slots:  # how: the constant itself, or how a value becomes the parameter
            if name is None:
                params.append(how)
            else:
                params.append(values[name] if how is None else how(values[name]))
        return tuple(params)


def _stand_in(kind: type, number: int):
    if kind is str:
        return f"\x1ffixed query value {number}\x1f"
    if kind is int:
        return _STAND_IN_INT + number
    if kind is dt.date:
        return _STAND_IN_DAY + dt.timedelta(days=number)
    return [_STAND_IN_INT + number, -1]


_READ_AS_IT_IS = "a fixed query's queryset is read as it is: build another FixedQuery for another shape"


class _FixedShapeQuery(Query):
    """A fixed query's per-call query: compiled from the cache, never changed."""

    fixed_shape: tuple[FixedQuery, dict]

    def chain(self, klass=None):
        raise TypeError(_READ_AS_IT_IS)

    def clone(self):
        raise TypeError(_READ_AS_IT_IS)

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        if using is None and connection is None:
            raise ValueError("Need either using or connection")
        if using:
            connection = connections[using]
        return _compiler_class(connection.ops.compiler(self.compiler))(self, connection, using, elide_empty)


@lru_cache(maxsize=None)
def _compiler_class(base: type) -> type:
    """The database's own compiler, with its SQL taken from the fixed query's cache."""

    def as_sql(self, with_limits=True, with_col_aliases=False):
        fixed, values = self.query.fixed_shape
        compiled = fixed.compiled(self, with_limits, with_col_aliases)
        self.__dict__.update(compiled.state)
        return compiled.sql, compiled.params(values)

    return type(f"Fixed{base.__name__}", (base,), {"as_sql": as_sql, "__module__": __name__})


def one_of(values, sql_type: str):
    """``values`` for an ``__in`` lookup of many ids, or of ids a fixed query takes as a ``list``.

    On PostgreSQL one array parameter: a list becomes one parameter per value,
    and 2,000 of them cost 40 ms to bind and plan, more than the lookup.
    """
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT unnest(%s::{sql_type}[])", (list(values),))
    return list(values)
