-- bio2scan history, version 2: the rules each scan ran (JSON array of rule ids), so that
-- `bio2scan diff` compares only rules that ran in both scans. NULL for scans recorded before:
-- then the rules that have a result in that scan stand in for them.
ALTER TABLE scans ADD COLUMN rules TEXT;
