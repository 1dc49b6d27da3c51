"""Request ids in logs: each request gets one (the caller's ``X-Request-ID`` when it is sane, else a new one), it is
returned in the response's ``X-Request-ID``, tags every log line written while the request is served and travels
in the message headers of every Celery task the request starts, so the worker's log lines carry it too.
``LOG_FORMAT=json`` writes one JSON object per line (``JsonFormatter``) for log collectors.
"""

import contextvars
import json
import logging
import re
import uuid

from celery import signals

HEADER = "plumbline_request_id"  # the Celery message header carrying the id
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _SANE.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Django logs a request's error status after the middleware has returned; that line names its request."""

    def filter(self, record):
        request = getattr(record, "request", None)
        record.request_id = _request_id.get() or getattr(request, "request_id", "") or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


@signals.before_task_publish.connect
def _send_request_id(headers=None, **kwargs):
    if headers is not None and (request_id := _request_id.get()):
        headers.setdefault(HEADER, request_id)


_task_tokens: dict[str, contextvars.Token] = {}


@signals.task_prerun.connect
def _adopt_request_id(task_id=None, task=None, **kwargs):
    request = getattr(task, "request", None)
    request_id = getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(HEADER)
    if request_id and _SANE.fullmatch(str(request_id)):
        _task_tokens[task_id] = _request_id.set(str(request_id))


@signals.task_postrun.connect
def _drop_request_id(task_id=None, **kwargs):
    if (token := _task_tokens.pop(task_id, None)) is not None:
        _request_id.reset(token)
