from django import template

from editorial.dashboard import dashboard

register = template.Library()


@register.inclusion_tag("admin/editorial/dashboard.html", takes_context=True)
def desk_dashboard(context):
    return {**dashboard(context["request"].user), "request": context["request"]}
