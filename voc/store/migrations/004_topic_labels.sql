-- Readable topic labels (issue 11): a topic's label is a key phrase of its sentences, with
-- the label in each language it has (aliases) and its key phrases; labels a person gave
-- (`voc topics rename`) are kept apart, keyed by topic id, so every refit re-applies them.
-- Version 4: schema_migrations holds one row per version, so versions stay consecutive.

ALTER TABLE topics ADD COLUMN aliases VARCHAR;      -- JSON {"en": "...", "ja": "..."}
ALTER TABLE topics ADD COLUMN phrases VARCHAR[];    -- key phrases, best first (label first)

CREATE TABLE topic_renames (
    topic_id    INTEGER PRIMARY KEY,
    label       VARCHAR NOT NULL,               -- what the person wrote
    source      VARCHAR NOT NULL,               -- cli | config
    renamed_at  TIMESTAMP NOT NULL
);
