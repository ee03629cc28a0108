-- Saved reports of the current API (umami-v2.md §5.1): a report type, a name and its parameters as JSON.
-- A report goes with its website and with the account that saved it (ON DELETE CASCADE; foreign_keys is on).

CREATE TABLE report (
  report_id   INTEGER PRIMARY KEY,
  report_uuid TEXT    NOT NULL UNIQUE,
  user_id     INTEGER NOT NULL REFERENCES account (user_id) ON DELETE CASCADE,
  website_id  INTEGER NOT NULL REFERENCES website (website_id) ON DELETE CASCADE,
  type        TEXT    NOT NULL,
  name        TEXT    NOT NULL CHECK (length(name) <= 200),
  description TEXT    NOT NULL DEFAULT '' CHECK (length(description) <= 500),
  parameters  TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(parameters)),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX report_website_id_idx ON report (website_id);
CREATE INDEX report_user_id_idx ON report (user_id);
