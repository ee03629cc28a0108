-- Sets per UTC hour (src/server/queries/day-sets.ts), for the hours of a built day that a range cuts: a range
-- rarely starts and ends at UTC midnight (the last 7 days end now, a zone's midnight is not UTC's), and its
-- first and last days were read event by event. A built day now also holds, for each table of events and
-- sessions (kinds 1–11 and 15–20), the same packed sets per hour of it: `hour` counts hours since 1970 (UTC). They
-- are valid exactly while their day is in day_set_built (built, dropped and purged with it), so they need no
-- trigger of their own. Days built before hold none: they are built again, in the background.
CREATE TABLE hour_set (
  website_id INTEGER NOT NULL,
  kind       INTEGER NOT NULL,
  hour       INTEGER NOT NULL,
  sets       BLOB    NOT NULL,
  PRIMARY KEY (website_id, kind, hour)
) WITHOUT ROWID;

DELETE FROM day_set_built;
DELETE FROM day_set;
