-- The confirmation history is read newest first: the index gives that order, so no read sorts.
CREATE INDEX agreements_history ON agreements (customer_id, partner_tenant_id, recorded_at DESC, id DESC);
DROP INDEX agreements_by_customer;
