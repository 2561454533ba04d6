from django.apps import AppConfig


class EditorialConfig(AppConfig):
    """The review desk. It may import ``papers``; never the reverse."""

    name = "editorial"
    verbose_name = "Editorial desk"
