-- Exact daily visitor sets (issue 6): for each website and UTC day (created_at / 86400000), the distinct ids
-- of the sessions that viewed each page path, page title and outside referrer that day. Distinct visitors over
-- a range do not add up from daily counts, but the union of daily sets is exact: those tables of a long range
-- OR the sets of its whole days and scan only the rest (src/server/queries/day-sets.ts). Sets are built for
-- closed days in the background by the hit writer (collect/writer-worker.mjs, task daySets); a day counts as
-- built only while its row in day_set_built exists.

-- The values sets are kept for, numbered once per website and kind (1 path, 2 title, 3 referrer domain).
CREATE TABLE day_set_value (
  value_id   INTEGER PRIMARY KEY,
  website_id INTEGER NOT NULL,
  kind       INTEGER NOT NULL,
  value      TEXT    NOT NULL,
  UNIQUE (website_id, kind, value)
);

-- One row per website, kind and day: every value's set packed into one blob of little-endian uint32s,
-- [value_id, n, session_id × n]… with the session ids of each value sorted and distinct.
CREATE TABLE day_set (
  website_id INTEGER NOT NULL,
  kind       INTEGER NOT NULL,
  day        INTEGER NOT NULL,
  sets       BLOB    NOT NULL,
  PRIMARY KEY (website_id, kind, day)
) WITHOUT ROWID;

CREATE TABLE day_set_built (
  website_id INTEGER NOT NULL,
  day        INTEGER NOT NULL,
  PRIMARY KEY (website_id, day)
) WITHOUT ROWID;

-- An event inserted into a built day (a late hit, an import, a replay) makes the day's sets stale: the day is
-- scanned again until it is rebuilt. Deletes are not triggered: the purge and a website reset drop the rows.
CREATE TRIGGER website_event_day_set AFTER INSERT ON website_event
BEGIN
  DELETE FROM day_set_built WHERE website_id = new.website_id AND day = new.created_at / 86400000;
END;
