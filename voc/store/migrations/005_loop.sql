-- Closing the loop (issue 14): what a team did about a pain point (actions), what happened
-- outside the feedback that may explain it (events), and the alerts sent to touchpoint
-- owners. Every table is append-only: a correction is a new row, so the history stays.

CREATE TABLE actions (
    action_id    INTEGER PRIMARY KEY,       -- 1, 2, ... in the order recorded
    topic_id     INTEGER NOT NULL,
    status       VARCHAR NOT NULL,          -- acknowledged | investigating | fix-shipped | won't-fix
    note         VARCHAR,
    actor        VARCHAR NOT NULL,          -- who recorded it ($VOC_USER, the OS user, the UI form)
    action_date  DATE NOT NULL,             -- when it happened (a fix: the day it shipped)
    recorded_at  TIMESTAMP NOT NULL         -- when it was recorded; the latest row is the status
);

CREATE TABLE events (
    event_id     INTEGER PRIMARY KEY,
    event_date   DATE NOT NULL,
    title        VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,          -- release | incident | campaign | other
    note         VARCHAR,
    recorded_at  TIMESTAMP NOT NULL
);

CREATE TABLE alerts_sent (
    week        VARCHAR NOT NULL,           -- ISO week of the pain point alerted on
    topic_id    INTEGER NOT NULL,
    touchpoint  VARCHAR NOT NULL,           -- the owner's touchpoint it was routed by
    team        VARCHAR NOT NULL,           -- the owner ('' when the touchpoint has none)
    channel     VARCHAR NOT NULL,           -- slack | email ('' when nothing could be sent)
    reason      VARCHAR NOT NULL,           -- why, in words ("emerging: 42 records, ...")
    figures     VARCHAR NOT NULL,           -- JSON: the figures and quotes sent
    status      VARCHAR NOT NULL,           -- sent | failed | no-owner
    sent_at     TIMESTAMP NOT NULL,         -- when this try was made
    error       VARCHAR                     -- why a try failed (never a secret)
);
