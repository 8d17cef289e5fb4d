-- Drafts: the private, local start of a client onboarding (issue 2's first slice).
CREATE TABLE drafts (
    id            TEXT   PRIMARY KEY NOT NULL,
    client_name   TEXT   NOT NULL CHECK (char_length(client_name) BETWEEN 1 AND 120),
    industry      TEXT   NOT NULL CHECK (char_length(industry) BETWEEN 1 AND 64),
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

CREATE INDEX drafts_newest_first ON drafts (created_at_ms DESC, id DESC);
