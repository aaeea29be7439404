"""Every query the web app runs. All are constant SQL text with bound
parameters; writes go through the stored functions ``catalog.submit_suggestion``
and ``catalog.take_submission_slot``."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.db import Database
from app.rate_limit import SubmissionLimit


@dataclass(frozen=True)
class Topic:
    slug: str
    name: str


@dataclass(frozen=True)
class Resource:
    title: str
    url: str
    description: str


@dataclass
class TopicGroup:
    topic: Topic
    resources: list[Resource] = field(default_factory=list)


@dataclass(frozen=True)
class NewSuggestion:
    title: str
    url: str
    topic_slug: str


@dataclass(frozen=True)
class AcceptedSuggestion:
    title: str
    url: str
    topic_name: str
    reviewed_on: date


_RESOURCES_BY_TOPIC = """
    SELECT t.slug, t.name, r.title, r.url, r.description
      FROM catalog.topics AS t
      JOIN catalog.resources AS r ON r.topic_slug = t.slug
     ORDER BY t.position, r.id
"""
_TOPICS = "SELECT slug, name FROM catalog.topics ORDER BY position"
_SUBMIT = "SELECT catalog.submit_suggestion(%s, %s, %s, %s)"
_ACCEPTED = "SELECT title, url, topic_name, reviewed_on FROM catalog.accepted_suggestions(%s)"
_TAKE_SLOT = "SELECT catalog.take_submission_slot(%s, %s, %s)"


def resources_by_topic(db: Database) -> list[TopicGroup]:
    groups: list[TopicGroup] = []
    with db.connection() as conn:
        rows = conn.execute(_RESOURCES_BY_TOPIC).fetchall()
    for slug, name, title, url, description in rows:
        if not groups or groups[-1].topic.slug != slug:
            groups.append(TopicGroup(Topic(slug, name)))
        groups[-1].resources.append(Resource(title, url, description))
    return groups


def topics(db: Database) -> list[Topic]:
    with db.connection() as conn:
        return [Topic(slug, name) for slug, name in conn.execute(_TOPICS).fetchall()]


def submit_suggestion(db: Database, suggestion: NewSuggestion, correlation_id: str) -> int:
    """Store a suggestion and its audit row in one transaction; return its id."""
    with db.connection() as conn:
        row = conn.execute(
            _SUBMIT, (suggestion.title, suggestion.url, suggestion.topic_slug, correlation_id)
        ).fetchone()
    if row is None:  # a scalar function call always returns one row
        raise RuntimeError("submit_suggestion returned no row")
    return int(row[0])


def accepted_suggestions(db: Database, limit: int = 100) -> list[AcceptedSuggestion]:
    """Reviewed and accepted suggestions: all the public may see."""
    with db.connection() as conn:
        rows = conn.execute(_ACCEPTED, (limit,)).fetchall()
    return [AcceptedSuggestion(*row) for row in rows]


def take_submission_slot(db: Database, client_key: str, limit: SubmissionLimit) -> int:
    """Count a submission for the client: 0 if allowed, else seconds to wait."""
    with db.connection() as conn:
        row = conn.execute(_TAKE_SLOT, (client_key, limit.per_window, limit.window_seconds)).fetchone()
    if row is None:  # a scalar function call always returns one row
        raise RuntimeError("take_submission_slot returned no row")
    return int(row[0])


def ping(db: Database, timeout: float) -> None:
    """Raise DatabaseUnavailable unless a trivial query succeeds in time."""
    with db.connection(timeout=timeout) as conn:
        conn.execute("SELECT 1").fetchone()
