//! Each rule of runs (`src/run.rs`), as a named, deterministic test: two
//! devices exchanging bundles, each with a clock the test sets.

use vrooli_core::{bundle, DocId};
use vrooli_model::entities::{Run, RunIo, RunStep};
use vrooli_model::enums::RunStatus::{self, *};
use vrooli_model::{Entity, Timestamp, Value};
use vrooli_store::ListQuery;

use crate::support::*;

const START: i64 = 1_750_000_000_000_000;
const SECOND: i64 = 1_000_000;
const NODE: &str = "123e4567-e89b-12d3-a456-426614174000";

struct Pair {
    a: Device,
    b: Device,
    clock_a: TestClock,
    clock_b: TestClock,
}

/// Two devices with their own clocks, sharing one run in `status`.
fn shared_run(path: &[RunStatus]) -> (Pair, i64) {
    let clock_a = TestClock::at(START);
    let clock_b = TestClock::at(START);
    let mut a = device_at(&clock_a);
    let mut b = device_at(&clock_b);
    let run = a.ws.create_run("Nightly", None).unwrap();
    for status in path {
        clock_a.advance(SECOND);
        a.ws.set_run_status(run.id, *status).unwrap();
    }
    send(&a, &mut b);
    (Pair { a, b, clock_a, clock_b }, run.id)
}

fn run(d: &Device, id: i64) -> Run {
    d.ws.store().get::<Run>(id).unwrap().unwrap()
}

fn at(micros: i64) -> Option<Timestamp> {
    Some(Timestamp::from_micros(micros))
}

fn rows<E: Entity>(d: &Device, run: i64) -> Vec<E> {
    let query = ListQuery::default().filter("runId", Value::Integer(run)).limit(100);
    d.ws.store().list::<E>(&query).unwrap().items
}

#[test]
fn illegal_transitions_are_refused_and_list_the_allowed_ones() {
    let (mut p, id) = shared_run(&[]);
    let error = p.a.ws.set_run_status(id, Completed).unwrap_err();
    assert_eq!((error.code(), error.field().as_deref()), ("illegal_transition", Some("status")));
    assert!(error.to_string().contains("allowed: InProgress, Cancelled"), "{error}");
    p.a.ws.set_run_status(id, InProgress).unwrap();
    p.a.ws.set_run_status(id, Failed).unwrap();
    let error = p.a.ws.set_run_status(id, InProgress).unwrap_err();
    assert!(error.to_string().contains("allowed: none"), "{error}");
    assert_eq!(run(&p.a, id).status, Failed, "a refused change changes nothing");
}

#[test]
fn a_run_records_when_it_started_and_ended() {
    let (mut p, id) = shared_run(&[]);
    let created = run(&p.a, id);
    assert_eq!(
        (created.status, created.started_at, created.completed_at, created.time_elapsed),
        (Scheduled, None, None, None)
    );
    p.clock_a.advance(10 * SECOND);
    p.a.ws.set_run_status(id, InProgress).unwrap();
    p.clock_a.advance(5 * SECOND);
    p.a.ws.set_run_status(id, Paused).unwrap();
    p.clock_a.advance(5 * SECOND);
    let resumed = p.a.ws.set_run_status(id, InProgress).unwrap();
    assert_eq!(resumed.started_at, at(START + 10 * SECOND), "resuming keeps the first start");
    p.clock_a.advance(2 * SECOND);
    let done = p.a.ws.set_run_status(id, Completed).unwrap();
    assert_eq!(done.completed_at, at(START + 22 * SECOND));
    assert_eq!(done.time_elapsed, Some(12_000), "completedAt − startedAt, pauses included");
    send(&p.a, &mut p.b);
    assert_converged(&p.a, &p.b);
}

#[test]
fn a_run_cancelled_before_it_started_has_no_start_or_duration() {
    let (mut p, id) = shared_run(&[]);
    p.clock_a.advance(SECOND);
    let cancelled = p.a.ws.set_run_status(id, Cancelled).unwrap();
    assert_eq!(
        (cancelled.started_at, cancelled.completed_at, cancelled.time_elapsed),
        (None, at(START + SECOND), None)
    );
}

