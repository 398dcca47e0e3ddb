//! Each rule of resources (`src/resource.rs`, `src/refs.rs`), as a named,
//! deterministic test: two devices exchanging bundles.

use vrooli_core::{bundle, DocId};
use vrooli_model::entities::{
    Resource, ResourceTag, ResourceTranslation, ResourceVersion, ResourceVersionRelation, Run, User,
};
use vrooli_model::enums::RunStatus;
use vrooli_model::{Entity, Value};
use vrooli_store::ListQuery;

use crate::support::*;

fn rows<E: Entity>(d: &Device, column: &str, value: i64) -> Vec<E> {
    let query = ListQuery::default().filter(column, Value::Integer(value)).limit(100);
    d.ws.store().list::<E>(&query).unwrap().items
}

/// Versions of a resource by index.
fn versions(d: &Device, resource: i64) -> Vec<ResourceVersion> {
    let mut v = rows::<ResourceVersion>(d, "rootId", resource);
    v.sort_by_key(|v| v.version_index);
    v
}

fn resource(d: &Device, id: i64) -> Resource {
    d.ws.store().get::<Resource>(id).unwrap().unwrap()
}

fn translation(d: &Device, version: i64, language: &str) -> Vec<ResourceTranslation> {
    rows::<ResourceTranslation>(d, "resourceVersionId", version)
        .into_iter()
        .filter(|t| t.language == language)
        .collect()
}

fn shared_resource() -> (Device, Device, Resource, ResourceVersion) {
    let mut a = device();
    let mut b = device();
    let (r, v) = a.ws.create_resource("Routine", "Plans", "en").unwrap();
    send(&a, &mut b);
    (a, b, r, v)
}

fn assert_doctor_clean(d: &mut Device) {
    let report = d.ws.doctor().unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
}

#[test]
fn a_new_resource_has_one_latest_version_named_in_its_language() {
    let mut a = device();
    let (r, v) = a.ws.create_resource("Routine", "Plans", "en").unwrap();
    assert_eq!((v.root_id, v.version_label.as_str(), v.version_index), (r.id, "1.0.0", 0));
    assert!(v.is_latest && v.is_latest_public && !v.is_complete);
    assert!(!r.has_complete_version && r.completed_at.is_none());
    assert_eq!(translation(&a, v.id, "en")[0].name, "Plans");
    assert_doctor_clean(&mut a);
}

#[test]
fn versions_created_offline_on_two_devices_get_unique_indexes_and_one_latest() {
    let (mut a, mut b, r, _) = shared_resource();
    a.ws.add_version(r.id, "1.10.0", false, false, None).unwrap();
    a.ws.add_version(r.id, "1.2.0", false, false, None).unwrap();
    b.ws.add_version(r.id, "2.0.0", false, true, None).unwrap();
    b.ws.add_version(r.id, "1.9.0", false, false, None).unwrap();
    sync(&mut a, &mut b);
    for d in [&a, &b] {
        let v = versions(d, r.id);
        let labels: Vec<&str> = v.iter().map(|v| v.version_label.as_str()).collect();
        assert_eq!(labels, ["1.0.0", "1.2.0", "1.9.0", "1.10.0", "2.0.0"], "numeric label order");
        let indexes: Vec<i32> = v.iter().map(|v| v.version_index).collect();
        assert_eq!(indexes, [0, 1, 2, 3, 4]);
        let latest: Vec<&str> = v.iter().filter(|v| v.is_latest).map(|v| v.version_label.as_str()).collect();
        assert_eq!(latest, ["2.0.0"]);
        let public: Vec<&str> = v.iter().filter(|v| v.is_latest_public).map(|v| v.version_label.as_str()).collect();
        assert_eq!(public, ["1.10.0"], "2.0.0 is private");
    }
    assert_converged(&a, &b);
    assert_doctor_clean(&mut a);
}

