"""The outbox: every logical mail is a row, written in the transaction that causes it, and
sent by the worker exactly once in the normal course (docs/architecture.md "Mail")."""