#[test]
fn a_terminal_status_beats_a_concurrent_pause() {
    let (mut p, id) = shared_run(&[InProgress]);
    p.clock_a.advance(3 * SECOND);
    p.a.ws.set_run_status(id, Completed).unwrap();
    p.clock_b.advance(9 * SECOND);
    p.b.ws.set_run_status(id, Paused).unwrap();
    sync(&mut p.a, &mut p.b);
    for d in [&p.a, &p.b] {
        let r = run(d, id);
        assert_eq!(r.status, Completed);
        assert_eq!((r.started_at, r.completed_at), (at(START + SECOND), at(START + 4 * SECOND)), "the winner's time");
        assert_eq!(r.time_elapsed, Some(3_000));
    }
    assert_converged(&p.a, &p.b);
}

#[test]
fn failed_beats_cancelled_beats_completed() {
    for (on_a, on_b, winner) in
        [(Completed, Failed, Failed), (Completed, Cancelled, Cancelled), (Failed, Cancelled, Failed)]
    {
        let (mut p, id) = shared_run(&[InProgress]);
        p.clock_a.advance(SECOND);
        p.a.ws.set_run_status(id, on_a).unwrap();
        p.clock_b.advance(2 * SECOND);
        p.b.ws.set_run_status(id, on_b).unwrap();
        sync(&mut p.a, &mut p.b);
        assert_eq!(run(&p.a, id).status, winner, "{on_a} on a, {on_b} on b");
        assert_eq!(run(&p.b, id).status, winner);
        assert_converged(&p.a, &p.b);
    }
}

#[test]
fn a_pause_beats_a_concurrent_resume() {
    // Both devices see the run paused; a resumes it, b resumes and pauses it
    // again: InProgress (a) and Paused (b) are concurrent values.
    let (mut p, id) = shared_run(&[InProgress, Paused]);
    p.a.ws.set_run_status(id, InProgress).unwrap();
    p.b.ws.set_run_status(id, InProgress).unwrap();
    p.b.ws.set_run_status(id, Paused).unwrap();
    sync(&mut p.a, &mut p.b);
    assert_eq!(run(&p.a, id).status, Paused);
    assert_eq!(run(&p.a, id).started_at, at(START + SECOND), "still the first start");
    assert_converged(&p.a, &p.b);
    // The merged status is the base of the next local change on both devices.
    p.a.ws.set_run_status(id, InProgress).unwrap();
    sync(&mut p.a, &mut p.b);
    assert_eq!(run(&p.b, id).status, InProgress);
    assert_converged(&p.a, &p.b);
}

#[test]
fn concurrent_starts_keep_the_earliest_start() {
    let (mut p, id) = shared_run(&[]);
    p.clock_a.advance(20 * SECOND);
    p.a.ws.set_run_status(id, InProgress).unwrap();
    p.clock_b.advance(5 * SECOND);
    p.b.ws.set_run_status(id, InProgress).unwrap();
    sync(&mut p.a, &mut p.b);
    assert_eq!(run(&p.a, id).started_at, at(START + 5 * SECOND), "b started first");
    assert_converged(&p.a, &p.b);
}

#[test]
fn time_elapsed_is_clamped_to_one_day() {
    let (mut p, id) = shared_run(&[InProgress]);
    p.clock_a.advance(2 * 86_400 * SECOND);
    let done = p.a.ws.set_run_status(id, Completed).unwrap();
    assert_eq!(done.time_elapsed, Some(86_400_000));
    // A device whose clock is behind ends the run "before" it started elsewhere.
    let (mut p, id) = shared_run(&[]);
    p.clock_a.advance(60 * SECOND);
    p.a.ws.set_run_status(id, InProgress).unwrap();
    send(&p.a, &mut p.b);
    p.clock_b.advance(10 * SECOND);
    let done = p.b.ws.set_run_status(id, Failed).unwrap();
    assert_eq!(done.time_elapsed, Some(0));
}

#[test]
fn concurrent_steps_and_io_all_survive() {
    let (mut p, id) = shared_run(&[InProgress]);
    let sa = p.a.ws.add_run_step(id, "fetch", NODE).unwrap();
    let sb = p.b.ws.add_run_step(id, "parse", NODE).unwrap();
    assert_eq!((sa.order, sb.order), (0, 0), "order counts the steps a device knew of");
    p.a.ws.add_run_io(id, "fetch", "url", "\"https://example.com\"").unwrap();
    p.b.ws.add_run_io(id, "parse", "input", "{}").unwrap();
    sync(&mut p.a, &mut p.b);
    for d in [&p.a, &p.b] {
        assert_eq!(rows::<RunStep>(d, id).len(), 2);
        assert_eq!(rows::<RunIo>(d, id).len(), 2);
    }
    assert_eq!(p.a.ws.add_run_step(id, "store", NODE).unwrap().order, 2);
    sync(&mut p.a, &mut p.b);
    assert_converged(&p.a, &p.b);
}