#[test]
fn the_same_label_made_offline_on_two_devices_is_ordered_by_id() {
    let (mut a, mut b, r, _) = shared_resource();
    let va = a.ws.add_version(r.id, "1.1.0", false, false, None).unwrap();
    let vb = b.ws.add_version(r.id, "1.1.0", false, false, None).unwrap();
    sync(&mut a, &mut b);
    let v = versions(&a, r.id);
    let (low, high) = if va.id < vb.id { (va.id, vb.id) } else { (vb.id, va.id) };
    assert_eq!(v.iter().map(|v| v.id).collect::<Vec<_>>()[1..], [low, high]);
    assert_eq!(v.iter().filter(|v| v.is_latest).count(), 1);
    assert_converged(&a, &b);
}

#[test]
fn a_label_already_used_by_a_live_version_is_refused() {
    let (mut a, _b, r, _) = shared_resource();
    let error = a.ws.add_version(r.id, "1.0.0", false, false, None).unwrap_err();
    assert_eq!((error.code(), error.field().as_deref()), ("conflict", Some("versionLabel")));
}

#[test]
fn a_new_version_keeps_the_latest_versions_translations() {
    let (mut a, _b, r, v1) = shared_resource();
    a.ws.set_version_translation(v1.id, "de", "Pläne", Some("Beschreibung")).unwrap();
    let v2 = a.ws.add_version(r.id, "1.1.0", false, false, None).unwrap();
    let de = translation(&a, v2.id, "de");
    assert_eq!((de[0].name.as_str(), de[0].description.as_deref()), ("Pläne", Some("Beschreibung")));
    assert_eq!(translation(&a, v2.id, "en")[0].name, "Plans");
    assert_ne!(de[0].id, translation(&a, v1.id, "de")[0].id, "copies are rows of their own");
}

#[test]
fn concurrent_translations_in_one_language_make_one_row() {
    let (mut a, mut b, _, v) = shared_resource();
    a.ws.set_version_translation(v.id, "de", "Pläne", None).unwrap();
    b.ws.set_version_translation(v.id, "de", "Planung", Some("b")).unwrap();
    sync(&mut a, &mut b);
    for d in [&a, &b] {
        assert_eq!(translation(d, v.id, "de").len(), 1);
    }
    assert_converged(&a, &b);
}

#[test]
fn concurrent_edits_of_a_translation_name_both_survive() {
    let (mut a, mut b, _, v) = shared_resource();
    a.ws.set_version_translation(v.id, "en", "Big plans", None).unwrap();
    b.ws.set_version_translation(v.id, "en", "Plans v2", Some("from b")).unwrap();
    sync(&mut a, &mut b);
    let en = translation(&a, v.id, "en");
    assert_eq!(en[0].name, "Big plans v2");
    assert_eq!(en[0].description.as_deref(), Some("from b"));
    assert_converged(&a, &b);
}

#[test]
fn concurrent_edits_of_version_notes_both_survive() {
    let (mut a, mut b, _, v) = shared_resource();
    a.ws.set_version_notes(v.id, Some("first release")).unwrap();
    sync(&mut a, &mut b);
    a.ws.set_version_notes(v.id, Some("the first release")).unwrap();
    b.ws.set_version_notes(v.id, Some("first release, tested")).unwrap();
    sync(&mut a, &mut b);
    let notes = a.ws.store().get::<ResourceVersion>(v.id).unwrap().unwrap().version_notes;
    assert_eq!(notes.as_deref(), Some("the first release, tested"));
    assert_converged(&a, &b);
}

#[test]
fn concurrent_tags_make_one_row_and_every_device_has_the_tag() {
    let (mut a, mut b, r, _) = shared_resource();
    a.ws.tag_resource(r.id, "ai").unwrap();
    b.ws.tag_resource(r.id, "ai").unwrap();
    b.ws.tag_resource(r.id, "planning").unwrap();
    assert_eq!(b.ws.tag_resource(r.id, "planning").unwrap().tag_tag, "planning", "tagging twice is harmless");
    sync(&mut a, &mut b);
    for d in [&a, &b] {
        let mut tags: Vec<String> = rows::<ResourceTag>(d, "taggedId", r.id).into_iter().map(|t| t.tag_tag).collect();
        tags.sort();
        assert_eq!(tags, ["ai", "planning"]);
        let count: i64 =
            d.ws.store()
                .connection()
                .query_row("SELECT count(*) FROM tag WHERE tag IN ('ai', 'planning')", [], |r| r.get(0))
                .unwrap();
        assert_eq!(count, 2, "the tag rows the foreign key needs");
    }
    assert_converged(&a, &b);
}

