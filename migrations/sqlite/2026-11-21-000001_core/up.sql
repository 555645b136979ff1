CREATE TABLE agreement_templates (
    template_id TEXT PRIMARY KEY NOT NULL,
    agreement_type TEXT NOT NULL,
    agreement_link TEXT NOT NULL,
    version_rank INTEGER NOT NULL,
    display_order INTEGER NOT NULL
);

INSERT INTO agreement_templates (template_id, agreement_type, agreement_link, version_rank, display_order) VALUES
    ('117a77b0-9360-443b-8795-c6dedc750cf9', 'MicrosoftCustomerAgreement', 'https://aka.ms/customeragreement', 0, 1),
    ('998b88de-aa99-4388-a42c-1b3517d49490', 'MicrosoftCloudAgreement', 'https://docs.microsoft.com/partner-center/agreements', 0, 2);

CREATE TABLE partners (
    tenant_id TEXT PRIMARY KEY NOT NULL,
    partner_type TEXT NOT NULL,
    mpn_id TEXT UNIQUE,
    mpa_signed BOOLEAN NOT NULL,
    auto_registered BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE customers (
    id TEXT PRIMARY KEY NOT NULL,
    owner_partner_tenant_id TEXT,
    domain TEXT NOT NULL,
    domain_key TEXT NOT NULL UNIQUE,
    company_name TEXT NOT NULL,
    commerce_id TEXT NOT NULL,
    billing_profile_id TEXT NOT NULL,
    billing_etag TEXT NOT NULL,
    billing_email TEXT NOT NULL,
    billing_culture TEXT NOT NULL,
    billing_language TEXT NOT NULL,
    billing_company_name TEXT NOT NULL,
    address_country TEXT NOT NULL,
    address_city TEXT NOT NULL,
    address_state TEXT,
    address_line1 TEXT NOT NULL,
    address_line2 TEXT,
    address_postal_code TEXT NOT NULL,
    address_first_name TEXT,
    address_last_name TEXT,
    address_phone_number TEXT,
    admin_user_name TEXT NOT NULL,
    admin_password_hash TEXT NOT NULL,
    has_legacy_purchases BOOLEAN NOT NULL DEFAULT FALSE,
    direct_acceptance_at TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE customer_relationships (
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    partner_tenant_id TEXT NOT NULL,
    relationship TEXT NOT NULL,
    since TIMESTAMP NOT NULL,
    lock_version BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (customer_id, partner_tenant_id)
);

CREATE INDEX customer_relationships_by_partner ON customer_relationships (partner_tenant_id);

CREATE TABLE agreements (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    partner_tenant_id TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    template_id TEXT NOT NULL,
    agreement_type TEXT NOT NULL,
    user_id TEXT,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone_number TEXT,
    date_agreed TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);

CREATE INDEX agreements_by_customer ON agreements (customer_id, partner_tenant_id);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    partner_tenant_id TEXT NOT NULL,
    customer_tenant_id TEXT NOT NULL,
    template_id TEXT NOT NULL,
    agreement_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    lease_until TIMESTAMP
);

CREATE INDEX notifications_by_customer ON notifications (customer_tenant_id);

CREATE TABLE idempotency_records (
    partner_tenant_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER,
    response_body TEXT,
    claimed_at TIMESTAMP NOT NULL,
    stored_at TIMESTAMP,
    PRIMARY KEY (partner_tenant_id, request_id)
);

CREATE TABLE continuation_tokens (
    token TEXT PRIMARY KEY NOT NULL,
    partner_tenant_id TEXT NOT NULL,
    after_created_at TIMESTAMP NOT NULL,
    after_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE clock_offsets (
    scope TEXT PRIMARY KEY NOT NULL,
    offset_ms BIGINT NOT NULL
);
