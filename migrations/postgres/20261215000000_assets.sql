-- Images a draft refers to (a client's logo), content-addressed: the key is the SHA-256
-- of the bytes, so storing the same file twice is one row and an `asset://sha256/<hex>`
-- reference can never come to mean other bytes. Only images checked by tenantry-core
-- (PNG, JPEG or WebP by their magic bytes, at most 512 KiB) are written here.
CREATE TABLE assets (
    sha256        TEXT   PRIMARY KEY NOT NULL CHECK (length(sha256) = 64),
    media_type    TEXT   NOT NULL CHECK (media_type IN ('image/png', 'image/jpeg', 'image/webp')),
    bytes         BYTEA  NOT NULL CHECK (octet_length(bytes) BETWEEN 1 AND 524288),
    created_at_ms BIGINT NOT NULL
);
