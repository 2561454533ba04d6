"""The desk's changelists: the rows of ``papers.site.desk_changelist.result_rows`` in the admin's own table."""
from django import template
from django.contrib.admin.templatetags.admin_list import result_headers, result_hidden_fields
from django.contrib.admin.templatetags.base import InclusionAdminNode

from papers.site.desk_changelist import result_rows

register = template.Library()


def desk_result_list(cl):
    """What the admin's ``result_list`` gives its template, the rows from ``result_rows``."""
    headers = list(result_headers(cl))
    return {"cl": cl, "result_hidden_fields": list(result_hidden_fields(cl)), "result_headers": headers,
            "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]), "results": result_rows(cl)}


@register.tag(name="desk_result_list")
def desk_result_list_tag(parser, token):
    return InclusionAdminNode(parser, token, func=desk_result_list, template_name="change_list_results.html",
                              takes_context=False)
