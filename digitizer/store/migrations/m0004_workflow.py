"""Schema version 4: line states (the workflow, see docs/workflow.md) and whole line versions.

``line_states`` holds the state of each line of a page's current layout that a person touched
(``edited``, ``verified``, ``flagged`` with a comment); a line without a row is ``machine``.
``line_versions.data`` keeps the whole line (words, boxes, confidences) of each version, so that
restoring or undoing a version restores more than its text.  ``pages.layout_edited`` is set when a
person changed the layout (lines added, merged, split, moved) since the last recognition.
Existing projects: lines with an edited version become ``edited``.
"""

SQL = """
CREATE TABLE line_states (
    page_id  INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    line_id  TEXT NOT NULL,
    state    TEXT NOT NULL DEFAULT 'machine' CHECK (state IN ('machine','edited','verified','flagged')),
    comment  TEXT NOT NULL DEFAULT '',
    agent    TEXT NOT NULL DEFAULT '',
    at       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (page_id, line_id)
);
ALTER TABLE line_versions ADD COLUMN data TEXT;
ALTER TABLE pages ADD COLUMN layout_edited INTEGER NOT NULL DEFAULT 0;
INSERT INTO line_states(page_id, line_id, state, agent, at)
    SELECT page_id, line_id, 'edited', agent, MAX(at) FROM line_versions WHERE source != 'engine'
    GROUP BY page_id, line_id
"""
