"""Is an item ready to export?  Pages by state and the QA release gate, said before an export starts
(the export dialog's warnings and state filter; ``digitizer export`` refuses at the gate itself)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..store import ProjectStore

STATE_FILTERS = {"all": (), "reviewed": ("reviewed", "approved"), "approved": ("approved",)}


@dataclass
class Readiness:
    identifier: str
    item_id: int
    pages: int = 0
    not_reviewed: list[int] = field(default_factory=list)       # page numbers (seq) not reviewed/approved
    not_approved: list[int] = field(default_factory=list)
    qa_refused: str = ""                                        # the gate's reason, "" when it lets it pass

    def passes(self, state_filter: str) -> bool:
        """True when every page is in the states the filter names (an item without pages never)."""
        if state_filter == "all":
            return True
        missing = self.not_approved if state_filter == "approved" else self.not_reviewed
        return self.pages > 0 and not missing

    def warnings(self) -> list[str]:
        out = []
        if self.not_reviewed:
            seqs = ", ".join(map(str, self.not_reviewed[:8])) + (" …" if len(self.not_reviewed) > 8 else "")
            out.append(f"{self.identifier}: {len(self.not_reviewed)} of {self.pages} page(s) not reviewed ({seqs})")
        if self.qa_refused:
            out.append(f"{self.identifier}: not accepted by QA ({self.qa_refused}); the export is refused unless "
                       "unaccepted items are allowed")
        return out


def readiness(store: ProjectStore, item_ids: list[int] | None = None) -> list[Readiness]:
    """:class:`Readiness` of ``item_ids`` (default: every item)."""
    from ..qa.gate import release_state

    out = []
    for item in store.items() if item_ids is None else [store.get_item(i) for i in item_ids]:
        r = Readiness(item.identifier, item.id, pages=len(item.pages))
        r.not_reviewed = [p.seq for p in item.pages if p.status not in STATE_FILTERS["reviewed"]]
        r.not_approved = [p.seq for p in item.pages if p.status not in STATE_FILTERS["approved"]]
        state = release_state(store, item)
        if state.declared and not state.accepted:
            r.qa_refused = state.reason or "not accepted"
        out.append(r)
    return out
