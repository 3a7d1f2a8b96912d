"""Calls of the Calendar API as one user: the bearer token, `quotaUser`, retries, batches.

    ApiCall       one Calendar API call, as a value (operation, method, path, query, body)
    GoogleApi     sends calls over the one shared `httpx.AsyncClient`, alone or batched

Every call names the user twice: the token acts as the user (domain-wide delegation) and
`quotaUser` charges the user's own per-user quota instead of the service account's, which
all users would otherwise share (GOOGLE_NOTES.md, "Quotas"). Google caps `quotaUser` at
40 characters, so a longer address is replaced by a stable digest of it.

A refused token (401) is dropped and the call tried once more with a fresh one; rate
limits and failures of Google's side are retried per `RetryPolicy`; the answer comes back
as an `Answer`, or the translated error is raised. In a batch each part is judged on its
own: parts that met a rate limit or a 5xx go again (after the backoff) in the next round,
the others keep their answer, whatever it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from tandem.connectors.google import batch as multipart
from tandem.connectors.google.errors import AccessTokenRejected, Answer, Call, MappingError, observed, translate
from tandem.connectors.google.retry import RetryPolicy, retrying
from tandem.connectors.google.settings import Endpoints
from tandem.connectors.google.tokens import TokenSource
from tandem.domain.errors import RateLimited, TandemError, Unavailable
from tandem.ports.calendar import CallObserver, unobserved

log = logging.getLogger("tandem.connectors.google")
QUOTA_USER_MAX = 40
BATCH_TIMEOUT = httpx.Timeout(120.0, connect=10.0)


def quota_user(user: str) -> str:
    """The `quotaUser` for a user: the address itself, or a digest when it is too long."""
    address = user.strip().lower()
    if len(address) <= QUOTA_USER_MAX:
        return address
    return "u-" + hashlib.sha256(address.encode("utf-8")).hexdigest()[: QUOTA_USER_MAX - 2]


@dataclass(frozen=True, slots=True)
class ApiCall:
    operation: str
    method: str
    path: str
    """Below the API root, e.g. `/calendars/primary/events/<id>` (already quoted)."""
    params: tuple[tuple[str, str], ...] = ()
    body: dict[str, Any] | None = None
    if_match: str | None = None

    @staticmethod
    def events_path(event_id: str | None = None) -> str:
        """CAL-4: always the user's primary calendar, whatever else they have."""
        base = "/calendars/primary/events"
        return base if event_id is None else f"{base}/{quote(event_id, safe='')}"

    def query(self, user: str) -> tuple[tuple[str, str], ...]:
        return (*self.params, ("quotaUser", quota_user(user)))

    def content(self) -> bytes | None:
        return None if self.body is None else json.dumps(self.body, separators=(",", ":")).encode("utf-8")


