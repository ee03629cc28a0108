-- One store for both API dialects: integer ids for the classic v1 API, UUIDs for the current one.
-- Times are integer milliseconds since the epoch, UTC.

CREATE TABLE account (
  user_id    INTEGER PRIMARY KEY,
  user_uuid  TEXT    NOT NULL UNIQUE,
  username   TEXT    NOT NULL UNIQUE,
  password   TEXT    NOT NULL,
  role       TEXT    NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user', 'view-only')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Login tokens are random; only their SHA-256 is stored, so a copy of the database grants nothing.
CREATE TABLE auth_token (
  token_hash TEXT    PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES account (user_id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX auth_token_user_id_idx ON auth_token (user_id);

CREATE TABLE website (
  website_id   INTEGER PRIMARY KEY,
  website_uuid TEXT    NOT NULL UNIQUE,
  user_id      INTEGER NOT NULL REFERENCES account (user_id),
  name         TEXT    NOT NULL,
  domain       TEXT,
  share_id     TEXT    UNIQUE,
  reset_at     INTEGER,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX website_user_id_idx ON website (user_id);

-- Session attributes are fixed at first sight, as in Umami.
CREATE TABLE session (
  session_id   INTEGER PRIMARY KEY,
  session_uuid TEXT    NOT NULL UNIQUE,
  website_id   INTEGER NOT NULL REFERENCES website (website_id),
  created_at   INTEGER NOT NULL,
  hostname     TEXT,
  browser      TEXT,
  os           TEXT,
  device       TEXT,
  screen       TEXT,
  language     TEXT,
  country      TEXT,
  region       TEXT,
  city         TEXT,
  distinct_id  TEXT
);
CREATE INDEX session_website_id_created_at_idx ON session (website_id, created_at);

-- Pageviews and custom events. `referrer` keeps the URL as sent (the v1 API reports it whole);
-- `referrer_domain` (host without www.) is what the current API groups by.
CREATE TABLE website_event (
  event_id        INTEGER PRIMARY KEY,
  website_id      INTEGER NOT NULL REFERENCES website (website_id),
  session_id      INTEGER NOT NULL REFERENCES session (session_id),
  visit_id        TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  event_type      INTEGER NOT NULL,
  url_path        TEXT    NOT NULL,
  url_query       TEXT,
  referrer        TEXT,
  referrer_domain TEXT,
  page_title      TEXT,
  event_name      TEXT,
  tag             TEXT,
  hostname        TEXT,
  utm_source      TEXT,
  utm_medium      TEXT,
  utm_campaign    TEXT,
  utm_content     TEXT,
  utm_term        TEXT,
  gclid           TEXT,
  fbclid          TEXT,
  msclkid         TEXT,
  ttclid          TEXT,
  li_fat_id       TEXT,
  twclid          TEXT
);
CREATE INDEX website_event_website_id_created_at_idx ON website_event (website_id, created_at);
CREATE INDEX website_event_session_id_created_at_idx ON website_event (session_id, created_at);

-- Event properties, flattened (nested keys joined with '.') and typed as Umami types them.
CREATE TABLE event_data (
  event_data_id INTEGER PRIMARY KEY,
  website_id    INTEGER NOT NULL REFERENCES website (website_id),
  event_id      INTEGER NOT NULL REFERENCES website_event (event_id),
  data_key      TEXT    NOT NULL,
  string_value  TEXT,
  number_value  REAL,
  date_value    INTEGER,
  data_type     INTEGER NOT NULL,
  created_at    INTEGER NOT NULL
);
CREATE INDEX event_data_event_id_idx ON event_data (event_id);
CREATE INDEX event_data_website_id_created_at_idx ON event_data (website_id, created_at);

CREATE TABLE session_data (
  session_data_id INTEGER PRIMARY KEY,
  website_id      INTEGER NOT NULL REFERENCES website (website_id),
  session_id      INTEGER NOT NULL REFERENCES session (session_id),
  data_key        TEXT    NOT NULL,
  string_value    TEXT,
  number_value    REAL,
  date_value      INTEGER,
  data_type       INTEGER NOT NULL,
  distinct_id     TEXT,
  created_at      INTEGER NOT NULL,
  UNIQUE (session_id, data_key)
);
CREATE INDEX session_data_website_id_created_at_idx ON session_data (website_id, created_at);
