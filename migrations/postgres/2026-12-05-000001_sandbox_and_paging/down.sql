ALTER TABLE continuation_tokens DROP COLUMN filter_value;
ALTER TABLE continuation_tokens DROP COLUMN filter_field;
ALTER TABLE continuation_tokens DROP COLUMN page_size;
ALTER TABLE partners DROP COLUMN integration_sandbox;
