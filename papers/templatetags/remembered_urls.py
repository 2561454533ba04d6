"""``{% url %}`` answered by :func:`papers.site.reversing.reverse`, which remembers the links every page shows.

A builtin of the template engine (``TEMPLATES`` in the settings), so every template's
``{% url %}`` is this one; it takes the same arguments and gives the same text as Django's.
"""
from __future__ import annotations

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape

from papers.site.reversing import reverse

register = template.Library()


class RememberedURLNode(defaulttags.URLNode):
    """``{% url %}`` through :func:`reverse`; everything else as Django's node."""

    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
