"""The workflow signal, where the desk's listeners look for it.

Sent after every committed state change, whoever made it (the desk, the
scheduler, an import): ``papers.services.transitions`` sends it, so it is
defined in ``papers.signals`` and only named here.
"""
from papers.signals import state_changed

__all__ = ["state_changed"]
