"""PREMIS 3 for METS: technical metadata of files (techMD) and provenance (digiprovMD).

* :func:`file_object` - the semantic units of a PREMIS file object (identifier, SHA-256 fixity,
  size, format, the image's significant properties: width, height, bits, samples, resolution, ICC;
  the original file name) as standalone global elements, so the METS validates with the METS XSD
  alone as well as with METS+MODS+PREMIS.
* :func:`provenance` - the item's event log (:meth:`ProjectStore.events`) as PREMIS events and the
  software / person agents behind them.  Line corrections are folded into one event per page and
  operator (``N lines corrected``) so the METS stays readable; each event links the object (the
  METS file ID of the page master) and its agents with their roles.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .validate import METS_NS, PREMIS_NS, ncname

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
EVENT_TYPE_URI = "http://id.loc.gov/vocabulary/preservation/eventType/"
# digitizer action -> (PREMIS eventType, LoC code or "" when not in the LoC vocabulary)
EVENT_TYPES: dict[str, tuple[str, str]] = {
    "capture": ("capture", "cap"), "scan": ("capture", "cap"), "import": ("ingestion", "ing"),
    "create-project": ("creation", "cre"), "create-item": ("creation", "cre"),
    "update-item": ("metadata modification", "mem"), "update-page": ("metadata modification", "mem"),
    "preprocess": ("preprocessing", ""), "recognize": ("text recognition", ""), "ocr": ("text recognition", ""),
    "htr": ("text recognition", ""), "segment": ("layout analysis", ""), "correct": ("transcription correction", ""),
    "fixity-check": ("fixity check", "fix"), "verify": ("fixity check", "fix"), "export": ("exporting", "exp"),
    "validation": ("validation", "val"), "message-digest": ("message digest calculation", "mes"),
}
PERSON = "person"
SOFTWARE = "software"


def _p(tag: str) -> str:
    return f"{{{PREMIS_NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, _p(tag), {k: v for k, v in attrs.items() if v})
    if text is not None:
        el.text = text
    return el


def _ident(parent: etree._Element, prefix: str, value: str, kind: str = "local") -> None:
    box = _sub(parent, f"{prefix}Identifier")
    _sub(box, f"{prefix}IdentifierType", kind)
    _sub(box, f"{prefix}IdentifierValue", value)


def _premis_root(tag: str) -> etree._Element:
    return etree.Element(_p(tag), nsmap={"premis": PREMIS_NS, "xsi": XSI_NS}, version="3.0")


def file_object(*, ident: str, sha256: str, size: int, mime: str, format_version: str = "",
                original_name: str = "", properties: dict[str, Any] | None = None,
                application: tuple[str, str] | None = None) -> list[etree._Element]:
    """PREMIS 3 semantic units of one file as standalone elements, in ``premis:file`` order:
    objectIdentifier, significantProperties*, objectCharacteristics, originalName.

    They are the content of a ``premis:object xsi:type="premis:file"`` without the wrapper: the
    abstract ``object`` needs ``xsi:type``, which a validator of the METS schema alone cannot
    resolve ("type definition is absent"), while these global elements validate both ways.
    """
    def root(tag: str) -> etree._Element:
        return etree.Element(_p(tag), nsmap={"premis": PREMIS_NS})

    out = [root("objectIdentifier")]
    _sub(out[0], "objectIdentifierType", "local")
    _sub(out[0], "objectIdentifierValue", ident)
    for key, value in (properties or {}).items():
        if value in (None, ""):
            continue
        sp = root("significantProperties")
        _sub(sp, "significantPropertiesType", key)
        _sub(sp, "significantPropertiesValue", str(value))
        out.append(sp)
    ch = root("objectCharacteristics")
    _sub(ch, "compositionLevel", "0")
    fx = _sub(ch, "fixity")
    _sub(fx, "messageDigestAlgorithm", "SHA-256", authority="cryptographicHashFunctions",
         authorityURI="http://id.loc.gov/vocabulary/preservation/cryptographicHashFunctions")
    _sub(fx, "messageDigest", sha256)
    _sub(fx, "messageDigestOriginator", "digitizer")
    _sub(ch, "size", str(size))
    fmt = _sub(ch, "format")
    des = _sub(fmt, "formatDesignation")
    _sub(des, "formatName", mime)
    if format_version:
        _sub(des, "formatVersion", format_version)
    if application:
        app = _sub(ch, "creatingApplication")
        _sub(app, "creatingApplicationName", application[0])
        if application[1]:
            _sub(app, "creatingApplicationVersion", application[1])
    out.append(ch)
    if original_name:
        out.append(root("originalName"))
        out[-1].text = original_name
    return out


@dataclass(frozen=True)
class Agent:
    ident: str
    name: str
    type: str            # person | software
    version: str = ""


@dataclass
class Event:
    ident: str
    type: str
    code: str
    at: str
    detail: str
    outcome: str
    outcome_note: str = ""
    agents: list[tuple[str, str]] = field(default_factory=list)     # (agent ident, role)
    objects: list[str] = field(default_factory=list)               # METS file IDs


def _agent_id(name: str, version: str = "") -> str:
    return ncname(f"agent-{name}{'-' + version if version else ''}".lower())


def _detail(ev: Any) -> str:
    parts = [f"{ev.action} with {ev.tool}{' ' + ev.tool_version if ev.tool_version else ''}"]
    if ev.model:
        parts.append(f"model {ev.model}" + (f" (sha256 {ev.model_sha256})" if ev.model_sha256 else ""))
    params = {k: v for k, v in (ev.parameters or {}).items() if k not in ("old", "new")}
    if params:
        parts.append("parameters " + json.dumps(params, ensure_ascii=False, sort_keys=True, default=str))
    return "; ".join(parts)


def _fold_corrections(events: Sequence[Any]) -> list[Any | list[Any]]:
    """Events in order, with runs of ``correct`` events of the same page and operator grouped."""
    out: list[Any | list[Any]] = []
    for ev in events:
        last = out[-1] if out else None
        if ev.action == "correct" and isinstance(last, list) and last[0].page_id == ev.page_id \
                and last[0].agent == ev.agent:
            last.append(ev)
        else:
            out.append([ev] if ev.action == "correct" else ev)
    return out


def events_and_agents(events: Iterable[Any], object_ids: dict[int | None, list[str]],
                      item_object: list[str]) -> tuple[list[Event], list[Agent]]:
    """PREMIS events/agents from store events; ``object_ids`` maps page id -> METS file IDs."""
    agents: dict[str, Agent] = {}
    out: list[Event] = []
    for entry in _fold_corrections(list(events)):
        group = entry if isinstance(entry, list) else [entry]
        ev = group[-1]
        etype, code = EVENT_TYPES.get(ev.action, (ev.action.replace("-", " "), ""))
        sw = Agent(_agent_id(ev.tool, ev.tool_version), ev.tool, SOFTWARE, ev.tool_version)
        agents.setdefault(sw.ident, sw)
        links = [(sw.ident, "executing program")]
        if ev.agent:
            person = Agent(_agent_id(ev.agent), ev.agent, PERSON)
            agents.setdefault(person.ident, person)
            links.append((person.ident, "implementer"))
        detail = _detail(ev) if len(group) == 1 else \
            f"{len(group)} line correction(s) by {ev.agent} from {group[0].at} to {ev.at} with {ev.tool}"
        objects = object_ids.get(ev.page_id, []) if ev.page_id is not None else item_object
        out.append(Event(ident=f"event-{group[0].id}", type=etype, code=code, at=ev.at, detail=detail,
                         outcome=ev.outcome or "success", outcome_note=ev.detail, agents=links,
                         objects=list(objects)))
    return out, list(agents.values())


def event_element(ev: Event) -> etree._Element:
    el = _premis_root("event")
    _ident(el, "event", ev.ident)
    attrs = {"authority": "eventType", "authorityURI": EVENT_TYPE_URI.rstrip("/"),
             "valueURI": EVENT_TYPE_URI + ev.code} if ev.code else {}
    _sub(el, "eventType", ev.type, **attrs)
    _sub(el, "eventDateTime", ev.at)
    _sub(_sub(el, "eventDetailInformation"), "eventDetail", ev.detail)
    oi = _sub(el, "eventOutcomeInformation")
    _sub(oi, "eventOutcome", ev.outcome)
    if ev.outcome_note:
        _sub(_sub(oi, "eventOutcomeDetail"), "eventOutcomeDetailNote", ev.outcome_note)
    for agent_id, role in ev.agents:
        box = _sub(el, "linkingAgentIdentifier")
        _sub(box, "linkingAgentIdentifierType", "local")
        _sub(box, "linkingAgentIdentifierValue", agent_id)
        _sub(box, "linkingAgentRole", role)
    for obj in ev.objects:
        box = _sub(el, "linkingObjectIdentifier")
        _sub(box, "linkingObjectIdentifierType", "local")
        _sub(box, "linkingObjectIdentifierValue", obj)
    return el


def agent_element(agent: Agent) -> etree._Element:
    el = _premis_root("agent")
    _ident(el, "agent", agent.ident)
    _sub(el, "agentName", agent.name)
    _sub(el, "agentType", agent.type)
    if agent.version:
        _sub(el, "agentVersion", agent.version)
    return el


_SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]")


def md_wrap(kind: str, sec_id: str, payload: etree._Element | list[etree._Element],
            mdtype: str = "PREMIS:OBJECT") -> etree._Element:
    """``mets:techMD|digiprovMD|rightsMD[@ID]/mdWrap[@MDTYPE]/xmlData/payload``."""
    sec = etree.Element(f"{{{METS_NS}}}{kind}", ID=sec_id)
    wrap = etree.SubElement(sec, f"{{{METS_NS}}}mdWrap", MDTYPE=mdtype, MDTYPEVERSION="3.0")
    data = etree.SubElement(wrap, f"{{{METS_NS}}}xmlData")
    for el in payload if isinstance(payload, list) else [payload]:
        data.append(el)
    return sec


def amd_sec(sec_id: str, tech: Sequence[etree._Element] = (), digiprov: Sequence[etree._Element] = ()
            ) -> etree._Element:
    """``mets:amdSec`` holding the given techMD then digiprovMD sections (METS order)."""
    sec = etree.Element(f"{{{METS_NS}}}amdSec", ID=sec_id)
    for child in [*tech, *digiprov]:
        sec.append(child)
    return sec


def provenance_sections(events: list[Event], agents: list[Agent]) -> list[etree._Element]:
    """One digiprovMD per event (MDTYPE PREMIS:EVENT) and per agent (PREMIS:AGENT)."""
    secs = [md_wrap("digiprovMD", ncname(f"DP_{e.ident}"), event_element(e), "PREMIS:EVENT") for e in events]
    secs += [md_wrap("digiprovMD", ncname(f"DP_{a.ident}"), agent_element(a), "PREMIS:AGENT") for a in agents]
    return secs
