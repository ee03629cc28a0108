-- Sets per UTC hour (src/server/queries/day-sets.ts). A range rarely starts and ends at UTC midnight (the last 7
-- days end now, a zone's midnight is not UTC's), and its first and last days were read event by event, today
-- too. `hour` counts hours since 1970 (UTC). For the tables of events and sessions (kinds 1–11, 15–20, and 23,
-- the query, new here: many distinct values but few rows a day), the rows of the hour; for the visit tables
-- (12–14) and the totals (0), the visits that start in the hour, wherever they end (a range takes an hour's
-- visits from its sets only when all of them end inside it).
-- A day's own sets of visits change the same way: the visits that start in the day (009: wholly inside it), so a
-- range no longer reads the visits across each midnight from the visit table.
-- A built day (day_set_built) holds them for each of its hours, valid exactly while the day is built (built,
-- dropped and purged with it). Today's closed hours are built one by one (hour_built), with the series' sessions
-- and views of the hour too (kinds 21 and 22, which a built day keeps for all its hours in one blob each).
-- Days built before hold none: they are built again, in the background.
CREATE TABLE hour_set (
  website_id INTEGER NOT NULL,
  kind       INTEGER NOT NULL,
  hour       INTEGER NOT NULL,
  sets       BLOB    NOT NULL,
  PRIMARY KEY (website_id, kind, hour)
) WITHOUT ROWID;

CREATE TABLE hour_built (
  website_id INTEGER NOT NULL,
  hour       INTEGER NOT NULL,
  PRIMARY KEY (website_id, hour)
) WITHOUT ROWID;

-- An event inserted into a built hour makes its sets stale, as for a day (migration 008).
DROP TRIGGER website_event_day_set;
CREATE TRIGGER website_event_day_set AFTER INSERT ON website_event
BEGIN
  DELETE FROM day_set_built WHERE website_id = new.website_id AND day = new.created_at / 86400000;
  DELETE FROM hour_built WHERE website_id = new.website_id AND hour = new.created_at / 3600000;
END;

-- A visit holds a place in the sets of the hour it starts in: that hour (and its day) is built again whenever the
-- visit changes from another hour (another day: a view after midnight, also of a visit that already crossed it,
-- or one dated back across it). Migration 009's trigger dropped the day only when a visit first crossed midnight.
DROP TRIGGER visit_day_set;
CREATE TRIGGER visit_day_set AFTER UPDATE OF first_at, last_at ON visit
WHEN new.first_at / 3600000 <> new.last_at / 3600000
BEGIN
  DELETE FROM day_set_built WHERE website_id = new.website_id AND day = old.first_at / 86400000 AND new.first_at / 86400000 <> new.last_at / 86400000;
  DELETE FROM hour_built WHERE website_id = new.website_id AND hour = old.first_at / 3600000;
END;

DELETE FROM day_set_built;
DELETE FROM day_set;
