-- bio2scan history, version 3: a store that stays small. A scan keeps its findings (FAIL, ERROR,
-- WAIVED) and counts per rule and per control, no longer a row for every result. A finding's
-- content (ids, status, severity, waiver, message, redacted evidence) is stored once in
-- finding_rows, keyed by a digest of that content; scan_findings links each scan to the rows it
-- had, so an unchanged finding costs one small link row per scan. history.py fills the new
-- tables from scan_results (findings and counts) and then drops scan_results.
CREATE TABLE finding_rows (
    id             {id_primary_key},
    digest         TEXT NOT NULL UNIQUE,  -- SHA-256 (first 32 hex) of the row's content below
    finding_id     TEXT NOT NULL,
    rule_id        TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    resource_type  TEXT NOT NULL,
    scope          TEXT NOT NULL,
    status         TEXT NOT NULL,
    severity       TEXT NOT NULL,
    waiver_id      TEXT,
    message        TEXT,
    evidence       TEXT               -- JSON, as redacted in the results document
);
CREATE TABLE scan_findings (
    scan_id  BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    row_id   BIGINT NOT NULL REFERENCES finding_rows (id),
    PRIMARY KEY (scan_id, row_id)
){without_rowid};
CREATE INDEX scan_findings_row ON scan_findings (row_id);
CREATE TABLE scan_counts (
    scan_id  BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,   -- 'rule' or 'control'
    subject  TEXT NOT NULL,   -- the rule id or the control id
    status   TEXT NOT NULL,   -- a result status (PASS, FAIL, ERROR, NOT_APPLICABLE, WAIVED)
    n        INTEGER NOT NULL,
    PRIMARY KEY (scan_id, kind, subject, status)
){without_rowid};
