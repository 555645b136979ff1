CREATE INDEX agreements_by_customer ON agreements (customer_id, partner_tenant_id);
DROP INDEX agreements_history;
