"""The workflow states an import sets, handed to the transition service in bulk at the end of each batch."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from papers.models import Digest, Status, Summary
from papers.services import transitions

if TYPE_CHECKING:
    from papers.services.ingest.bookkeeping import Context

IMPORT_ACTION = "import"  # how the audit log names a state set by an import


@dataclass
class States:
    """The states a batch sets (an export's, or published with ``--publish``), written together at its end.

    Entries and digests are created as drafts, like any other; their state is
    then set through ``papers.services.transitions``, in one bulk change per
    kind and state, so an import's states are audited like the desk's.
    """

    wanted: dict[tuple[type, str], list] = field(default_factory=dict)

    def set(self, obj: Summary | Digest, state: str) -> None:
        self.wanted.setdefault((type(obj), state), []).append(obj)

    def write(self, ctx: Context) -> None:
        comment = gettext("import batch #%(id)s") % {"id": ctx.batch.pk} + (
            f" ({ctx.batch.started_by})" if ctx.batch.started_by else "")
        for (_, state), objects in self.wanted.items():
            # The batch reindexes what it wrote, and the import invalidates the cached pages when it ends.
            transitions.state_change(objects=objects, action=IMPORT_ACTION, target=state, comment=comment,
                                     refresh_public=False)
        self.wanted.clear()


def initial_state(ctx: Context, given: str) -> str | None:
    """The state a new entry or digest takes, if not a draft: the source's, else published with ``--publish``."""
    state = given or (Status.PUBLISHED if ctx.options.publish else Status.DRAFT)
    return None if state == Status.DRAFT else state
