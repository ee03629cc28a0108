-- Server-wide settings an admin changes in the dashboard (data retention, the last housekeeping run), as
-- JSON values by key.
CREATE TABLE setting (
  key        TEXT    PRIMARY KEY,
  value      TEXT    NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
