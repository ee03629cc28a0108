-- More tables from daily sets (src/server/queries/day-sets.ts): the session attributes (browser 4, os 5,
-- device 6, screen 7, language 8, country 9), fixed at a session's first sight, so the union of each day's sets
-- per value is as exact as for paths; the page's host (10); and custom events (11), whose sets hold event ids
-- rather than sessions, since that table counts events. An unknown value (NULL, Umami's "Unknown") is value id
-- 0 in the packed sets and has no day_set_value row.
-- Days built before hold no sets of these kinds: they are built again (in the background, by the hit writer);
-- until then their tables are read from the events, as for any day not built.
DELETE FROM day_set_built;
DELETE FROM day_set;