class GoogleApi:
    """The Calendar API for any number of users, over one pooled client."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        tokens: TokenSource,
        endpoints: Endpoints,
        retry: RetryPolicy,
        observe: CallObserver = unobserved,
    ) -> None:
        self.http = http
        self.tokens = tokens
        self.endpoints = endpoints
        self.retry = retry
        self.observe = observe

    def _observed(self, answer: Answer, operation: str) -> Answer:
        self.observe(operation, *observed(answer, operation))
        return answer

    def _call(self, operation: str, user: str) -> Call:
        return Call(operation, user, self.tokens.service_account, self.tokens.client_id)

    async def send(self, user: str, call: ApiCall) -> Answer:
        """The answer to `call` if Google accepted it; the translated error otherwise."""
        answer = await self.answer(user, call)
        if not answer.ok:
            raise translate(answer, self._call(call.operation, user))
        return answer

    async def answer(self, user: str, call: ApiCall) -> Answer:
        """Google's final answer to `call`, success or not, after a token refresh and the
        retries (a rate limit or a failure of Google's that outlasts them is raised)."""

        async def once() -> Answer:
            answer = await self._once(user, call)
            if not answer.ok:
                error = translate(answer, self._call(call.operation, user))
                if isinstance(error, RateLimited | Unavailable):
                    raise error
            return answer

        return await retrying(self.retry, f"{call.operation} for {user}", once)

    async def _once(self, user: str, call: ApiCall) -> Answer:
        """One call; a refused token is replaced and the call sent once more."""
        content = call.content()
        url = self.endpoints.api_root.rstrip("/") + call.path
        answer = Answer(401)
        for _attempt in range(2):
            token = await self.tokens.token(user)
            headers = {"Authorization": f"Bearer {token}"}
            if call.if_match is not None:
                headers["If-Match"] = call.if_match
            if content is not None:
                headers["Content-Type"] = "application/json; charset=UTF-8"
            try:
                response = await self.http.request(
                    call.method, url, params=call.query(user), content=content, headers=headers
                )
            except httpx.HTTPError as exc:
                self.observe(call.operation, 0, "transport")
                raise translate(exc, self._call(call.operation, user)) from exc
            answer = self._observed(Answer.of(response), call.operation)
            if answer.status != 401:
                return answer
            self.tokens.forget(user, token)
        return answer

    async def batch(
        self, user: str, calls: Sequence[ApiCall], max_parts: int = multipart.MAX_PARTS
    ) -> list[Answer | TandemError]:
        """Each call's final answer (or the error that ended it), in the order of `calls`.

        Calls go in batches of at most `max_parts`. A part (or a whole batch) refused for its
        token goes again at once with a fresh token, once; parts that met a rate limit or a
        failure of Google's go again after the backoff, in rounds, until the policy gives up."""
        results: list[Answer | TandemError] = [Unavailable("not sent")] * len(calls)
        pending = list(range(len(calls)))
        retry, token_refreshed = 0, False
        while pending:
            outcomes = await self._round(user, [calls[i] for i in pending], max_parts)
            now: list[int] = []
            later: list[int] = []
            wait: float | None = None
            for index, outcome in zip(pending, outcomes, strict=True):
                results[index] = outcome
                error = outcome if not isinstance(outcome, Answer) else self._error_of(outcome, calls[index], user)
                if isinstance(error, AccessTokenRejected) and not token_refreshed:
                    now.append(index)
                elif isinstance(error, RateLimited | Unavailable):
                    later.append(index)
                    if error.retry_after is not None:
                        wait = max(wait or 0.0, error.retry_after)
            token_refreshed = token_refreshed or bool(now)
            if later:
                delay = self.retry.delay(retry, wait)
                if delay is None:
                    later = []
                else:
                    log.info("batch for %s: %d parts again in %.2f s (round %d)", user, len(later), delay, retry + 1)
                    await self.retry.sleep(delay)
                    retry += 1
            pending = sorted(now + later)
        return results

    def _error_of(self, answer: Answer, call: ApiCall, user: str) -> TandemError | None:
        return None if answer.ok else translate(answer, self._call(call.operation, user))

    async def _round(self, user: str, calls: Sequence[ApiCall], max_parts: int) -> list[Answer | TandemError]:
        out: list[Answer | TandemError] = []
        for start in range(0, len(calls), max_parts):
            out.extend(await self._one_batch(user, calls[start : start + max_parts]))
        return out

    async def _one_batch(self, user: str, calls: Sequence[ApiCall]) -> list[Answer | TandemError]:
        """One batch request; a failure of the whole request is every part's outcome."""
        call = self._call("batch", user)
        try:
            token = await self.tokens.token(user)
        except TandemError as error:
            return [error] * len(calls)
        boundary = multipart.new_boundary()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": f"multipart/mixed; boundary={boundary}"}
        parts = [self._part(user, c, token) for c in calls]
        try:
            response = await self.http.post(
                self.endpoints.batch_url,
                content=multipart.encode(parts, boundary),
                headers=headers,
                timeout=BATCH_TIMEOUT,  # Google may take a while over 1000 parts
            )
            answer = Answer.of(response)
            answers: list[Answer | TandemError] = []
            if answer.ok:
                answers.extend(multipart.decode(answer.headers.get("content-type", ""), answer.content, len(calls)))
        except (httpx.HTTPError, MappingError) as exc:
            self.observe("batch", 0, "transport" if isinstance(exc, httpx.HTTPError) else "unreadable")
            return [translate(exc, call)] * len(calls)
        if not answer.ok:
            self.observe("batch", 0, observed(answer, "batch")[1])
            answers = [translate(answer, call)] * len(calls)
        for part, outcome in zip(calls, answers, strict=True):
            if isinstance(outcome, Answer):  # each part counts against the quota as one call
                self._observed(outcome, part.operation)
        if answer.status == 401 or any(isinstance(a, Answer) and a.status == 401 for a in answers):
            self.tokens.forget(user, token)
        return answers

    def _part(self, user: str, call: ApiCall, token: str) -> multipart.PartRequest:
        headers = {"Authorization": f"Bearer {token}"}
        if call.if_match is not None:
            headers["If-Match"] = call.if_match
        target = f"{self.endpoints.api_path}{call.path}?{urlencode(call.query(user))}"
        return multipart.PartRequest(call.method, target, headers, call.content())
