-- Sets per UTC hour (src/server/queries/day-sets.ts), for the hours of a built day that a range cuts: a range
-- rarely starts and ends at UTC midnight (the last 7 days end now, a zone's midnight is not UTC's), and its
-- first and last days were read event by event. A built day now also holds the same packed sets per hour of it:
-- `hour` counts hours since 1970 (UTC). For the tables of events and sessions (kinds 1–11, 15–20), the rows of
-- the hour; for the visit tables (12–14) and the totals (0), the visits that start in the hour, wherever they end
-- (a range takes an hour's visits from its sets only when all of them end inside it). They are valid exactly
-- while their day is in day_set_built (built, dropped and purged with it). Days built before hold none: they are
-- built again, in the background.
CREATE TABLE hour_set (
  website_id INTEGER NOT NULL,
  kind       INTEGER NOT NULL,
  hour       INTEGER NOT NULL,
  sets       BLOB    NOT NULL,
  PRIMARY KEY (website_id, kind, hour)
) WITHOUT ROWID;

-- A visit that starts in a day holds a place in that day's sets per hour: its day is built again whenever it
-- changes from another day (a view after midnight, also of a visit that already crossed it, or one dated back
-- across it). Migration 009's trigger dropped the day only when a visit first crossed its midnight.
DROP TRIGGER visit_day_set;
CREATE TRIGGER visit_day_set AFTER UPDATE OF first_at, last_at ON visit
WHEN new.first_at / 86400000 <> new.last_at / 86400000
BEGIN
  DELETE FROM day_set_built WHERE website_id = new.website_id AND day = old.first_at / 86400000;
END;

DELETE FROM day_set_built;
DELETE FROM day_set;
