"""Permissions for the desk: a user's own and their groups' read in one query.

Every desk page asks ``has_perm``, and Django's model backend answers with two
queries (the user's permissions, then their groups').  ``DeskBackend`` comes
first in ``AUTHENTICATION_BACKENDS`` and reads both at once into the cache the
model backend reads too (``_perm_cache``), so the model backend after it
answers from memory.  It signs nobody in: the model backend still does, and
sessions keep naming it.
"""
from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class DeskBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        return None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                permissions = permissions.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in permissions.values_list("content_type__app_label", "codename").order_by().distinct()
            }
        return user_obj._perm_cache
