-- The foundation tables: feedback, quarantine, runs, and the files already ingested.
-- Timestamps are UTC, stored without zone.

CREATE TABLE feedback (
    feedback_id        VARCHAR PRIMARY KEY,  -- stable hash of (source, native id or content)
    source             VARCHAR NOT NULL,
    native_id          VARCHAR,
    channel            VARCHAR NOT NULL,
    touchpoint         VARCHAR,              -- given by the source; inferred ones come later
    text               VARCHAR NOT NULL,     -- normalised, PII redacted
    language           VARCHAR NOT NULL,     -- ISO 639-1, or 'und'
    created_at         TIMESTAMP,            -- UTC
    rating             DOUBLE,
    rating_scale       VARCHAR,              -- stars5 | nps | csat | ces
    metadata           JSON,
    content_key        VARCHAR,              -- near-duplicate key ('' for short texts)
    near_duplicate_of  VARCHAR,              -- feedback_id of the earlier near-identical item
    pii_redactions     INTEGER NOT NULL DEFAULT 0,
    file               VARCHAR,
    line               BIGINT,
    run_id             VARCHAR NOT NULL,
    ingested_at        TIMESTAMP NOT NULL
);

CREATE TABLE quarantine (
    quarantine_id   VARCHAR PRIMARY KEY,     -- hash of (source, file content, line, reason)
    run_id          VARCHAR NOT NULL,
    source          VARCHAR NOT NULL,
    file            VARCHAR,
    line            BIGINT,                  -- 1-based line (CSV/JSONL), item or row number
    reason          VARCHAR NOT NULL,
    detail          VARCHAR,
    raw_payload     VARCHAR,                 -- the row as read, PII redacted
    quarantined_at  TIMESTAMP NOT NULL
);

CREATE TABLE runs (
    run_id       VARCHAR PRIMARY KEY,
    flow         VARCHAR NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL,           -- running | completed | failed
    summary      JSON
);

CREATE TABLE ingested_files (
    source       VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,
    path         VARCHAR NOT NULL,
    size_bytes   BIGINT NOT NULL,
    rows_read    BIGINT NOT NULL,
    run_id       VARCHAR NOT NULL,
    ingested_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (source, sha256)
);
