CREATE TABLE faults (
    id TEXT PRIMARY KEY NOT NULL,
    position BIGINT NOT NULL,
    preset TEXT,
    match_method TEXT,
    match_path TEXT,
    match_partner_tenant_id TEXT,
    match_customer_tenant_id TEXT,
    respond_status INTEGER,
    respond_shape TEXT,
    respond_code BIGINT,
    respond_error_name TEXT,
    respond_description TEXT,
    respond_retry_after_seconds BIGINT,
    latency_ms BIGINT NOT NULL,
    times BIGINT,
    probability DOUBLE PRECISION NOT NULL,
    seed BIGINT NOT NULL,
    matched BIGINT NOT NULL DEFAULT 0,
    fired BIGINT NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX faults_by_position ON faults (position);

CREATE TABLE fault_counters (
    name TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);

INSERT INTO fault_counters (name, value) VALUES ('position', 0), ('id', 0);
