"""Errors of the knowledge base, reported to users in one line."""


class KnowledgeError(Exception):
    """A knowledge-base problem: a bad query, a mixed-up embedder, an unreadable source."""
