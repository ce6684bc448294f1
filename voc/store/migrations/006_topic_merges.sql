-- Topics a person merged (issue 14: `voc topics merge A B`, the web app's Topics page):
-- topic_id's sentences belong to into_id from now on. Kept apart from the registry, keyed
-- by topic id like topic_renames, so every refit and every assignment re-applies it: the
-- registry keeps matching the merged topic to its own cluster (its id stays stable), and
-- the merge maps that cluster onto the survivor. Deleting a row undoes the merge at the
-- next refit.

CREATE TABLE topic_merges (
    topic_id    INTEGER PRIMARY KEY,            -- the topic merged away
    into_id     INTEGER NOT NULL,               -- the topic that holds its sentences now
    source      VARCHAR NOT NULL,               -- cli | ui
    merged_at   TIMESTAMP NOT NULL
);