#[test]
fn concurrent_relations_between_the_same_versions_make_one_row() {
    let (mut a, mut b, _, v) = shared_resource();
    let (_, sub) = a.ws.create_resource("Routine", "Subroutine", "en").unwrap();
    send(&a, &mut b);
    a.ws.relate_versions(v.id, sub.id, "SUBROUTINE", &["a"]).unwrap();
    b.ws.relate_versions(v.id, sub.id, "SUBROUTINE", &["b"]).unwrap();
    b.ws.relate_versions(v.id, sub.id, "API_CALL", &[]).unwrap();
    sync(&mut a, &mut b);
    for d in [&a, &b] {
        let mut kinds: Vec<String> =
            rows::<ResourceVersionRelation>(d, "fromVersionId", v.id).into_iter().map(|r| r.relation_type).collect();
        kinds.sort();
        assert_eq!(kinds, ["API_CALL", "SUBROUTINE"]);
    }
    assert_converged(&a, &b);
}

#[test]
fn a_relation_to_a_version_not_here_yet_appears_when_it_arrives() {
    let mut a = device();
    let mut b = device();
    let (_, sub) = a.ws.create_resource("Routine", "Subroutine", "en").unwrap();
    let (main, v) = a.ws.create_resource("Routine", "Main", "en").unwrap();
    a.ws.relate_versions(v.id, sub.id, "SUBROUTINE", &[]).unwrap();
    b.ws.import_bundle(&a.ws.export_bundle(Some(DocId::Resource(main.id))).unwrap()).unwrap();
    assert!(rows::<ResourceVersionRelation>(&b, "fromVersionId", v.id).is_empty(), "its target is not here");
    assert_doctor_clean(&mut b);
    send(&a, &mut b);
    assert_eq!(rows::<ResourceVersionRelation>(&b, "fromVersionId", v.id).len(), 1);
    assert_converged(&a, &b);
    assert_doctor_clean(&mut b);
}

#[test]
fn latest_public_skips_private_and_deleted_versions() {
    let (mut a, mut b, r, v1) = shared_resource();
    let v2 = a.ws.add_version(r.id, "1.1.0", false, false, None).unwrap();
    a.ws.add_version(r.id, "1.2.0", false, true, None).unwrap();
    a.ws.delete_version(v2.id).unwrap();
    sync(&mut a, &mut b);
    for d in [&a, &b] {
        let v = versions(d, r.id);
        let flags: Vec<(&str, bool, bool, bool)> =
            v.iter().map(|v| (v.version_label.as_str(), v.is_deleted, v.is_latest, v.is_latest_public)).collect();
        assert_eq!(
            flags,
            [("1.0.0", false, false, true), ("1.1.0", true, false, false), ("1.2.0", false, true, false)],
            "the deleted row stays (soft delete) and keeps its index"
        );
    }
    assert_eq!(versions(&a, r.id)[0].id, v1.id);
    assert_converged(&a, &b);
}

#[test]
fn deleting_a_version_is_soft_and_the_last_live_one_stays() {
    let (mut a, mut b, r, v1) = shared_resource();
    let v2 = a.ws.add_version(r.id, "2.0.0", false, false, None).unwrap();
    a.ws.delete_version(v2.id).unwrap();
    a.ws.delete_version(v2.id).unwrap();
    let error = a.ws.delete_version(v1.id).unwrap_err();
    assert_eq!((error.code(), error.field().as_deref()), ("invalid", Some("isDeleted")));
    sync(&mut a, &mut b);
    let v = versions(&b, r.id);
    assert!(v[1].is_deleted && !v[1].is_latest && v[0].is_latest, "latest moves back to 1.0.0");
    assert_converged(&a, &b);
}

