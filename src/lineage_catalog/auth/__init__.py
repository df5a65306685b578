"""Tokens and roles: who is asking and what they may do (no GraphQL or Neo4j here)."""
