// Every catalog node carries :Node and a kind label (:Dataset, :ModelVersion, ...).
// Its uid is "<Kind>:<key>"; keys are stable and human-readable, a version key is
// <key>@<version>. One constraint gives every lookup, loader and traversal an index.
CREATE CONSTRAINT node_uid IF NOT EXISTS FOR (n:Node) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT audit_event_key IF NOT EXISTS FOR (n:AuditEvent) REQUIRE n.key IS UNIQUE;
