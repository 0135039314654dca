"""What is deliberately wrong in a generated inbox: the plants, and how each is applied.

A plant is a small, realistic departure from the clean base data (a renewal that left a
gap, a leaver who kept the equipment, a month of unpaid insurance...). The generator
applies plants while it derives monthly rows; the manifest records them, and every
finding the reference evaluation produces must be explained by one of them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class PlantRecord:
    plant_id: str
    rules: tuple[str, ...]  # rules the plant is expected to make fire
    description: str
    person_ids: tuple[str, ...] = ()
    # exact subject_ids (complaints, `pay_standards`, dataset names, `bureau/duty`)
    subjects: tuple[str, ...] = ()
    # (bureau_code, period ISO date or "") for bureau-level plants
    bureau_periods: tuple[tuple[str, str], ...] = ()

    def explains(self, rule_id: str, bureau_code: str, period: str, subject_id: str) -> bool:
        if rule_id not in self.rules:
            return False
        if subject_id.split("/")[0] in self.person_ids:
            return True
        if subject_id in self.subjects:
            return True
        return any(b == bureau_code and (p == "" or p == period) for b, p in self.bureau_periods)

    def to_json(self) -> dict[str, object]:
        return {
            "plant_id": self.plant_id,
            "rules": list(self.rules),
            "description": self.description,
            "person_ids": list(self.person_ids),
            "subjects": list(self.subjects),
            "bureau_periods": [list(bp) for bp in self.bureau_periods],
        }


@dataclass
class Plan:
    records: list[PlantRecord] = field(default_factory=list)
    # payroll, by month index
    pay_level: dict[int, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    pay_sick: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # stints
    pay_drop: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # stints
    ghost_stints: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    ghost_fake: list[tuple[int, int, int]] = field(default_factory=list)  # (month, bureau, pid)
    perf_cut: set[tuple[int, int]] = field(default_factory=set)  # (bureau, year)
    dropped_payroll: set[tuple[int, int]] = field(default_factory=set)  # (bureau, month)
    correction: tuple[int, int] | None = None  # (bureau, month): resent payroll file
    # insurance, by month index: persons
    arrears: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    missing_hf: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    low_base: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    # I03: year -> persons whose base that year is understated
    understated: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    # assessments: (person, year)
    no_assessment: set[tuple[int, int]] = field(default_factory=set)
    incompetent: set[tuple[int, int]] = field(default_factory=set)
    # quotas: (bureau, year) -> kind
    quota_plants: dict[tuple[int, int], str] = field(default_factory=dict)

    def add(self, record: PlantRecord) -> None:
        self.records.append(record)
