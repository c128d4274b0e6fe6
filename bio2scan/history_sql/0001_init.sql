-- bio2scan history, version 1: one row per scan, its control statuses and its results.
-- {id_primary_key} is filled in per dialect (history.py DIALECTS); everything else is portable SQL.
CREATE TABLE scans (
    id              {id_primary_key},
    started_at      TEXT NOT NULL,
    finished_at     TEXT NOT NULL,
    evaluated_at    TEXT,
    recorded_at     TEXT NOT NULL,
    tool_version    TEXT NOT NULL,
    ruleset_digest  TEXT NOT NULL,
    targets         TEXT NOT NULL,   -- JSON array of the scan's targets
    complete        INTEGER NOT NULL,
    summary         TEXT NOT NULL    -- JSON: the results document's summary section
);
CREATE INDEX scans_finished_at ON scans (finished_at);
CREATE TABLE scan_controls (
    scan_id     BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    control_id  TEXT NOT NULL,
    theme       TEXT NOT NULL,
    status      TEXT NOT NULL,
    PRIMARY KEY (scan_id, control_id)
);
CREATE TABLE scan_results (
    scan_id        BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    finding_id     TEXT NOT NULL,
    rule_id        TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    resource_type  TEXT NOT NULL,
    scope          TEXT NOT NULL,
    status         TEXT NOT NULL,
    severity       TEXT NOT NULL,
    waiver_id      TEXT,
    PRIMARY KEY (scan_id, finding_id)
);
CREATE INDEX scan_results_finding ON scan_results (finding_id);
