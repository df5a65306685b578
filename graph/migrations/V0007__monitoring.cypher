// Monitoring (docs/monitoring.md): monitors, observations, profiles and incidents are
// governance records, not catalog nodes (no :Node, so node_uid does not cover them): each
// label gets its own key constraint, which also indexes the lookups by key. An
// observation's key is `<monitor>|<time>`, one per monitor and time, which makes sending
// it again change nothing.
CREATE CONSTRAINT monitor_key IF NOT EXISTS FOR (n:Monitor) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT observation_key IF NOT EXISTS FOR (n:Observation) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT profile_key IF NOT EXISTS FOR (n:Profile) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT incident_key IF NOT EXISTS FOR (n:Incident) REQUIRE n.key IS UNIQUE;
// A monitor's latest observation at a time (health), and incidents by status and by time
// (the incidents list, open at a time).
CREATE INDEX observation_monitor_time IF NOT EXISTS FOR (n:Observation) ON (n.monitor, n.observed_at);
CREATE INDEX incident_status IF NOT EXISTS FOR (n:Incident) ON (n.status);
CREATE INDEX incident_opened IF NOT EXISTS FOR (n:Incident) ON (n.opened_at);