#[test]
fn a_run_of_a_version_not_here_yet_gets_it_when_the_resource_arrives() {
    let mut a = device();
    let mut b = device();
    let (_, v) = a.ws.create_resource("Routine", "Plans", "en").unwrap();
    let r = a.ws.create_run("Nightly", Some(v.id)).unwrap();
    b.ws.import_bundle(&a.ws.export_bundle(Some(DocId::Run(r.id))).unwrap()).unwrap();
    assert_eq!(run(&b, r.id).resource_version_id, None, "the version is not here yet");
    assert_eq!(run(&b, r.id).user_id, r.user_id, "the owner is a placeholder here");
    let report = b.ws.doctor().unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    // Everything, including the run again (nothing new in it): the waiting run is projected again.
    send(&a, &mut b);
    assert_eq!(run(&b, r.id).resource_version_id, Some(v.id));
    assert_converged(&a, &b);
    let report = b.ws.doctor().unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
}

#[test]
fn invalid_run_writes_change_nothing_and_name_the_field() {
    let (mut p, id) = shared_run(&[InProgress]);
    let before = p.a.ws.export_json().unwrap();
    let heads = p.a.ws.heads(&DocId::Run(id)).unwrap();
    let cases = [
        (p.a.ws.create_run("", None).map(|_| ()), "name"),
        (p.a.ws.create_run(&"n".repeat(129), None).map(|_| ()), "name"),
        (p.a.ws.add_run_step(id, "step", "not-a-uuid").map(|_| ()), "nodeId"),
        (p.a.ws.add_run_step(id, "", NODE).map(|_| ()), "name"),
        (p.a.ws.add_run_io(id, "node", "input", &"d".repeat(8193)).map(|_| ()), "data"),
        (p.a.ws.add_run_io(id, &"n".repeat(129), "input", "{}").map(|_| ()), "nodeName"),
    ];
    for (result, field) in cases {
        let error = result.unwrap_err();
        assert_eq!((error.code(), error.field().as_deref()), ("invalid", Some(field)), "{error}");
    }
    let missing = p.a.ws.create_run("run", Some(42)).unwrap_err();
    assert_eq!((missing.code(), missing.field().as_deref()), ("missing_parent", Some("resourceVersionId")));
    assert_eq!(p.a.ws.add_run_step(42, "step", NODE).unwrap_err().code(), "not_found");
    assert_eq!(p.a.ws.export_json().unwrap(), before);
    assert_eq!(p.a.ws.heads(&DocId::Run(id)).unwrap(), heads);
}

#[test]
fn a_document_holding_another_run_is_refused() {
    let (mut p, id) = shared_run(&[]);
    let other = p.a.ws.create_run("Other", None).unwrap();
    let docs = bundle::decode(&p.a.ws.export_bundle(Some(DocId::Run(id))).unwrap()).unwrap();
    let forged = bundle::encode(&[(DocId::Run(other.id), docs[0].1.clone())]);
    let before = p.b.ws.export_json().unwrap();
    assert_eq!(p.b.ws.import_bundle(&forged).unwrap_err().code(), "inconsistent_document");
    assert_eq!(p.b.ws.export_json().unwrap(), before);
}

#[test]
fn doctor_finds_nothing_after_run_operations_and_merges() {
    let (mut p, id) = shared_run(&[InProgress]);
    p.a.ws.add_run_step(id, "fetch", NODE).unwrap();
    p.b.ws.add_run_io(id, "fetch", "url", "{}").unwrap();
    p.a.ws.set_run_status(id, Completed).unwrap();
    p.b.ws.set_run_status(id, Paused).unwrap();
    sync(&mut p.a, &mut p.b);
    for d in [&mut p.a, &mut p.b] {
        let report = d.ws.doctor().unwrap();
        assert!(report.differences.is_empty(), "{:?}", report.differences);
    }
    assert_converged(&p.a, &p.b);
    p.a.ws.store().connection().execute("UPDATE run SET timeElapsed = 1 WHERE id = ?1", [id]).unwrap();
    let report = p.a.ws.doctor().unwrap();
    assert_eq!(report.differences.len(), 1, "{:?}", report.differences);
    assert!(report.differences[0].starts_with("run:"), "{:?}", report.differences);
}
