CREATE TABLE form_nonces (
    nonce TEXT PRIMARY KEY NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE INDEX form_nonces_by_expiry ON form_nonces (expires_at);
