DROP TABLE fault_counters;
DROP TABLE faults;
