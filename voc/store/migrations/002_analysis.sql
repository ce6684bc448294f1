-- Analysis: sentences with their sentiment and touchpoints, the roll-up per record, and a
-- cache of sentence embeddings so that no text is embedded twice across runs.

CREATE TABLE sentences (
    feedback_id      VARCHAR NOT NULL,
    sentence_index   INTEGER NOT NULL,       -- 0-based position in the record
    start_char       INTEGER NOT NULL,       -- offsets into feedback.text
    end_char         INTEGER NOT NULL,
    text             VARCHAR NOT NULL,
    text_hash        VARCHAR NOT NULL,       -- key into embeddings
    language         VARCHAR NOT NULL,
    sentiment        VARCHAR NOT NULL,       -- negative | neutral | positive
    sentiment_score  DOUBLE NOT NULL,        -- p(positive) - p(negative), -1..1
    touchpoints      VARCHAR[] NOT NULL,     -- taxonomy names, taxonomy order
    PRIMARY KEY (feedback_id, sentence_index)
);

CREATE TABLE analysis (
    feedback_id      VARCHAR PRIMARY KEY,
    sentiment        VARCHAR,                -- NULL when the record has no sentence
    sentiment_score  DOUBLE,
    mixed            BOOLEAN NOT NULL,       -- clearly positive and clearly negative sentences
    touchpoints      VARCHAR[] NOT NULL,     -- inferred, plus the one the source gave
    n_sentences      INTEGER NOT NULL,
    error            VARCHAR,                -- why there is no analysis (empty_text)
    version          VARCHAR NOT NULL,       -- sentiment model, embedder, taxonomy digest
    run_id           VARCHAR NOT NULL,
    analyzed_at      TIMESTAMP NOT NULL
);

CREATE TABLE embeddings (
    text_hash   VARCHAR NOT NULL,            -- BLAKE2b-128 of the sentence text
    embedder    VARCHAR NOT NULL,
    dim         INTEGER NOT NULL,
    vector      BLOB NOT NULL,               -- float16, little-endian, dim values
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (text_hash, embedder)
);

-- What most questions start from: every stored record with its analysis.
CREATE VIEW enriched_feedback AS
SELECT f.feedback_id, f.source, f.channel, f.touchpoint AS source_touchpoint, f.text,
       f.language, f.created_at, f.rating, f.rating_scale, f.metadata, f.near_duplicate_of,
       a.sentiment, a.sentiment_score, a.mixed, a.touchpoints, a.n_sentences, a.version
FROM feedback f LEFT JOIN analysis a USING (feedback_id);
