"""`dragonfly smoke`: the post-import check, cases per stage and tier and what is off."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func
from sqlmodel import Field, Session, SQLModel, col, select


class CaseCensus(SQLModel, table=True):
    """v_case_census (sql/0040_import.sql): cases per stage and effective tier."""

    __tablename__ = "v_case_census"

    stage: str = Field(primary_key=True)
    tier: int = Field(primary_key=True)
    cases: int
    open_cases: int
    open_without_owner: int
    open_without_next_action: int
    without_events: int


class JudgmentWithoutCase(SQLModel, table=True):
    __tablename__ = "v_judgments_without_case"

    judgment_id: int = Field(primary_key=True)
    court: str
    index_number: str


@dataclass
class SmokeReport:
    """Counts per stage and tier, and the findings that make `dragonfly smoke` exit 1."""

    census: list[CaseCensus]
    judgments_without_case: int

    @property
    def cases(self) -> int:
        return sum(r.cases for r in self.census)

    def total(self, attr: str) -> int:
        return sum(getattr(r, attr) for r in self.census)

    @property
    def findings(self) -> list[str]:
        out = []
        if self.cases == 0:
            out.append("there are no cases at all (nothing imported?)")
        if n := self.total("open_without_owner"):
            out.append(f"{n} open case{'s' if n != 1 else ''} without an owner")
        if n := self.total("open_without_next_action"):
            out.append(f"{n} open case{'s' if n != 1 else ''} without a next action")
        if n := self.total("without_events"):
            out.append(f"{n} case{'s' if n != 1 else ''} without a case_created event")
        if self.judgments_without_case:
            out.append(f"{self.judgments_without_case} judgment(s) without a case")
        return out

    @property
    def ok(self) -> bool:
        return not self.findings


def smoke(*, engine: Engine) -> SmokeReport:
    """The post-import check: census per stage and tier, and what is off."""
    with Session(engine) as session:
        census = list(session.exec(select(CaseCensus).order_by(CaseCensus.stage, col(CaseCensus.tier).desc())))
        orphans = session.exec(select(func.count()).select_from(JudgmentWithoutCase)).one()
    return SmokeReport(census=census, judgments_without_case=int(orphans))
