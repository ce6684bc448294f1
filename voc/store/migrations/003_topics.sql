-- Topics and pain points: the topic registry (ids stable across refits), which topic each
-- sentence belongs to, pain points per topic x channel x touchpoint x ISO week, and
-- survey metrics.

CREATE TABLE topics (
    topic_id     INTEGER PRIMARY KEY,       -- stable across refits; -1 is "other"
    label        VARCHAR NOT NULL,          -- short, human-readable ("refund · money back")
    keywords     VARCHAR[] NOT NULL,        -- class-based TF-IDF, best first
    quotes       VARCHAR[] NOT NULL,        -- representative sentences (already redacted)
    centroid     BLOB,                      -- float32, unit length, the embedder's width
    embedder     VARCHAR NOT NULL,
    size         INTEGER NOT NULL,          -- sentences in the latest fit
    status       VARCHAR NOT NULL,          -- active | merged | retired
    first_seen   VARCHAR,                   -- ISO week (YYYY-Www) of the fit that found it
    last_seen    VARCHAR,                   -- ISO week of the latest fit that had it
    created_run  VARCHAR NOT NULL,
    updated_run  VARCHAR NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

CREATE TABLE topic_events (
    run_id      VARCHAR NOT NULL,
    event       VARCHAR NOT NULL,           -- new | matched | merged | split | retired
    topic_id    INTEGER NOT NULL,           -- the topic the event is about
    related     INTEGER[] NOT NULL,         -- merged from / split into
    detail      VARCHAR,
    occurred_at TIMESTAMP NOT NULL          -- not `at`: a reserved word in DuckDB 2
);

CREATE TABLE sentence_topics (
    feedback_id     VARCHAR NOT NULL,
    sentence_index  INTEGER NOT NULL,
    topic_id        INTEGER NOT NULL,       -- -1: other (no topic similar enough)
    similarity      REAL NOT NULL,          -- cosine to the topic's centroid
    run_id          VARCHAR NOT NULL,
    PRIMARY KEY (feedback_id, sentence_index)
);

-- The fitted model the analyse flow assigns new sentences with (one row).
CREATE TABLE topic_model (
    model_id     INTEGER PRIMARY KEY,       -- always 1
    embedder     VARCHAR NOT NULL,
    threshold    DOUBLE NOT NULL,           -- cosine under which a sentence is "other"
    topic_ids    INTEGER[] NOT NULL,        -- stable id of each centroid row
    centroids    BLOB NOT NULL,             -- float32, (len(topic_ids), dim)
    dim          INTEGER NOT NULL,
    period       VARCHAR NOT NULL,          -- ISO week of the latest data in the fit
    sentences    INTEGER NOT NULL,          -- sentences fitted
    other_share  DOUBLE NOT NULL,
    run_id       VARCHAR NOT NULL,
    fitted_at    TIMESTAMP NOT NULL
);

CREATE TABLE pain_points (
    week             VARCHAR NOT NULL,      -- ISO week, YYYY-Www
    topic_id         INTEGER NOT NULL,
    channel          VARCHAR NOT NULL,      -- '*' for every channel together
    touchpoint       VARCHAR NOT NULL,      -- a taxonomy name, '(none)', or '*' for all
    volume           INTEGER NOT NULL,      -- records with a sentence in the topic
    negative_share   DOUBLE NOT NULL,       -- of the topic's sentences here, share negative
    mean_sentiment   DOUBLE NOT NULL,
    previous_volume  INTEGER NOT NULL,      -- the week before
    wow_change       DOUBLE,                -- (volume - previous) / previous; NULL when new
    recurrence       INTEGER NOT NULL,      -- weeks present out of the last 8 (this one incl.)
    baseline_mean    DOUBLE NOT NULL,       -- trailing 8 weeks (this one excluded)
    baseline_std     DOUBLE NOT NULL,
    emerging         BOOLEAN NOT NULL,
    nps_impact       DOUBLE,                -- NPS without these respondents - overall NPS
    csat_impact      DOUBLE,
    ces_impact       DOUBLE,
    score            DOUBLE NOT NULL,       -- the ranking score (see voc/painpoints.py)
    run_id           VARCHAR NOT NULL,
    PRIMARY KEY (week, topic_id, channel, touchpoint)
);

CREATE TABLE survey_metrics (
    week         VARCHAR NOT NULL,
    channel      VARCHAR NOT NULL,          -- '*' for every channel together
    touchpoint   VARCHAR NOT NULL,          -- '*' for every touchpoint together
    metric       VARCHAR NOT NULL,          -- nps | csat | ces
    value        DOUBLE NOT NULL,
    respondents  INTEGER NOT NULL,
    run_id       VARCHAR NOT NULL,
    PRIMARY KEY (week, channel, touchpoint, metric)
);
