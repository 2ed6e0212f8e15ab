"""One conformance run: send every phase's cases to the target, run the checks on each answer, collect findings.

schemathesis 4 has no in-process CLI, so the run drives its Python API: the schema is loaded from the
bundled ``openapi.yaml``; cases come from its coverage phase and its hypothesis strategies (mixed with
the suite's steered ones) and are sent with ``case.call``; every check, schemathesis' and the gateway's,
runs on every answer. Generated phases run under hypothesis without shrinking: a finding is recorded
and the run goes on, so a live run sends exactly the cases it generated and no more.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from schemathesis import CheckContext, GenerationMode
from schemathesis.config import ChecksConfig
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.transport import Response

from . import checks as _checks  # noqa: F401  (registers the gateway checks)
from .checks import GATEWAY_CHECKS, NamedCheck, select_checks
from .checks._common import ContractViolation, verdict
from .config import RunConfig
from .redact import Redactor
from .reference import use_release
from .results import CheckTally, Collector, Finding, RunResult
from .safety import (
    Budget,
    BudgetReached,
    Guard,
    GuardedASGIClient,
    GuardedSession,
    Target,
)
from .samples import Factory, Sample
from .schema import load_schema, ocr_operation

LIVE_DEFAULT_RATE = "2/s"
HAR_LIMIT = 20_000
Progress = Callable[[str, int, int], None]  # phase, done, planned


@dataclass
class _Run:
    config: RunConfig
    target: Target
    app: Any
    factory: Factory
    checks: list[NamedCheck]
    guard: Guard
    collector: Collector
    redact: Redactor
    progress: Progress | None
    checks_config: ChecksConfig
    auth_enforced: set[str] = field(default_factory=set)  # operations ignored_auth has confirmed (once a run)
    sessions: threading.local = field(default_factory=threading.local)  # one session per worker thread


def run_suite(config: RunConfig, *, app: Any = None, progress: Progress | None = None) -> RunResult:
    """Run the suite against ``config.target``, or against ``app`` in-process (default: the bundled mock)."""
    target = Target.from_option(config.target)
    target.check_allowed(config.live)
    release = use_release(config.gateway_release)
    if target.in_process and app is None:
        from mockserver.web.app import Settings, create_app

        app = create_app(Settings(gateway_release=release))
    key = config.api_key() or f"aistats_v1_sk_contract0_{secrets.token_hex(8)}"
    seed = config.seed if config.seed is not None else random.randrange(2**32)
    checks = select_checks(list(config.checks), list(config.exclude_checks), compare=config.compare_with_mock)
    rate = config.rate_limit or (None if target.loopback else LIVE_DEFAULT_RATE)
    schema = load_schema(key, request_timeout=config.request_timeout, rate_limit=rate)
    schema.app = app if target.in_process else None
    operation = ocr_operation(schema)
    capped = config.live and not target.in_process  # only the live gateway bills; local runs are counted, not capped
    budget = Budget(config.budget_usd if capped else None)
    guard = Guard(target, budget, record_limit=HAR_LIMIT if config.har else 0)
    result = RunResult(
        target=target.label,
        seed=seed,
        checks={check.name: CheckTally(check.name, check.description) for check in checks},
        budget_usd=float(config.budget_usd) if capped else None,
        redact=Redactor([key]),
    )
    run = _Run(
        config,
        target,
        app,
        Factory(operation, key),
        checks,
        guard,
        Collector(result),
        result.redact,
        progress,
        schema.config.checks_config_for(operation=operation),
    )
    started = time.monotonic()
    try:
        _execute_phases(run, seed)
    except KeyboardInterrupt:
        result.interrupted = True
    result.elapsed = time.monotonic() - started
    result.not_sent_budget = budget.refused
    result.billable = budget.billable
    result.spent_usd = budget.spent / 10**9
    result.exchanges = guard.exchanges
    return result


def _execute_phases(run: _Run, seed: int) -> None:
    """Cases are made in this thread, one phase after another; ``--workers`` threads send them and check answers.

    Generation stays in one thread (it is CPU-bound, and its result then does not depend on the number of
    workers); the workers overlap the waiting on the target.
    """
    with _Sender(run) as send:
        for phase in run.config.phases:
            if phase == "examples":
                _send_all(send, phase, run.factory.examples())
            elif phase == "coverage":
                _send_all(send, phase, list(run.factory.coverage()))
            else:
                mode = GenerationMode(phase)
                _generate(run, mode, seed + (mode == GenerationMode.NEGATIVE), send)


class _Sender:
    """Sends samples on ``workers`` threads, at most two per worker waiting; in this thread when there is one."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.workers = max(1, run.config.workers)
        self.pool = ThreadPoolExecutor(self.workers) if self.workers > 1 else None
        self.slots = threading.Semaphore(2 * self.workers)
        self.futures: list[Future[None]] = []
        self.done: dict[str, int] = {}
        self.lock = threading.Lock()

    def __enter__(self) -> Callable[[Sample, int], None]:
        return self.send

    def __exit__(self, *exc_info: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=exc_info[0] is not None)
            for future in self.futures:
                if not future.cancelled():
                    future.result()

    def send(self, sample: Sample, planned: int) -> None:
        if self.pool is None:
            self._execute(sample, planned)
            return
        self.slots.acquire()
        future = self.pool.submit(self._execute, sample, planned)
        future.add_done_callback(lambda _: self.slots.release())
        self.futures.append(future)

    def _execute(self, sample: Sample, planned: int) -> None:
        _execute(self.run, sample)
        if self.run.progress:
            with self.lock:
                self.done[sample.phase] = done = self.done.get(sample.phase, 0) + 1
            self.run.progress(sample.phase, done, planned)


