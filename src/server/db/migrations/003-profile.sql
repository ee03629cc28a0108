-- Remote profiles (issue 5): other Umami servers the dashboard reads through this server, and the last
-- successful answer of each dashboard query per profile, so a remote dashboard still opens offline.
-- Credentials and the remote login are sealed (lib/seal.ts): a copy of this file alone reveals neither.

CREATE TABLE profile (
  profile_id   INTEGER PRIMARY KEY,
  profile_uuid TEXT    NOT NULL UNIQUE,
  name         TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- Normalised: no trailing slash, no /api; Umami Cloud's API base for Cloud.
  base_url     TEXT    NOT NULL,
  family       TEXT    NOT NULL CHECK (family IN ('v1', 'v2', 'v3', 'cloud')),
  -- The exact version when the server told it, else null (detection.versionRange says what is known).
  version      TEXT,
  -- What the probes found: server, dialect id and version, range, summary (shown to the user).
  detection    TEXT    NOT NULL CHECK (json_valid(detection)),
  credentials  BLOB    NOT NULL,
  auth_state   BLOB,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  last_ok_at   INTEGER
);

-- `key` is the call and its parameters exactly; `query_key` the same without the absolute dates (the
-- range's length stays in it), so "last 7 days" opened offline tomorrow still finds yesterday's answer.
CREATE TABLE profile_cache (
  profile_id INTEGER NOT NULL REFERENCES profile (profile_id) ON DELETE CASCADE,
  key        TEXT    NOT NULL,
  query_key  TEXT    NOT NULL,
  body       TEXT    NOT NULL,
  fetched_at INTEGER NOT NULL,
  PRIMARY KEY (profile_id, key)
) WITHOUT ROWID;
CREATE INDEX profile_cache_query_idx ON profile_cache (profile_id, query_key, fetched_at);
CREATE INDEX profile_cache_age_idx ON profile_cache (profile_id, fetched_at);
