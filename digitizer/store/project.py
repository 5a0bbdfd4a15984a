"""The project store: a folder with ``project.sqlite`` plus file areas.

::

    PROJECT/
      project.sqlite        SQLite, WAL, foreign keys, PRAGMA user_version = schema version
      masters/ITEM/...      byte-exact copies of imported files (never modified)
      derivatives/ITEM/...  page images extracted from multi-page sources, preprocessed images
      exports/              default export target

Every change goes through one transaction together with the event that describes it
(who, what, when, which tool and version, parameters): the event log becomes PREMIS.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import sqlite3
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Sequence

from .. import __version__
from ..errors import ProjectError, ProjectLockedError
from ..fsutil import atomic_copy, atomic_write_bytes, sha256_bytes
from ..linetext import in_geometry, set_line_text
from ..xmltext import check_fields, check_text
from ..model import (PAGE_STATUSES, FileRef, Item, Line, Page, PageLayout, ProcessingStep, Project, Transform,
                     layout_from_dict, line_from_dict, to_dict, transform_from_dict, utcnow)
from .schema import MIGRATIONS, SCHEMA_VERSION

DB_NAME = "project.sqlite"
AREAS = ("masters", "derivatives", "exports")


@dataclass
class EventRecord:
    id: int
    at: str
    agent: str
    action: str
    tool: str
    tool_version: str
    parameters: dict[str, Any]
    model: str | None
    model_sha256: str | None
    outcome: str
    detail: str
    item_id: int | None
    page_id: int | None
    file_id: int | None

    def as_step(self) -> ProcessingStep:
        return ProcessingStep(action=self.action, tool=self.tool, tool_version=self.tool_version,
                              parameters=self.parameters, model=self.model, model_sha256=self.model_sha256,
                              agent=self.agent, timestamp=self.at, outcome=self.outcome, detail=self.detail)


@dataclass
class LineVersion:
    version: int
    text: str
    agent: str
    at: str
    source: str          # "engine" (recognised) | "edit" | "restore" | "layout"
    data: dict[str, Any] | None = None   # the whole line (words, boxes, confidences) of this version


@dataclass
class LineState:
    state: str           # machine | edited | verified | flagged (see digitizer.workflow)
    comment: str = ""
    agent: str = ""
    at: str = ""


def default_agent() -> str:
    """Operator name recorded in events: $DIGITIZER_OPERATOR, else the login name."""
    name = os.environ.get("DIGITIZER_OPERATOR")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no passwd entry
        return "unknown"


def _connect(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(db_path), timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class ProjectStore:
    """Open with :meth:`open` or :meth:`create`; use as a context manager to close."""

    def __init__(self, root: Path, conn: sqlite3.Connection, agent: str | None = None):
        self.root = Path(root)
        self.conn = conn
        self.agent = agent or default_agent()
        self._depth = 0

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def create(cls, root: str | os.PathLike, name: str | None = None, *, exist_ok: bool = False,
               agent: str | None = None) -> "ProjectStore":
        root = Path(root)
        if (root / DB_NAME).exists():
            if exist_ok:
                return cls.open(root, agent=agent)
            raise ProjectError(f"{root}: a project already exists here")
        root.mkdir(parents=True, exist_ok=True)
        for area in AREAS:
            (root / area).mkdir(exist_ok=True)
        store = cls(root, _connect(root / DB_NAME), agent)
        store._migrate()
        with store.transaction() as c:
            c.execute("INSERT INTO project(key, value) VALUES ('name', ?), ('created', ?), ('uuid', ?)",
                      (name or root.resolve().name, utcnow(), str(uuid.uuid4())))
        store.record(ProcessingStep(action="create-project", tool="digitizer", tool_version=__version__,
                                    parameters={"name": name or root.resolve().name}, agent=store.agent))
        return store

    @classmethod
    def open(cls, root: str | os.PathLike, *, create: bool = False, agent: str | None = None) -> "ProjectStore":
        root = Path(root)
        db = root / DB_NAME
        if not db.exists():
            if create:
                return cls.create(root, agent=agent)
            raise ProjectError(f"{root}: not a digitizer project (no {DB_NAME})",
                               hint="create one with 'digitizer init PATH'")
        try:
            store = cls(root, _connect(db), agent)
            store._migrate()
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"{db}: cannot open project database: {exc}") from exc
        return store

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    def __enter__(self) -> "ProjectStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        current = self.schema_version
        if current > SCHEMA_VERSION:
            raise ProjectError(f"{self.root}: project schema {current} is newer than this digitizer "
                               f"({SCHEMA_VERSION})", hint="update digitizer")
        for version, sql in MIGRATIONS:
            if version <= current:
                continue
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                for stmt in _split_sql(sql):
                    self.conn.execute(stmt)
                self.conn.execute(f"PRAGMA user_version = {int(version)}")
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; nested calls join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise ProjectLockedError(f"{self.root}: project is locked by another process") from exc
            raise
        self._depth = 1
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0

    def info(self) -> Project:
        kv = {r["key"]: r["value"] for r in self.conn.execute("SELECT key, value FROM project")}
        return Project(path=str(self.root), name=kv.get("name", ""), created=kv.get("created", ""),
                       schema_version=self.schema_version, items=self.items())

    def abspath(self, rel: str) -> Path:
        return self.root / rel

    # ------------------------------------------------------------------ events

    def record(self, step: ProcessingStep, *, item_id: int | None = None, page_id: int | None = None,
               file_id: int | None = None) -> int:
        with self.transaction() as c:
            params = dict(step.parameters)
            if step.action == "correct":     # the transcription guidelines in force (digitizer.qa.guidelines)
                version = c.execute("SELECT MAX(version) FROM qa_guidelines").fetchone()[0]
                if version is not None:
                    params.setdefault("guidelines", version)
            cur = c.execute(
                "INSERT INTO events(at, agent, action, tool, tool_version, parameters, model, model_sha256, outcome,"
                " detail, item_id, page_id, file_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (step.timestamp or utcnow(), step.agent or self.agent, step.action, step.tool, step.tool_version,
                 json.dumps(params, ensure_ascii=False, sort_keys=True, default=str), step.model,
                 step.model_sha256, step.outcome, step.detail, item_id, page_id, file_id))
            return int(cur.lastrowid)

    def events(self, *, item_id: int | None = None, page_id: int | None = None,
               action: str | None = None) -> list[EventRecord]:
        sql, args = "SELECT * FROM events WHERE 1=1", []
        if item_id is not None:
            sql += " AND (item_id = ? OR page_id IN (SELECT id FROM pages WHERE item_id = ?))"
            args += [item_id, item_id]
        if page_id is not None:
            sql += " AND page_id = ?"
            args.append(page_id)
        if action is not None:
            sql += " AND action = ?"
            args.append(action)
        rows = self.conn.execute(sql + " ORDER BY id", args).fetchall()
        return [EventRecord(**{**dict(r), "parameters": json.loads(r["parameters"] or "{}")}) for r in rows]

    # ------------------------------------------------------------------ items

    def add_item(self, identifier: str | None = None, title: str = "", profile: str = "printed-modern",
                 metadata: dict[str, Any] | None = None) -> Item:
        from ..fsutil import safe_name

        check_text("title", title)
        check_fields(metadata or {})
        with self.transaction() as c:
            if not identifier:
                n = c.execute("SELECT COUNT(*) FROM items").fetchone()[0] + 1
                identifier = f"item-{n:04d}"
                while c.execute("SELECT 1 FROM items WHERE identifier=?", (identifier,)).fetchone():
                    n += 1
                    identifier = f"item-{n:04d}"
            ident = safe_name(identifier, "item")
            if c.execute("SELECT 1 FROM items WHERE identifier=?", (ident,)).fetchone():
                raise ProjectError(f"item {ident!r} already exists in {self.root}")
            cur = c.execute("INSERT INTO items(identifier, title, profile, metadata, created) VALUES (?,?,?,?,?)",
                            (ident, title or identifier, profile, json.dumps(metadata or {}, ensure_ascii=False),
                             utcnow()))
            item_id = int(cur.lastrowid)
            self.record(ProcessingStep(action="create-item", tool="digitizer", tool_version=__version__,
                                       parameters={"identifier": ident, "profile": profile}), item_id=item_id)
        return self.get_item(item_id)

    def _item_from_row(self, r: sqlite3.Row, with_pages: bool = True) -> Item:
        item = Item(id=r["id"], identifier=r["identifier"], title=r["title"], profile=r["profile"],
                    metadata=json.loads(r["metadata"] or "{}"))
        if with_pages:
            item.pages = self.pages(item.id)
        return item

    def get_item(self, key: int | str) -> Item:
        col = "id" if isinstance(key, int) else "identifier"
        r = self.conn.execute(f"SELECT * FROM items WHERE {col} = ?", (key,)).fetchone()
        if r is None:
            raise ProjectError(f"{self.root}: no item {key!r}")
        return self._item_from_row(r)

    def find_item(self, identifier: str) -> Item | None:
        r = self.conn.execute("SELECT * FROM items WHERE identifier = ?", (identifier,)).fetchone()
        return None if r is None else self._item_from_row(r)

    def items(self, with_pages: bool = True) -> list[Item]:
        return [self._item_from_row(r, with_pages) for r in self.conn.execute("SELECT * FROM items ORDER BY id")]

    def update_item(self, item_id: int, *, title: str | None = None, profile: str | None = None,
                    metadata: dict[str, Any] | None = None, tool: str = "digitizer") -> Item:
        changes: dict[str, Any] = {}
        check_text("title", title or "")
        check_fields(metadata or {})
        if title is not None:
            changes["title"] = title
        if profile is not None:
            changes["profile"] = profile
        if metadata is not None:
            changes["metadata"] = json.dumps(metadata, ensure_ascii=False)
        if changes:
            with self.transaction() as c:
                sets = ", ".join(f"{k} = ?" for k in changes)
                c.execute(f"UPDATE items SET {sets} WHERE id = ?", (*changes.values(), item_id))
                self.record(ProcessingStep(action="update-item", tool=tool, tool_version=__version__,
                                           parameters={k: (metadata if k == "metadata" else v)
                                                       for k, v in changes.items()}), item_id=item_id)
        return self.get_item(item_id)

    # ------------------------------------------------------------------ files

    def _register_file(self, rel: str, sha: str, size: int, mime: str, role: str) -> FileRef:
        with self.transaction() as c:
            c.execute("INSERT INTO files(path, sha256, size, mime, role, created) VALUES (?,?,?,?,?,?) "
                      "ON CONFLICT(path) DO UPDATE SET sha256=excluded.sha256, size=excluded.size, "
                      "mime=excluded.mime, role=excluded.role",
                      (rel, sha, size, mime, role, utcnow()))
        return FileRef(path=rel, sha256=sha, size=size, mime=mime, role=role)

    def unique_path(self, rel: str) -> str:
        """``rel`` or ``stem-2.ext``, ... so that no registered file has that path.

        A file on disk that is not registered is the leftover of a write killed before its
        transaction committed (files are renamed into place before the commit); it may be replaced.
        """
        p = Path(rel)
        cand, n = rel, 1
        while self.conn.execute("SELECT 1 FROM files WHERE path=?", (cand,)).fetchone():
            n += 1
            cand = str(p.with_name(f"{p.stem}-{n}{p.suffix}"))
        return cand

    def add_file(self, src: str | os.PathLike, rel: str, *, role: str, mime: str = "") -> FileRef:
        """Copy ``src`` into the project at ``rel`` (atomic, byte-exact) and register it."""
        sha = atomic_copy(src, self.root / rel)
        return self._register_file(rel, sha, (self.root / rel).stat().st_size, mime, role)

    def write_file(self, rel: str, data: bytes, *, role: str, mime: str = "") -> FileRef:
        if role == "master" and (self.root / rel).exists():
            raise ProjectError(f"{rel}: refusing to overwrite a master")
        atomic_write_bytes(self.root / rel, data)
        return self._register_file(rel, sha256_bytes(data), len(data), mime, role)

    def file_by_id(self, file_id: int) -> FileRef:
        r = self.conn.execute("SELECT * FROM files WHERE id = ?", (file_id,)).fetchone()
        return FileRef(path=r["path"], sha256=r["sha256"], size=r["size"], mime=r["mime"], role=r["role"])

    def file_id(self, rel: str) -> int | None:
        r = self.conn.execute("SELECT id FROM files WHERE path = ?", (rel,)).fetchone()
        return None if r is None else int(r[0])

    def find_master(self, sha256: str) -> FileRef | None:
        r = self.conn.execute("SELECT * FROM files WHERE sha256 = ? AND role = 'master' ORDER BY id LIMIT 1",
                              (sha256,)).fetchone()
        return None if r is None else FileRef(path=r["path"], sha256=r["sha256"], size=r["size"], mime=r["mime"],
                                              role=r["role"])

    def files(self, role: str | None = None) -> list[FileRef]:
        sql = "SELECT * FROM files" + (" WHERE role = ?" if role else "") + " ORDER BY id"
        return [FileRef(path=r["path"], sha256=r["sha256"], size=r["size"], mime=r["mime"], role=r["role"])
                for r in self.conn.execute(sql, (role,) if role else ())]

    # ------------------------------------------------------------------ pages

    def add_page(self, item_id: int, master: FileRef, *, width: int, height: int, dpi: float | None,
                 dpi_source: str = "metadata", source_path: str = "", source_page: int = 0,
                 label: str = "", seq: int | None = None, step: ProcessingStep | None = None) -> Page:
        fid = self.file_id(master.path)
        if fid is None:
            raise ProjectError(f"{master.path}: file is not registered in the project")
        now = utcnow()
        with self.transaction() as c:
            if seq is None:
                seq = int(c.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM pages WHERE item_id = ?",
                                    (item_id,)).fetchone()[0])
            else:
                c.execute("UPDATE pages SET seq = seq + 1 WHERE item_id = ? AND seq >= ?", (item_id, seq))
            cur = c.execute(
                "INSERT INTO pages(item_id, seq, master_file_id, source_path, source_page, width, height, dpi,"
                " dpi_source, label, status, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?, 'imported', ?, ?)",
                (item_id, seq, fid, source_path, source_page, width, height, dpi, dpi_source, label or str(seq),
                 now, now))
            page_id = int(cur.lastrowid)
            if step is not None:
                self.record(step, item_id=item_id, page_id=page_id, file_id=fid)
        return self.get_page(page_id)

    def _page_from_row(self, r: sqlite3.Row) -> Page:
        master = self.file_by_id(r["master_file_id"])
        derived = {d["name"]: FileRef(path=d["path"], sha256=d["sha256"], size=d["size"], mime=d["mime"],
                                      role=d["role"])
                   for d in self.conn.execute("SELECT pf.name, f.* FROM page_files pf JOIN files f ON f.id = pf.file_id"
                                              " WHERE pf.page_id = ? ORDER BY pf.name", (r["id"],))}
        return Page(id=r["id"], item_id=r["item_id"], seq=r["seq"], master=master, width=r["width"],
                    height=r["height"], dpi=r["dpi"], dpi_source=r["dpi_source"], source_path=r["source_path"],
                    source_page=r["source_page"], label=r["label"], status=r["status"], derived=derived,
                    transform=transform_from_dict(json.loads(r["transform"]) if r["transform"] else None),
                    engine_override=r["engine_override"], mean_confidence=r["mean_confidence"], error=r["error"])

    def get_page(self, page_id: int) -> Page:
        r = self.conn.execute("SELECT * FROM pages WHERE id = ?", (page_id,)).fetchone()
        if r is None:
            raise ProjectError(f"{self.root}: no page {page_id}")
        return self._page_from_row(r)

    def pages(self, item_id: int | None = None, status: str | None = None) -> list[Page]:
        sql, args = "SELECT * FROM pages WHERE 1=1", []
        if item_id is not None:
            sql += " AND item_id = ?"
            args.append(item_id)
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        return [self._page_from_row(r) for r in self.conn.execute(sql + " ORDER BY item_id, seq", args).fetchall()]

    def page_for_master(self, sha256: str, source_page: int = 0) -> Page | None:
        r = self.conn.execute("SELECT p.* FROM pages p JOIN files f ON f.id = p.master_file_id "
                              "WHERE f.sha256 = ? AND f.role = 'master' AND p.source_page = ? ORDER BY p.id LIMIT 1",
                              (sha256, source_page)).fetchone()
        return None if r is None else self._page_from_row(r)

    def set_status(self, page_id: int, status: str, *, error: str | None = None,
                   step: ProcessingStep | None = None) -> None:
        if status not in PAGE_STATUSES:
            raise ValueError(f"unknown page status {status!r}")
        with self.transaction() as c:
            c.execute("UPDATE pages SET status = ?, error = ?, updated = ? WHERE id = ?",
                      (status, error, utcnow(), page_id))
            if step is not None:
                self.record(step, page_id=page_id)

    def set_page_fields(self, page_id: int, **fields: Any) -> None:
        """Update simple columns (label, engine_override, dpi, dpi_source, seq)."""
        allowed = {"label", "engine_override", "dpi", "dpi_source", "seq"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"cannot set page fields {sorted(bad)}")
        if not fields:
            return
        with self.transaction() as c:
            sets = ", ".join(f"{k} = ?" for k in fields)
            c.execute(f"UPDATE pages SET {sets}, updated = ? WHERE id = ?", (*fields.values(), utcnow(), page_id))
            self.record(ProcessingStep(action="update-page", tool="digitizer", tool_version=__version__,
                                       parameters=dict(fields)), page_id=page_id)

    def set_derived(self, page_id: int, name: str, file: FileRef, transform: Transform | None = None) -> None:
        fid = self.file_id(file.path)
        if fid is None:
            file = self._register_file(file.path, file.sha256, file.size, file.mime, file.role)
            fid = self.file_id(file.path)
        with self.transaction() as c:
            c.execute("INSERT INTO page_files(page_id, name, file_id) VALUES (?,?,?) "
                      "ON CONFLICT(page_id, name) DO UPDATE SET file_id = excluded.file_id", (page_id, name, fid))
            if transform is not None:
                c.execute("UPDATE pages SET transform = ?, updated = ? WHERE id = ?",
                          (json.dumps(transform.matrix()), utcnow(), page_id))

    def clear_derived(self, page_id: int, name: str, *, reset_transform: bool = False) -> None:
        """Forget a derived file of a page (the file stays until the project is cleaned)."""
        with self.transaction() as c:
            c.execute("DELETE FROM page_files WHERE page_id = ? AND name = ?", (page_id, name))
            if reset_transform:
                c.execute("UPDATE pages SET transform = '', updated = ? WHERE id = ?", (utcnow(), page_id))

    def page_image_path(self, page: Page) -> Path:
        """The file holding this page's pixels as referenced by exports (the master unless the master is a
        multi-page source, then the extracted page image)."""
        ref = page.derived.get("image", page.master)
        return self.root / ref.path

    # ------------------------------------------------------------------ layouts and text

    def save_layout(self, page_id: int, layout: PageLayout, step: ProcessingStep | None = None, *,
                    status: str = "processed", extra_steps: Sequence[ProcessingStep] = (), source: str = "engine") -> int:
        """Store a new layout version (a recognition run, or ``source="import"`` for a transcription
        made elsewhere) with its events; returns the version.

        Every line gets a new version (``source``) on top of its history (earlier versions, a
        person's included, stay restorable); line states go back to ``machine``."""
        layout.assign_ids()
        now = utcnow()
        with self.transaction() as c:
            event_id = None
            for s in extra_steps:
                self.record(s, page_id=page_id)
            if step is not None:
                event_id = self.record(step, page_id=page_id)
            version = int(c.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM layouts WHERE page_id = ?",
                                    (page_id,)).fetchone()[0])
            c.execute("INSERT INTO layouts(page_id, version, data, event_id, created, updated) VALUES (?,?,?,?,?,?)",
                      (page_id, version, json.dumps(to_dict(layout), ensure_ascii=False), event_id, now, now))
            c.execute("DELETE FROM line_states WHERE page_id = ?", (page_id,))
            for ln in layout.lines():
                self._add_line_version(page_id, ln, step.tool if step else self.agent, now, source, event_id)
            c.execute("UPDATE pages SET status = ?, error = NULL, mean_confidence = ?, layout_edited = 0, updated = ?"
                      " WHERE id = ?", (status, layout.mean_confidence(), now, page_id))
        return version

    def _add_line_version(self, page_id: int, line: Line, agent: str, at: str, source: str,
                          event_id: int | None) -> int:
        version = int(self.conn.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM line_versions WHERE page_id = ?"
                                        " AND line_id = ?", (page_id, line.id)).fetchone()[0])
        self.conn.execute("INSERT INTO line_versions(page_id, line_id, version, text, agent, at, source, event_id,"
                          " data) VALUES (?,?,?,?,?,?,?,?,?)",
                          (page_id, line.id, version, line.text, agent, at, source, event_id,
                           json.dumps(to_dict(line), ensure_ascii=False)))
        return version

    def load_layout(self, page_id: int, version: int | None = None) -> PageLayout | None:
        if version is None:
            r = self.conn.execute("SELECT data FROM layouts WHERE page_id = ? ORDER BY version DESC LIMIT 1",
                                  (page_id,)).fetchone()
        else:
            r = self.conn.execute("SELECT data FROM layouts WHERE page_id = ? AND version = ?",
                                  (page_id, version)).fetchone()
        return None if r is None else layout_from_dict(json.loads(r["data"]))

    def _replace_current_layout(self, page_id: int, layout: PageLayout, *, layout_edited: bool = False) -> None:
        c = self.conn
        r = c.execute("SELECT id FROM layouts WHERE page_id = ? ORDER BY version DESC LIMIT 1", (page_id,)).fetchone()
        if r is None:
            raise ProjectError(f"page {page_id} has no layout to correct")
        now = utcnow()
        c.execute("UPDATE layouts SET data = ?, updated = ? WHERE id = ?",
                  (json.dumps(to_dict(layout), ensure_ascii=False), now, r["id"]))
        c.execute("UPDATE pages SET mean_confidence = ?, updated = ?, layout_edited = MAX(layout_edited, ?) "
                  "WHERE id = ?", (layout.mean_confidence(), now, int(layout_edited), page_id))

    def update_layout(self, page_id: int, layout: PageLayout, step: ProcessingStep,
                      status: str | None = None) -> int:
        """Store a person's layout correction as a new layout version (the earlier ones stay loadable
        with :meth:`load_layout`), recorded as an event whose parameters name the version
        (``layout_version``); returns the version.  The new row keeps the ``event_id`` of the version
        it was made from, so the recognition run a layout descends from (engine, model) stays known.

        The page state is the workflow's business (:mod:`digitizer.workflow`); ``status`` is kept
        for callers that set one explicitly."""
        layout.assign_ids()
        with self.transaction() as c:
            r = c.execute("SELECT version, event_id FROM layouts WHERE page_id = ? ORDER BY version DESC LIMIT 1",
                          (page_id,)).fetchone()
            if r is None:
                raise ProjectError(f"page {page_id} has no layout to correct")
            version = int(r["version"]) + 1
            step = replace(step, parameters={**step.parameters, "layout_version": version})
            self.record(step, page_id=page_id)
            now = utcnow()
            c.execute("INSERT INTO layouts(page_id, version, data, event_id, created, updated) VALUES (?,?,?,?,?,?)",
                      (page_id, version, json.dumps(to_dict(layout), ensure_ascii=False), r["event_id"], now, now))
            c.execute("UPDATE pages SET mean_confidence = ?, updated = ?, layout_edited = 1 WHERE id = ?",
                      (layout.mean_confidence(), now, page_id))
            if status:
                c.execute("UPDATE pages SET status = ? WHERE id = ?", (status, page_id))
        return version

    def current_layout_version(self, page_id: int) -> int | None:
        """The number of the page's current layout version (``None`` before any): one cheap query, for
        a window that asks whether the layout it shows is still the current one."""
        r = self.conn.execute("SELECT MAX(version) FROM layouts WHERE page_id = ?", (page_id,)).fetchone()
        return None if r is None or r[0] is None else int(r[0])

    def layout_versions(self, page_id: int) -> list[int]:
        """The stored layout versions of a page, oldest first."""
        return [int(r[0]) for r in self.conn.execute("SELECT version FROM layouts WHERE page_id = ? ORDER BY version",
                                                     (page_id,))]

    def update_line_text(self, page_id: int, line_id: str, text: str, *, agent: str | None = None,
                         source: str = "edit", state: str = "edited", line: Line | None = None,
                         comment: str = "") -> int:
        """Save a line text (a person's) as a new version, in the current layout, with an event and
        the line state ``state``; returns the version.  ``line`` (a whole stored line, e.g. of an
        older version) replaces the line instead of re-fitting the words to ``text``.

        Page states are not touched here: :mod:`digitizer.workflow` owns them.  Text XML cannot
        carry is refused (:class:`~digitizer.errors.InvalidTextError` naming the line)."""
        check_text(f"line {line_id}", line.text if line is not None else text)
        with self.transaction():
            layout = self.load_layout(page_id)
            current = layout.find_line(line_id) if layout is not None else None
            if layout is None or current is None:
                raise ProjectError(f"page {page_id} has no line {line_id!r}")
            old = current.text
            if line is not None:
                block, idx = next((b, i) for b in layout.blocks for i, ln in enumerate(b.lines) if ln.id == line_id)
                block.lines[idx] = current = line
            else:
                set_line_text(current, text)
            who = agent or self.agent
            step = ProcessingStep(action="correct", tool="digitizer", tool_version=__version__,
                                  parameters={"line": line_id, "old": old, "new": current.text, "source": source},
                                  agent=who)
            event_id = self.record(step, page_id=page_id)
            version = self._add_line_version(page_id, current, who, step.timestamp or utcnow(), source, event_id)
            self._replace_current_layout(page_id, layout)
            self._put_line_state(page_id, line_id, state, comment, who)
        return version

    def line_history(self, page_id: int, line_id: str) -> list[LineVersion]:
        rows = self.conn.execute("SELECT version, text, agent, at, source, data FROM line_versions WHERE page_id = ? "
                                 "AND line_id = ? ORDER BY version", (page_id, line_id)).fetchall()
        return [LineVersion(**{**dict(r), "data": json.loads(r["data"]) if r["data"] else None}) for r in rows]

    def current_line_versions(self, page_id: int) -> dict[str, int]:
        """``{line id: number of its latest version}`` for a page, in one query (what a window shows,
        to pass as ``expected_version`` when it saves)."""
        rows = self.conn.execute("SELECT line_id, MAX(version) AS v FROM line_versions WHERE page_id = ? "
                                 "GROUP BY line_id", (page_id,)).fetchall()
        return {r["line_id"]: int(r["v"]) for r in rows}

    def restore_line_version(self, page_id: int, line_id: str, version: int, *, agent: str | None = None,
                             source: str = "restore", state: str = "edited", comment: str = "") -> int:
        """Make an earlier version current again (a new version, source ``restore``): its text, words,
        confidences and tags come back in the line's current geometry (box, outline, baseline; word
        boxes mapped into it when the line was moved or resized since, :func:`~digitizer.linetext.in_geometry`),
        so a restore never undoes a layout edit."""
        hist = {v.version: v for v in self.line_history(page_id, line_id)}
        if version not in hist:
            raise ProjectError(f"page {page_id} line {line_id}: no version {version}")
        old = hist[version]
        layout = self.load_layout(page_id)
        current = layout.find_line(line_id) if layout is not None else None
        line = line_from_dict(old.data) if old.data else None
        if line is not None and current is not None:
            line = in_geometry(line, current)
        return self.update_line_text(page_id, line_id, old.text, agent=agent, source=source, line=line,
                                     state=state, comment=comment)

    # ------------------------------------------------------------------ line states (see digitizer.workflow)

    def _put_line_state(self, page_id: int, line_id: str, state: str, comment: str, agent: str) -> None:
        if state == "machine":
            self.conn.execute("DELETE FROM line_states WHERE page_id = ? AND line_id = ?", (page_id, line_id))
            return
        self.conn.execute("INSERT INTO line_states(page_id, line_id, state, comment, agent, at) VALUES (?,?,?,?,?,?) "
                          "ON CONFLICT(page_id, line_id) DO UPDATE SET state = excluded.state, "
                          "comment = excluded.comment, agent = excluded.agent, at = excluded.at",
                          (page_id, line_id, state, comment, agent, utcnow()))

    def set_line_state(self, page_id: int, line_id: str, state: str, *, comment: str = "",
                       step: ProcessingStep | None = None) -> None:
        """Store a line state (``machine`` removes the row) and the event describing the act."""
        with self.transaction():
            self._put_line_state(page_id, line_id, state, comment, (step.agent if step else "") or self.agent)
            if step is not None:
                self.record(step, page_id=page_id)

    def line_states(self, page_id: int) -> dict[str, LineState]:
        """States of the lines a person touched (absent lines are ``machine``)."""
        rows = self.conn.execute("SELECT line_id, state, comment, agent, at FROM line_states WHERE page_id = ?",
                                 (page_id,)).fetchall()
        return {r["line_id"]: LineState(r["state"], r["comment"], r["agent"], r["at"]) for r in rows}

    def person_work(self, page_id: int) -> int:
        """How many lines of the current layout a person edited, verified or flagged (+1 when a
        person changed the layout): 0 means re-recognising the page loses nobody's work."""
        n = self.conn.execute("SELECT COUNT(*) FROM line_states WHERE page_id = ? AND state != 'machine'",
                              (page_id,)).fetchone()[0]
        edited = self.conn.execute("SELECT layout_edited FROM pages WHERE id = ?", (page_id,)).fetchone()
        return int(n) + (int(edited[0]) if edited else 0)

    def data_version(self) -> int:
        """SQLite ``PRAGMA data_version``: changes whenever another connection (another process,
        another window) commits to the project.  Cheap; a GUI polls it to notice outside changes."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    # ------------------------------------------------------------------ failures

    def record_failure(self, source_path: str, reason: str, *, item_id: int | None = None,
                       tool: str = "digitizer.import") -> None:
        with self.transaction() as c:
            eid = self.record(ProcessingStep(action="import", tool=tool, tool_version=__version__,
                                             parameters={"source": source_path}, outcome="failure", detail=reason),
                              item_id=item_id)
            c.execute("INSERT INTO failures(at, source_path, reason, item_id, event_id) VALUES (?,?,?,?,?)",
                      (utcnow(), source_path, reason, item_id, eid))

    def failures(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM failures ORDER BY id")]


def _split_sql(script: str) -> list[str]:
    """Complete statements of a script (a trigger body's inner ``;`` does not end its statement)."""
    out, buf = [], ""
    for part in script.split(";"):
        buf += part + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n;"):
                out.append(buf.strip())
            buf = ""
    if buf.strip(" \n;"):
        out.append(buf.strip())
    return out
