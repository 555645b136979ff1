-- One counter that moves whenever the state every request consults changes: partner registrations (updates and
-- removals; a new registration is found by a cache miss), clock offsets and fault rules. Instances keep that state
-- in memory and reload it when the counter differs from the one they loaded.
CREATE TABLE control_version (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO control_version (id, version) VALUES (1, 1);

CREATE TRIGGER partners_update_bumps_control AFTER UPDATE ON partners
BEGIN UPDATE control_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER partners_delete_bumps_control AFTER DELETE ON partners
BEGIN UPDATE control_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER clock_insert_bumps_control AFTER INSERT ON clock_offsets
BEGIN UPDATE control_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clock_update_bumps_control AFTER UPDATE ON clock_offsets
BEGIN UPDATE control_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER clock_delete_bumps_control AFTER DELETE ON clock_offsets
BEGIN UPDATE control_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER faults_insert_bumps_control AFTER INSERT ON faults
BEGIN UPDATE control_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER faults_delete_bumps_control AFTER DELETE ON faults
BEGIN UPDATE control_version SET version = version + 1 WHERE id = 1; END;
-- Counting matches and firings does not change the rules; switching a rule off does.
CREATE TRIGGER faults_switch_bumps_control AFTER UPDATE OF active ON faults WHEN OLD.active IS NOT NEW.active
BEGIN UPDATE control_version SET version = version + 1 WHERE id = 1; END;
