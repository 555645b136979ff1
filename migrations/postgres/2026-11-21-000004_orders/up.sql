CREATE TABLE orders (
    id TEXT PRIMARY KEY NOT NULL,
    partner_tenant_id TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    reference_customer_id TEXT NOT NULL,
    billing_cycle TEXT NOT NULL,
    line_items TEXT NOT NULL,
    creation_date TIMESTAMP NOT NULL,
    status TEXT NOT NULL
);

CREATE INDEX orders_by_customer ON orders (customer_id, partner_tenant_id);