#[test]
fn completion_is_when_the_first_complete_version_was_completed() {
    let clock_a = TestClock::at(1_750_000_000_000_000);
    let clock_b = TestClock::at(1_750_000_000_000_000);
    let mut a = device_at(&clock_a);
    let mut b = device_at(&clock_b);
    let (r, _) = a.ws.create_resource("Routine", "Plans", "en").unwrap();
    send(&a, &mut b);
    clock_a.advance(60_000_000);
    clock_b.advance(30_000_000);
    a.ws.add_version(r.id, "1.1.0", true, false, None).unwrap();
    let vb = b.ws.add_version(r.id, "1.2.0", true, false, None).unwrap();
    assert_eq!(resource(&a, r.id).completed_at, Some(vrooli_model::Timestamp::from_micros(1_750_000_060_000_000)));
    sync(&mut a, &mut b);
    for d in [&a, &b] {
        let root = resource(d, r.id);
        assert!(root.has_complete_version);
        assert_eq!(root.completed_at, vb.completed_at, "the earlier completion, made on b");
    }
    assert_converged(&a, &b);
}

#[test]
fn the_owner_is_this_devices_user_and_a_placeholder_elsewhere() {
    let (mut a, mut b) = (unsigned_device(), unsigned_device());
    let (r, _) = a.ws.create_resource("Routine", "Plans", "en").unwrap();
    send(&a, &mut b);
    let owner = r.owned_by_user_id.expect("owned by a user");
    assert_eq!(r.created_by_id, Some(owner));
    let me = a.ws.store().get::<User>(owner).unwrap().unwrap();
    assert_eq!(me.name, "Me");
    let (r2, _) = a.ws.create_resource("Note", "Second", "en").unwrap();
    assert_eq!(r2.owned_by_user_id, Some(owner), "one local user per device");
    let placeholder = b.ws.store().get::<User>(owner).unwrap().expect("the owner row exists on b too");
    assert_eq!(placeholder.name, "Unknown user");
    assert_eq!(placeholder.public_id, me.public_id, "derived from the id on both devices");
    let (rb, _) = b.ws.create_resource("Note", "From b", "en").unwrap();
    assert_ne!(rb.owned_by_user_id, Some(owner), "b's own user owns what b creates");
    sync(&mut a, &mut b);
    assert_eq!(resource(&b, r.id).owned_by_user_id, Some(owner));
    assert_converged(&a, &b);
}

#[test]
fn deleting_a_resource_is_soft_and_cancels_its_active_runs() {
    let (mut a, mut b, r, v) = shared_resource();
    let scheduled = a.ws.create_run("scheduled", Some(v.id)).unwrap();
    let paused = a.ws.create_run("paused", Some(v.id)).unwrap();
    a.ws.set_run_status(paused.id, RunStatus::InProgress).unwrap();
    a.ws.set_run_status(paused.id, RunStatus::Paused).unwrap();
    let done = a.ws.create_run("done", Some(v.id)).unwrap();
    a.ws.set_run_status(done.id, RunStatus::InProgress).unwrap();
    a.ws.set_run_status(done.id, RunStatus::Completed).unwrap();
    let other = a.ws.create_run("not of this resource", None).unwrap();
    a.ws.delete_resource(r.id).unwrap();
    a.ws.delete_resource(r.id).unwrap();
    let status = |d: &Device, id: i64| d.ws.store().get::<Run>(id).unwrap().unwrap().status;
    assert_eq!(status(&a, scheduled.id), RunStatus::Cancelled);
    assert_eq!(status(&a, paused.id), RunStatus::Cancelled);
    assert_eq!(status(&a, done.id), RunStatus::Completed);
    assert_eq!(status(&a, other.id), RunStatus::Scheduled);
    assert!(resource(&a, r.id).is_deleted);
    assert_eq!(versions(&a, r.id).len(), 1, "the versions stay");
    let error = a.ws.create_run("too late", Some(v.id)).unwrap_err();
    assert_eq!((error.code(), error.field().as_deref()), ("invalid", Some("resourceVersionId")));
    sync(&mut a, &mut b);
    assert!(resource(&b, r.id).is_deleted);
    assert_eq!(status(&b, scheduled.id), RunStatus::Cancelled);
    assert_converged(&a, &b);
    assert_doctor_clean(&mut b);
}

