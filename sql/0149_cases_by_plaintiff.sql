-- A plaintiff's open cases in the case list's order (issue 12: the case picker). A plaintiff of a
-- big book has tens of thousands of cases (the 1M demo book: 83,000 each); the picker wants the
-- first 100 of them by tier and case number, and the plaintiff is on the judgment, the order on the
-- case, so finding them read and sorted all of them (sql/0149's walk of the whole list is no
-- better when the plaintiff's cases are not among the first tiers: 270 ms for "Midtown"). The case
-- keeps its judgment's plaintiff (set on insert by a trigger, so every way a case is created sets
-- it; a judgment's plaintiff is never changed) and an index reads them in order.

ALTER TABLE enforcement_cases ADD COLUMN IF NOT EXISTS plaintiff_id bigint;

CREATE OR REPLACE FUNCTION enforcement_case_plaintiff() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    NEW.plaintiff_id := (SELECT j.plaintiff_id FROM judgments j WHERE j.id = NEW.judgment_id);
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS enforcement_cases_plaintiff ON enforcement_cases;
CREATE TRIGGER enforcement_cases_plaintiff BEFORE INSERT OR UPDATE OF judgment_id ON enforcement_cases
    FOR EACH ROW EXECUTE FUNCTION enforcement_case_plaintiff();

UPDATE enforcement_cases c SET plaintiff_id = j.plaintiff_id
  FROM judgments j WHERE j.id = c.judgment_id AND c.plaintiff_id IS DISTINCT FROM j.plaintiff_id;
ALTER TABLE enforcement_cases ALTER COLUMN plaintiff_id SET NOT NULL;

CREATE INDEX IF NOT EXISTS enforcement_cases_open_by_plaintiff
    ON enforcement_cases (plaintiff_id, tier DESC, case_number) WHERE status = 'open';
