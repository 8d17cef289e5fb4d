-- Drafts: the private, local start of a client onboarding (issue 2's first slice).
CREATE TABLE drafts (
    id            TEXT    PRIMARY KEY NOT NULL,
    client_name   TEXT    NOT NULL CHECK (length(client_name) BETWEEN 1 AND 120),
    industry      TEXT    NOT NULL CHECK (length(industry) BETWEEN 1 AND 64),
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX drafts_newest_first ON drafts (created_at_ms DESC, id DESC);
