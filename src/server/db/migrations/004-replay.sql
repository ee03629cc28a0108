-- "Move history to…" (issue 5): jobs that replay a local website's hits to a website of a remote profile
-- through its /api/batch, with their original times. A job walks the website's events in event_id order
-- and notes after every page the remote server accepted how far it got, so after a pause, a crash or a
-- restart it continues from there and never sends an accepted page again.

CREATE TABLE replay (
  replay_id           INTEGER PRIMARY KEY,
  replay_uuid         TEXT    NOT NULL UNIQUE,
  website_id          INTEGER NOT NULL REFERENCES website (website_id) ON DELETE CASCADE,
  profile_id          INTEGER NOT NULL REFERENCES profile (profile_id) ON DELETE CASCADE,
  remote_website_id   TEXT    NOT NULL,
  remote_website_name TEXT,
  status              TEXT    NOT NULL CHECK (status IN ('running', 'paused', 'done', 'failed')),
  -- The last event_id sent and accepted (with every one before it); the job goes on after it.
  cursor              INTEGER NOT NULL DEFAULT 0,
  -- The job's last event, fixed when it was created: hits that arrive later are not part of it.
  until_event_id      INTEGER NOT NULL,
  -- Events of the job when it was created (the progress bar's whole).
  total               INTEGER NOT NULL,
  sent                INTEGER NOT NULL DEFAULT 0,
  accepted            INTEGER NOT NULL DEFAULT 0,
  -- Hits the remote server refused one by one (it took the rest of their page); the last reason given.
  rejected            INTEGER NOT NULL DEFAULT 0,
  last_rejection      TEXT,
  -- Why the job stopped (failed), or why the final count could not be read (done).
  error               TEXT,
  -- The final count check: the job's events here, and pageviews + events on the remote website over
  -- the same time range (range_start..range_end, ms).
  local_count         INTEGER,
  remote_count        INTEGER,
  range_start         INTEGER,
  range_end           INTEGER,
  checked_at          INTEGER,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  finished_at         INTEGER
);
CREATE INDEX replay_website_idx ON replay (website_id);
CREATE INDEX replay_profile_idx ON replay (profile_id);