def _send_all(send: Callable[[Sample, int], None], phase: str, samples: list[Sample]) -> None:
    for sample in samples:
        send(sample, len(samples))


def _generate(run: _Run, mode: GenerationMode, seed: int, send: Callable[[Sample, int], None]) -> None:
    """Hypothesis draws ``max_examples`` samples and hands each on; no shrinking, nothing raised back to it."""
    planned = run.config.max_examples

    @hypothesis_seed(seed)
    @settings(
        max_examples=planned,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @given(sample=run.factory.generated(mode))
    def generate(sample: Sample) -> None:
        send(sample, planned)

    if planned:
        generate()


def _session(run: _Run) -> requests.Session:
    session: requests.Session | None = getattr(run.sessions, "session", None)
    if session is None:
        session = GuardedASGIClient(run.app, run.guard) if run.target.in_process else GuardedSession(run.guard)
        run.sessions.session = session
    return session


def _execute(run: _Run, sample: Sample) -> None:
    session = _session(run)
    kwargs: dict[str, Any] = {"session": session}
    if sample.raw_body is not None:
        kwargs["data"] = sample.raw_body
    if run.target.url is not None:
        kwargs["base_url"] = run.target.url
    try:
        response = sample.case.call(**kwargs)
    except BudgetReached:
        run.collector.case_done(sample.phase, None)
        return
    except Exception as exc:  # a network failure, or an in-process app that raised instead of answering
        run.collector.case_done(sample.phase, None)
        run.collector.error(run.redact(f"{sample.phase} / {sample.label}: no answer: {type(exc).__name__}: {exc}"))
        return
    run.collector.case_done(sample.phase, response.status_code)
    transport = {"session": session, **({"base_url": run.target.url} if run.target.url else {})}
    context = CheckContext(
        override=None,
        auth=None,
        headers=None,
        config=run.checks_config,
        transport_kwargs=transport,
        response_checks=None,
        auth_enforced_operations=run.auth_enforced,
    )
    for check in run.checks:
        if sample.route_probe and check.name not in GATEWAY_CHECKS:
            continue  # schemathesis would judge the answer as one of POST /ocr
        if check.name == "not_a_server_error" and _contract_expects_server_error(response):
            continue  # e.g. a preset model is the gateway's own 500 (before/guards.ts L471-481, bff496d80)
        failures = _run_check(check, context, response, sample)
        if failures is None:
            continue
        run.collector.checked(check.name, bool(failures))
        for failure in failures:
            run.collector.finding(_finding(run, check.name, failure, sample, response))


def _contract_expects_server_error(response: Response) -> bool:
    if response.status_code < 500:
        return False
    try:
        return verdict(response).expected.status == response.status_code
    except Exception:  # a request the oracle cannot judge: leave it to the check
        return False


def _run_check(check: NamedCheck, context: CheckContext, response: Response, sample: Sample) -> list[Failure] | None:
    """The check's failures on this answer; None when it does not apply to it."""
    try:
        skipped = check.function(context, response, sample.case)
    except FailureGroup as group:
        return [failure for failure in group.exceptions if isinstance(failure, Failure)]
    except Failure as failure:
        return [failure]
    except AssertionError as error:
        return [ContractViolation(check.name, str(error).splitlines()[0] if str(error) else check.name, str(error))]
    except Exception as error:  # a check that breaks is reported, not allowed to end the run
        return [ContractViolation(check.name, f"the check itself failed: {type(error).__name__}", repr(error))]
    return None if skipped else []


def _finding(run: _Run, check: str, failure: Failure, sample: Sample, response: Response) -> Finding:
    try:
        curl = sample.case.as_curl_command(headers=dict(response.request.headers), base_url=run.target.url)
    except Exception:  # reproduction is a courtesy; a case schemathesis cannot render still gets reported
        curl = f"{response.request.method} {response.request.url}"
    body = response.content[:300].decode("utf-8", errors="replace")
    return Finding(
        check=check,
        title=run.redact(failure.title),
        message=run.redact(failure.message),
        phase=sample.phase,
        sample=run.redact(sample.label),
        request=run.redact(curl),
        answer=run.redact(f"{response.status_code} {body}"),
    )
