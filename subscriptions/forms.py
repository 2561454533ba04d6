"""The subscribe form and the "manage my subscriptions" request form."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from subscriptions.matching import clean_search, target_exists
from subscriptions.models import Subscription


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    kind = forms.ChoiceField(label=_("Follow"), choices=Subscription.Kind.choices)
    target = forms.CharField(label=_("Which one"), max_length=500,
                             help_text=_("A topic, tag or author as in its page's address (agent, llm …); "
                                         "for a search, the search page's address or its query (q=…)."))
    language = forms.ChoiceField(label=_("Language"), choices=Subscription.Language.choices,
                                 widget=forms.RadioSelect, initial=Subscription.Language.ZH)
    frequency = forms.ChoiceField(label=_("How often"), choices=Subscription.Frequency.choices,
                                  widget=forms.RadioSelect, initial=Subscription.Frequency.DAILY)

    def clean(self):
        data = super().clean()
        kind, target = data.get("kind"), (data.get("target") or "").strip()
        if not kind or not target:
            return data
        if kind == Subscription.Kind.SEARCH:
            # A pasted search page address or its query string: keep the search and filters only.
            target = clean_search(target.split("?", 1)[1] if "?" in target else target)
        else:
            target = target.strip("/").rsplit("/", 1)[-1]  # a pasted page address works too
        if not target_exists(kind, target):
            self.add_error("target", _("There is no such topic, tag, author or search on this site."))
        data["target"] = target
        return data


class ManageRequestForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
