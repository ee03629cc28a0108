-- One row per visit with views: what the dashboard's stats, entry/exit/channel tables and visitor counts
-- would otherwise rebuild by grouping every view in the range (about 4 views a visit). Kept exact by a
-- trigger on every inserted view, whoever inserts it (the hit writer, an import, the bench's generator).
-- Reads use a visit row only when all of its views lie inside the range asked for; visits cut by the
-- range's edges are measured from their events (src/server/queries/visits.ts), so the numbers stay those
-- of a plain scan of the events. Deletes are not triggered: the purge and website reset keep the rows
-- (housekeeping recomputes the visits it cut, a reset deletes the website's rows).
CREATE TABLE visit (
  website_id INTEGER NOT NULL,
  -- First and last view (ms); entry and exit are those views' event ids (ties: the first and the last inserted).
  first_at   INTEGER NOT NULL,
  session_id INTEGER NOT NULL,
  visit_id   TEXT    NOT NULL,
  last_at    INTEGER NOT NULL,
  views      INTEGER NOT NULL,
  entry_id   INTEGER NOT NULL,
  exit_id    INTEGER NOT NULL,
  -- Ordered by website and start: the range reads are one scan of the table itself. A later view of a
  -- visit changes only columns outside both keys: the row is rewritten in place, no index entry.
  PRIMARY KEY (website_id, first_at, session_id, visit_id)
) WITHOUT ROWID;
-- How the trigger finds a view's visit.
CREATE UNIQUE INDEX visit_session_visit_idx ON visit (session_id, visit_id);

-- The longest visit of each website (ms from first to last view), only ever raised: how far before a
-- range's start a visit may begin and still reach into it, which bounds the search for the cut visits.
CREATE TABLE visit_span (
  website_id INTEGER PRIMARY KEY,
  span       INTEGER NOT NULL
);

CREATE TRIGGER website_event_visit AFTER INSERT ON website_event WHEN new.event_type = 1
BEGIN
  -- Nearly every view: one at or after its visit's start, which leaves the row's key as it is.
  UPDATE visit SET
    views   = views + 1,
    exit_id = CASE WHEN new.created_at >= last_at THEN new.event_id ELSE exit_id END,
    last_at = max(last_at, new.created_at)
  WHERE session_id = new.session_id AND visit_id = new.visit_id AND first_at <= new.created_at;
  -- A visit's first view, or a view dated before its start (the row moves to its new key).
  INSERT INTO visit (session_id, visit_id, website_id, first_at, last_at, views, entry_id, exit_id)
  VALUES (new.session_id, new.visit_id, new.website_id, new.created_at, new.created_at, 1, new.event_id, new.event_id)
  ON CONFLICT (session_id, visit_id) DO UPDATE SET
    views    = views + 1,
    first_at = excluded.first_at,
    entry_id = excluded.entry_id
  WHERE excluded.first_at < first_at;
END;

CREATE TRIGGER visit_span_grow AFTER UPDATE OF first_at, last_at ON visit
WHEN new.last_at - new.first_at > coalesce((SELECT span FROM visit_span WHERE website_id = new.website_id), 0)
BEGIN
  INSERT INTO visit_span (website_id, span) VALUES (new.website_id, new.last_at - new.first_at)
  ON CONFLICT (website_id) DO UPDATE SET span = excluded.span WHERE excluded.span > span;
END;

-- The visits of the events already stored (views in insertion order, so ties resolve as the trigger's do).
INSERT INTO visit (session_id, visit_id, website_id, first_at, last_at, views, entry_id, exit_id)
SELECT session_id, visit_id, min(website_id), min(created_at), max(created_at), count(*),
  (SELECT f.event_id FROM website_event f WHERE f.session_id = e.session_id AND f.visit_id = e.visit_id AND f.event_type = 1
    ORDER BY f.created_at, f.event_id LIMIT 1),
  (SELECT l.event_id FROM website_event l WHERE l.session_id = e.session_id AND l.visit_id = e.visit_id AND l.event_type = 1
    ORDER BY l.created_at DESC, l.event_id DESC LIMIT 1)
FROM website_event e WHERE event_type = 1
GROUP BY session_id, visit_id;

INSERT INTO visit_span (website_id, span)
SELECT website_id, max(last_at - first_at) FROM visit GROUP BY website_id;
