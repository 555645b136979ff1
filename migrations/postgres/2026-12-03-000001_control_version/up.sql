-- One counter that moves whenever the state every request consults changes: partner registrations (updates and
-- removals; a new registration is found by a cache miss), clock offsets and fault rules. Instances keep that state
-- in memory and reload it when the counter differs from the one they loaded.
CREATE TABLE control_version (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO control_version (id, version) VALUES (1, 1);

CREATE FUNCTION bump_control_version() RETURNS trigger AS $$
BEGIN
    UPDATE control_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER partners_change_bumps_control AFTER UPDATE OR DELETE OR TRUNCATE ON partners
    FOR EACH STATEMENT EXECUTE FUNCTION bump_control_version();
CREATE TRIGGER clock_change_bumps_control AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clock_offsets
    FOR EACH STATEMENT EXECUTE FUNCTION bump_control_version();
CREATE TRIGGER faults_change_bumps_control AFTER INSERT OR DELETE OR TRUNCATE ON faults
    FOR EACH STATEMENT EXECUTE FUNCTION bump_control_version();
-- Counting matches and firings does not change the rules; switching a rule off does.
CREATE TRIGGER faults_switch_bumps_control AFTER UPDATE ON faults
    FOR EACH ROW WHEN (OLD.active IS DISTINCT FROM NEW.active) EXECUTE FUNCTION bump_control_version();
