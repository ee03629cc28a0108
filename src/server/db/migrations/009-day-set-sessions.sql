-- More tables from daily sets (src/server/queries/day-sets.ts): the session attributes (browser 4, os 5,
-- device 6, screen 7, language 8, country 9), fixed at a session's first sight, so the union of each day's sets
-- per value is as exact as for paths; the page's host (10); and custom events (11), whose sets hold event ids
-- rather than sessions, since that table counts events; and the visit tables (entry 12, exit 13, channel 14),
-- whose sets hold the sessions of the visits wholly inside the day (channel: by the inputs of the channel, read
-- with the website's domain of the moment); the tag and UTM tables (15–20); and kind 0, not sets but the day's
-- totals over the visits wholly inside it (visits, views, bounces, seconds as four float64s), which with the
-- entry sets give the stats; for the pageviews series, the sessions with a view in each UTC hour (21, values
-- '0'–'23') and the views per hour (22, 24 float64s). An unknown value (NULL, Umami's "Unknown") is value id 0
-- in the packed sets and has no day_set_value row.
-- Days built before hold no sets of these kinds: they are built again (in the background, by the hit writer);
-- until then their tables are read from the events, as for any day not built.
DELETE FROM day_set_built;
DELETE FROM day_set;

-- The visit tables' sets hold the visits wholly inside the day. Such a visit that grows into another day (a
-- view after midnight, or one dated before its start) makes its day's sets stale: the day is built again. (A
-- view inserted into the day itself drops it already: website_event_day_set.)
CREATE TRIGGER visit_day_set AFTER UPDATE OF first_at, last_at ON visit
WHEN new.first_at / 86400000 <> new.last_at / 86400000 AND old.first_at / 86400000 = old.last_at / 86400000
BEGIN
  DELETE FROM day_set_built WHERE website_id = new.website_id AND day = old.first_at / 86400000;
END;
