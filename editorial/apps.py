from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditorialConfig(AppConfig):
    """The review desk. It may import ``papers``; never the reverse."""

    name = "editorial"
    verbose_name = _("Editorial desk")

    def ready(self):
        from editorial.audit import record_changes
        from editorial.corrections import record_republished
        from papers.signals import state_written

        state_written.connect(record_changes, dispatch_uid="editorial.audit")
        state_written.connect(record_republished, dispatch_uid="editorial.corrections")
