// Governance: the audit chain, its events, API tokens, approvals and the access log.
// Audit events and tokens are not :Node, so no generic catalog query reads or writes them.
CREATE CONSTRAINT audit_event_seq IF NOT EXISTS FOR (n:AuditEvent) REQUIRE n.seq IS UNIQUE;
CREATE CONSTRAINT audit_chain_id IF NOT EXISTS FOR (n:AuditChain) REQUIRE n.id IS UNIQUE;
CREATE INDEX audit_event_target IF NOT EXISTS FOR (n:AuditEvent) ON (n.target);
CREATE INDEX audit_event_actor IF NOT EXISTS FOR (n:AuditEvent) ON (n.actor);
CREATE INDEX audit_event_action IF NOT EXISTS FOR (n:AuditEvent) ON (n.action);
CREATE CONSTRAINT api_token_hash IF NOT EXISTS FOR (n:ApiToken) REQUIRE n.hash IS UNIQUE;
CREATE CONSTRAINT api_token_id IF NOT EXISTS FOR (n:ApiToken) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT approval_key IF NOT EXISTS FOR (n:Approval) REQUIRE n.key IS UNIQUE;
CREATE INDEX access_event_time IF NOT EXISTS FOR (n:AccessEvent) ON (n.time);
