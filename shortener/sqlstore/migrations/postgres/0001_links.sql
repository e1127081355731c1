-- Links, one row per code ever issued. A deleted or expired link keeps its
-- row (its tombstone), so a code is never issued twice. Times are integer
-- microseconds since the Unix epoch, UTC.
CREATE TABLE links (
	code       TEXT   NOT NULL PRIMARY KEY CHECK (octet_length(code) BETWEEN 1 AND 64),
	url        TEXT   NOT NULL CHECK (octet_length(url) BETWEEN 1 AND 2048),
	created_us BIGINT NOT NULL,
	expires_us BIGINT,
	deleted_us BIGINT,
	clicks     BIGINT NOT NULL DEFAULT 0
);

-- Recent: newest first.
CREATE INDEX links_created ON links (created_us DESC);

-- Counter blocks: one row per named counter; a block is taken by one
-- UPDATE ... RETURNING, which holds the row's lock until it commits.
CREATE TABLE counters (
	name TEXT   NOT NULL PRIMARY KEY,
	next BIGINT NOT NULL CHECK (next >= 1)
);

INSERT INTO counters (name, next) VALUES ('links', 1);
