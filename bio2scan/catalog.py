"""The BIO2 catalogue: 93 controls in four themes and the government measures (v1.3 numbering).

Data: ``bio2scan/data/bio2.json`` (controls: id, theme, titles ``nl``/``en``, whether cloud or
Kubernetes configuration can give evidence; measures: id, control, status in v1.3, the v1.2 number
a moved measure had, category, own-words summaries ``nl``/``en``, and a ``note`` where the
published text has a defect and says which reading bio2scan uses). Control titles and measure
numbers are facts; the summaries are our own words, not the BIO2 text.

Measure statuses: ``active`` (a v1.3 measure), ``moved`` (a v1.2 number with a v1.3 successor),
``removed`` ("Vervallen" in v1.3) and ``placeholder`` (5.26.01: no measure in v1.2, and a
pointer in v1.3 to a number that does not exist).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources

THEMES = ("organisational", "people", "physical", "technological")
THEME_TITLES = {
    "organisational": {
        "en": "Organisational controls",
        "nl": "Organisatorische beheersmaatregelen",
    },
    "people": {"en": "People controls", "nl": "Mensgerichte beheersmaatregelen"},
    "physical": {"en": "Physical controls", "nl": "Fysieke beheersmaatregelen"},
    "technological": {"en": "Technological controls", "nl": "Technologische beheersmaatregelen"},
}


@dataclass(frozen=True, slots=True)
class Measure:
    id: str
    control: str
    status: str  # active | moved | removed
    summary: Mapping[str, str]
    categories: tuple[str, ...] = ()
    replaced_by: str | None = None  # for moved measures: the v1.3 number
    replaces: tuple[str, ...] = ()  # for v1.3 measures: the v1.2 numbers they replaced
    automatable: str = "no"
    note: Mapping[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True, slots=True)
class Control:
    id: str
    theme: str
    title: Mapping[str, str]
    automatable: str  # yes | partly | no
    measures: tuple[Measure, ...] = field(default=())

    def text(self, lang: str) -> str:
        return self.title.get(lang) or self.title["en"]


@dataclass(frozen=True)
class Catalog:
    name: str
    version: str
    controls: Mapping[str, Control]
    measures: Mapping[str, Measure]

    def control(self, control_id: str) -> Control:
        return self.controls[normalise_control_id(control_id)]

    def in_theme(self, theme: str) -> list[Control]:
        return [c for c in self.controls.values() if c.theme == theme]

    def active_measures(self) -> list[Measure]:
        return [m for m in self.measures.values() if m.active]

    def check_control(self, control_id: str) -> str | None:
        """None when ``control_id`` is a BIO2 control, else why not."""
        if control_id in self.controls:
            return None
        return f"{control_id!r} is not a BIO2 control (5.1–5.37, 6.1–6.8, 7.1–7.14, 8.1–8.34)"

    def check_measure(self, measure_id: str) -> str | None:
        """None when ``measure_id`` is an active v1.3 government measure, else why not."""
        m = self.measures.get(measure_id)
        if m is None:
            return f"{measure_id!r} is not a BIO2 government measure (C.NN.MM, v1.3 numbering)"
        if m.status == "moved":
            return f"{measure_id!r} is a v1.2 number; in BIO2 v1.3 it is {m.replaced_by}"
        if m.status == "placeholder":
            return f"{measure_id!r} is no government measure: {m.summary['en']}"
        if m.status != "active":
            return f"{measure_id!r} was removed in BIO2 v1.3"
        return None

    def resolve(self, bio2_id: str) -> tuple[str, str | None]:
        """A control or measure id as a user typed it (``--controls``) → the id to select by
        and a notice: a moved v1.2 measure number resolves to its v1.3 successor, and
        ``8.05`` to ``8.5``. Raises ``ValueError`` (with the reason) for anything else."""
        m = self.measures.get(bio2_id)
        if m is not None:
            if m.status == "moved" and m.replaced_by:
                return m.replaced_by, (
                    f"{bio2_id} is a BIO2 v1.2 number; selecting its v1.3 successor {m.replaced_by}"
                )
            why = self.check_measure(bio2_id)
            if why:
                raise ValueError(why)
            return bio2_id, None
        cid = normalise_control_id(bio2_id)
        if cid in self.controls:
            return cid, None
        raise ValueError(
            f"{bio2_id!r} is neither a BIO2 control nor a measure (controls 5.1–5.37, 6.1–6.8, "
            "7.1–7.14, 8.1–8.34; measures C.NN.MM in v1.3 numbering)"
        )


def normalise_control_id(control_id: str) -> str:
    """``'8.05'`` → ``'8.5'``; ids are kept as BIO2 writes them (``8.24``)."""
    head, _, tail = control_id.partition(".")
    if tail.isdigit():
        return f"{head}.{int(tail)}"
    return control_id


@functools.lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    raw = json.loads(resources.files("bio2scan").joinpath("data/bio2.json").read_text("utf-8"))
    measures = {
        m["id"]: Measure(
            id=m["id"],
            control=m["control"],
            status=m["status"],
            summary=m["summary"],
            categories=tuple(m.get("categories", ())),
            replaced_by=m.get("replaced_by"),
            replaces=tuple(m.get("replaces", ())),
            automatable=m.get("automatable", "no"),
            note=m.get("note", {}),
        )
        for m in raw["measures"]
    }
    by_control: dict[str, list[Measure]] = {}
    for m in measures.values():
        if m.active:
            by_control.setdefault(m.control, []).append(m)
    controls = {
        c["id"]: Control(
            id=c["id"],
            theme=c["theme"],
            title=c["title"],
            automatable=c["automatable"],
            measures=tuple(by_control.get(c["id"], ())),
        )
        for c in raw["controls"]
    }
    return Catalog(raw["name"], raw["version"], controls, measures)
