DROP TRIGGER faults_switch_bumps_control ON faults;
DROP TRIGGER faults_change_bumps_control ON faults;
DROP TRIGGER clock_change_bumps_control ON clock_offsets;
DROP TRIGGER partners_change_bumps_control ON partners;
DROP FUNCTION bump_control_version();
DROP TABLE control_version;
