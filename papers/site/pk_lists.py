"""Lists of primary keys sent to PostgreSQL as one array parameter."""
from __future__ import annotations

from django.db import connections
from django.db.models import F, Lookup


class AnyOf(Lookup):
    """``column = ANY(%s)``: a list of values as one array parameter, where ``__in`` sends one parameter each.

    A desk search's 500 ids went three times a page (the estimate, the count,
    the rows) as 500 parameters each, built by the ORM and parsed by psycopg;
    a rare word's up to 2,000 matches cost the public search 5 ms of CPU so.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs}::{self.lhs.output_field.cast_db_type(connection)}[])", (*lhs_params, *rhs_params)


def with_pks(queryset, pks: list):
    """``queryset`` narrowed to the rows of ``pks`` (PostgreSQL: one array parameter)."""
    if connections[queryset.db].vendor != "postgresql":
        return queryset.filter(pk__in=pks)
    return queryset.filter(AnyOf(F("pk"), pks))