#[test]
fn invalid_writes_change_nothing_and_name_the_field() {
    let (mut a, _b, r, v) = shared_resource();
    let before = a.ws.export_json().unwrap();
    let heads = a.ws.heads(&DocId::Resource(r.id)).unwrap();
    let cases = [
        (a.ws.create_resource(&"x".repeat(33), "Name", "en").map(|_| ()), "resourceType"),
        (a.ws.create_resource("", "Name", "en").map(|_| ()), "resourceType"),
        (a.ws.create_resource("Routine", "", "en").map(|_| ()), "name"),
        (a.ws.create_resource("Routine", "Name", "english").map(|_| ()), "language"),
        (a.ws.add_version(r.id, &"1".repeat(17), false, false, None).map(|_| ()), "versionLabel"),
        (a.ws.add_version(r.id, "", false, false, None).map(|_| ()), "versionLabel"),
        (a.ws.add_version(r.id, "9.0.0", false, false, Some(&"n".repeat(4097))).map(|_| ()), "versionNotes"),
        (a.ws.set_version_translation(v.id, "de", &"n".repeat(129), None).map(|_| ()), "name"),
        (a.ws.tag_resource(r.id, &"t".repeat(129)).map(|_| ()), "tagTag"),
        (a.ws.relate_versions(v.id, v.id, &"r".repeat(65), &[]).map(|_| ()), "relationType"),
    ];
    for (result, field) in cases {
        let error = result.unwrap_err();
        assert_eq!(error.code(), "invalid", "{error}");
        assert_eq!(error.field().as_deref(), Some(field), "{error}");
    }
    assert_eq!(a.ws.add_version(1, "2.0.0", false, false, None).unwrap_err().code(), "not_found");
    assert_eq!(a.ws.export_json().unwrap(), before);
    assert_eq!(a.ws.heads(&DocId::Resource(r.id)).unwrap(), heads, "the document did not change either");
}

#[test]
fn a_document_holding_another_resource_is_refused() {
    let mut a = device();
    let mut b = device();
    let (r1, _) = a.ws.create_resource("Routine", "One", "en").unwrap();
    let (r2, _) = a.ws.create_resource("Routine", "Two", "en").unwrap();
    let docs = bundle::decode(&a.ws.export_bundle(Some(DocId::Resource(r1.id))).unwrap()).unwrap();
    let forged = bundle::encode(&[(DocId::Resource(r2.id), docs[0].1.clone())]);
    let before = b.ws.export_json().unwrap();
    assert_eq!(b.ws.import_bundle(&forged).unwrap_err().code(), "inconsistent_document");
    assert_eq!(b.ws.export_json().unwrap(), before);
}

#[test]
fn doctor_finds_nothing_after_resource_operations_and_merges() {
    let (mut a, mut b, r, v) = shared_resource();
    a.ws.add_version(r.id, "1.1.0", true, false, Some("notes")).unwrap();
    b.ws.add_version(r.id, "1.0.1", false, true, None).unwrap();
    b.ws.tag_resource(r.id, "x").unwrap();
    a.ws.set_version_translation(v.id, "fr", "Plans", None).unwrap();
    let run = b.ws.create_run("run", Some(v.id)).unwrap();
    b.ws.set_run_status(run.id, RunStatus::InProgress).unwrap();
    sync(&mut a, &mut b);
    a.ws.delete_resource(r.id).unwrap();
    sync(&mut a, &mut b);
    for d in [&mut a, &mut b] {
        let report = d.ws.doctor().unwrap();
        assert!(report.documents >= 2);
        assert!(report.differences.is_empty(), "{:?}", report.differences);
    }
    assert_converged(&a, &b);
    // A derived field changed behind the documents' back is reported.
    a.ws.store().connection().execute("UPDATE resource SET hasCompleteVersion = 0 WHERE id = ?1", [r.id]).unwrap();
    let report = a.ws.doctor().unwrap();
    assert_eq!(report.differences.len(), 1, "{:?}", report.differences);
    assert!(report.differences[0].starts_with("resource:"), "{:?}", report.differences);
}
