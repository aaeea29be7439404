"""Routes: the resource list, the suggestion form, reviewed suggestions,
probes, robots.txt and sitemap.xml."""
from __future__ import annotations

import logging

import psycopg
from flask import (
    Blueprint, Response, current_app, flash, g, jsonify, redirect, render_template, request, url_for,
)
from werkzeug.exceptions import TooManyRequests

from app import repository
from app.db import Database, DatabaseUnavailable
from app.forms import SuggestionForm
from app.rate_limit import SubmissionLimit, client_key

bp = Blueprint("site", __name__)
log = logging.getLogger("app.views")

READY_TIMEOUT_SECONDS = 2.0


def _db() -> Database:
    return current_app.extensions["securesample.db"]


def _enforce_submission_limit() -> None:
    limit: SubmissionLimit = current_app.extensions["securesample.submission_limit"]
    key = client_key(current_app.secret_key or "", request.remote_addr)  # type: ignore[arg-type]
    retry_after = repository.take_submission_slot(_db(), key, limit)
    if retry_after:
        log.warning("suggestion rate limit reached", extra={"event": "rate_limited", "status": 429})
        raise TooManyRequests(retry_after=retry_after)


@bp.get("/")
def index() -> str:
    return render_template("index.html", groups=repository.resources_by_topic(_db()))


@bp.route("/suggest", methods=["GET", "POST"])
def suggest() -> Response | str:
    form = SuggestionForm()
    form.topic.choices = [(t.slug, t.name) for t in repository.topics(_db())]
    if form.validate_on_submit():
        # Counted after CSRF and validation: only storable suggestions use a slot.
        _enforce_submission_limit()
        suggestion = repository.NewSuggestion(
            title=form.title.data, url=form.url.data, topic_slug=form.topic.data
        )
        try:
            new_id = repository.submit_suggestion(_db(), suggestion, g.correlation_id)
        except (psycopg.errors.IntegrityError, psycopg.errors.DataError):
            # The database's own checks are stricter in places than the form
            # (or a topic vanished meanwhile): a rejected value, not a failure.
            log.warning("suggestion rejected by the database", exc_info=True,
                        extra={"event": "suggestion_rejected"})
            form.form_errors.append("The suggestion could not be stored. Please check the values.")
        else:
            log.info("suggestion %d stored", new_id, extra={"event": "suggestion_stored"})
            flash("Thank you: your suggestion is waiting for review.")
            # 303 so that reloading the next page does not post the form again.
            return redirect(url_for("site.suggestions"), code=303)  # type: ignore[return-value]
    status = 400 if form.is_submitted() else 200
    return render_template("suggest.html", form=form), status  # type: ignore[return-value]


@bp.get("/suggestions")
def suggestions() -> str:
    return render_template("suggestions.html", suggestions=repository.accepted_suggestions(_db()))


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the process answers. Deliberately does not touch the database."""
    return jsonify(status="alive")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Readiness: the database answers a trivial query within a short time."""
    try:
        repository.ping(_db(), timeout=min(READY_TIMEOUT_SECONDS, _db().timeout))
    except DatabaseUnavailable:
        log.warning("readiness check failed", extra={"event": "not_ready", "status": 503})
        return jsonify(status="unavailable"), 503
    return jsonify(status="ready"), 200


@bp.get("/robots.txt")
def robots() -> Response:
    body = f"User-agent: *\nAllow: /\nDisallow: /suggest\nSitemap: {url_for('site.sitemap', _external=True)}\n"
    return Response(body, mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    pages = [url_for(endpoint, _external=True) for endpoint in ("site.index", "site.suggestions")]
    return Response(render_template("sitemap.xml", pages=pages), mimetype="application/xml")
