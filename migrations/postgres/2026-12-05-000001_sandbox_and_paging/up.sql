-- A partner may be an integration sandbox, where customers can be deleted.
ALTER TABLE partners ADD COLUMN integration_sandbox BOOLEAN NOT NULL DEFAULT FALSE;
-- A continuation token carries the page size and the filter of the list it continues.
ALTER TABLE continuation_tokens ADD COLUMN page_size BIGINT NOT NULL DEFAULT 100;
ALTER TABLE continuation_tokens ADD COLUMN filter_field TEXT;
ALTER TABLE continuation_tokens ADD COLUMN filter_value TEXT;
