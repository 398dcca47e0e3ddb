//! Resources: one document per resource (`resource:ID`) holding the root
//! (`resource`), its versions (`versions` by id, each with `translations` by
//! language and `relations` by `"{toVersionId}:{relationType}"`) and its tags
//! (`tags` by tag text). Every write and every merge projects the whole
//! (small) aggregate again from the document.
//!
//! Merge rules:
//! - translation names, descriptions, details and instructions and a
//!   version's `versionNotes` are Automerge text: concurrent edits both
//!   survive, character by character; other fields are last-writer-wins;
//! - unique groups are map keys — translations by language, tags by tag,
//!   relations by (target, type) — so concurrent adds on two devices make one
//!   row (the projection deletes the losing row before writing the winner);
//! - deletes are soft (`isDeleted`), so a delete and a concurrent edit both
//!   survive;
//! - derived fields are computed at projection and never stored in the
//!   document, so devices that created versions offline agree after merging:
//!   - `versionIndex`: the versions in label order — `major.minor.patch`
//!     compared as integers (a leading `v` ignored, missing or non-numeric
//!     parts count as 0), then the label text, then the id — numbered from 0,
//!     deleted versions included (the index is unique per resource);
//!   - `isLatest`: exactly one version per resource, the last in that order
//!     among versions not deleted (if all are deleted, the last of all);
//!   - `isLatestPublic`: the last version that is neither private nor
//!     deleted, if any;
//!   - `resource.hasCompleteVersion`: some version is complete and not
//!     deleted; `resource.completedAt`: the earliest `completedAt` (else
//!     `createdAt`) among those versions — when the resource first had a
//!     complete version, whichever device completed it — or NULL.
//!
//! Local rules (checked before anything is written; the error names the
//! field): the model's rules for every row; a resource type and a version
//! label are not empty; two live versions of one resource do not share a
//! label (`conflict` on `versionLabel`; two devices may still do it offline,
//! and the id orders them); the last live version cannot be deleted (delete
//! the resource instead). A new version starts with a copy of the latest
//! version's translations, so it keeps its name.
//!
//! Deleting a resource also cancels, in the same transaction, the runs this
//! device knows of that run one of its versions and are Scheduled,
//! InProgress or Paused. A merge never cancels runs: projection does not
//! write to documents, so a run created offline on another device for a
//! resource deleted here stays as it is until someone changes it.
//!
//! Owners, tags and references to other documents' rows follow `refs`.

use std::collections::HashSet;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjId, ObjType, ReadDoc};
use vrooli_model::entities::{
    PullRequest, Resource, ResourceTag, ResourceTranslation, ResourceVersion, ResourceVersionRelation,
};
use vrooli_model::enums::RunStatus;
use vrooli_model::{Entity, Operation, PublicId, TableDef, Value};
use vrooli_store::StoreError;

use crate::doc_id::DocId;
use crate::error::CoreError;
use crate::fields::{collection, decode, inconsistent, invalid, map_at, read_row, validate, write_row, Layout};
use crate::refs;
use crate::workspace::{int, Tx, Workspace};

static RESOURCE: Layout =
    Layout { table: Resource::TABLE, text: &[], counters: &[], derived: &["hasCompleteVersion", "completedAt"] };
static VERSION: Layout = Layout {
    table: ResourceVersion::TABLE,
    text: &["versionNotes"],
    counters: &[],
    derived: &["versionIndex", "isLatest", "isLatestPublic"],
};
static TRANSLATION: Layout = Layout {
    table: ResourceTranslation::TABLE,
    text: &["name", "description", "details", "instructions"],
    counters: &[],
    derived: &[],
};
static RELATION: Layout = Layout { table: ResourceVersionRelation::TABLE, text: &[], counters: &[], derived: &[] };
static TAG: Layout = Layout { table: ResourceTag::TABLE, text: &[], counters: &[], derived: &[] };

/// The first version's label.
const FIRST_LABEL: &str = "1.0.0";
/// Parked version indexes sit this far up while a projection renumbers.
const PARKED: i64 = 1_000_000_000;

/// The root maps of a resource document.
struct Maps {
    resource: ObjId,
    versions: ObjId,
    tags: ObjId,
}

fn maps<D: ReadDoc>(doc: &D, id: &DocId) -> Result<Maps, CoreError> {
    Ok(Maps {
        resource: collection(doc, id, "resource")?,
        versions: collection(doc, id, "versions")?,
        tags: collection(doc, id, "tags")?,
    })
}

fn relation_key(to_version_id: i64, relation_type: &str) -> String {
    format!("{to_version_id}:{relation_type}")
}

fn not_found(entity: &'static str, id: i64) -> CoreError {
    CoreError::NotFound { entity, id: id.to_string() }
}

fn version_map<D: ReadDoc>(doc: &D, id: &DocId, m: &Maps, version_id: i64) -> Result<ObjId, CoreError> {
    map_at(doc, &m.versions, &version_id.to_string())?
        .ok_or_else(|| inconsistent(id, format!("version {version_id} missing")))
}

/// Rows of `E` whose `column` is `value`, from the projection.
fn rows_where<E: Entity>(t: &Tx<'_, '_>, column: &str, value: i64) -> Result<Vec<E>, CoreError> {
    let mut rows = Vec::new();
    for id in t.ids_where(E::TABLE.name, column, value)? {
        if let Some(row) = t.w.get::<E>(id)? {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// Writes a new version (with empty `relations` and the given translations)
/// into the `versions` map. Nested maps are made with the version, never
/// later, so two devices cannot each make one.
fn put_version(
    tx: &mut automerge::transaction::Transaction<'_>,
    m: &Maps,
    version: &[Value],
    version_id: i64,
    translations: &[(String, Vec<Value>)],
) -> Result<(), CoreError> {
    let obj = tx.put_object(&m.versions, version_id.to_string(), ObjType::Map)?;
    write_row(tx, &obj, &VERSION, version)?;
    let tmap = tx.put_object(&obj, "translations", ObjType::Map)?;
    for (language, row) in translations {
        let t = tx.put_object(&tmap, language.as_str(), ObjType::Map)?;
        write_row(tx, &t, &TRANSLATION, row)?;
    }
    tx.put_object(&obj, "relations", ObjType::Map)?;
    Ok(())
}

fn nonempty(entity: &'static str, field: &str, value: &str) -> Result<(), CoreError> {
    if value.is_empty() {
        return Err(invalid(entity, field, "min_length", "must be at least 1 character (got \"\")"));
    }
    Ok(())
}

impl Workspace {
    /// Creates a resource owned by this device's user, with its first version
    /// ("1.0.0") named `name` in `language`, in one transaction.
    pub fn create_resource(
        &mut self,
        resource_type: &str,
        name: &str,
        language: &str,
    ) -> Result<(Resource, ResourceVersion), CoreError> {
        self.create_resource_for(resource_type, name, language, None)
    }

    /// Like [`Workspace::create_resource`], owned by `team` when given
    /// (this device's user is still its creator).
    pub fn create_resource_for(
        &mut self,
        resource_type: &str,
        name: &str,
        language: &str,
        team: Option<i64>,
    ) -> Result<(Resource, ResourceVersion), CoreError> {
        self.transact(|t| {
            nonempty("resource", "resourceType", resource_type)?;
            let owner = refs::local_user(t)?;
            if let Some(team) = team {
                refs::ensure_team(t, team)?;
            }
            let now = t.now();
            let resource = Resource {
                id: t.next_id(),
                public_id: PublicId::generate(&mut rand::rng()),
                created_at: now,
                updated_at: now,
                resource_type: resource_type.into(),
                created_by_id: Some(owner),
                owned_by_user_id: if team.is_some() { None } else { Some(owner) },
                owned_by_team_id: team,
                ..Default::default()
            };
            let version = ResourceVersion {
                id: t.next_id(),
                public_id: PublicId::generate(&mut rand::rng()),
                root_id: resource.id,
                version_label: FIRST_LABEL.into(),
                created_at: now,
                updated_at: now,
                ..Default::default()
            };
            let translation = ResourceTranslation {
                id: t.next_id(),
                resource_version_id: version.id,
                language: language.into(),
                name: name.into(),
                ..Default::default()
            };
            let resource_row = resource.clone().into_values();
            let version_row = version.clone().into_values();
            let translation_row = translation.into_values();
            validate(Resource::TABLE, &resource_row, Operation::Insert)?;
            validate(ResourceVersion::TABLE, &version_row, Operation::Insert)?;
            validate(ResourceTranslation::TABLE, &translation_row, Operation::Insert)?;
            let id = DocId::Resource(resource.id);
            let mut doc = t.take_doc(&id, true)?.ok_or_else(|| inconsistent(&id, "not created"))?;
            t.change(&mut doc, format!("create resource {}", resource.id), |tx| {
                let m = maps(tx, &id)?;
                write_row(tx, &m.resource, &RESOURCE, &resource_row)?;
                put_version(tx, &m, &version_row, version.id, &[(language.to_string(), translation_row)])
            })?;
            project(t, &id, &doc, resource.id)?;
            t.put_doc(id, doc)?;
            let resource = t.w.get::<Resource>(resource.id)?.ok_or_else(|| not_found("resource", resource.id))?;
            let version =
                t.w.get::<ResourceVersion>(version.id)?.ok_or_else(|| not_found("resource_version", version.id))?;
            Ok((resource, version))
        })
    }

    /// Adds a version to a resource. It starts with a copy of the latest
    /// version's translations; `complete` stamps its `completedAt` now.
    pub fn add_version(
        &mut self,
        resource_id: i64,
        label: &str,
        complete: bool,
        private: bool,
        notes: Option<&str>,
    ) -> Result<ResourceVersion, CoreError> {
        self.transact(|t| {
            if t.w.get_row(Resource::TABLE, resource_id)?.is_none() {
                return Err(not_found("resource", resource_id));
            }
            nonempty("resource_version", "versionLabel", label)?;
            let existing = rows_where::<ResourceVersion>(t, "rootId", resource_id)?;
            if existing.iter().any(|v| !v.is_deleted && v.version_label == label) {
                return Err(CoreError::Store(StoreError::Conflict {
                    entity: "resource_version",
                    fields: vec!["versionLabel".into()],
                }));
            }
            let now = t.now();
            let version = ResourceVersion {
                id: t.next_id(),
                public_id: PublicId::generate(&mut rand::rng()),
                root_id: resource_id,
                version_label: label.into(),
                created_at: now,
                updated_at: now,
                is_complete: complete,
                completed_at: complete.then_some(now),
                is_private: private,
                version_notes: notes.map(str::to_string),
                ..Default::default()
            };
            let version_row = version.clone().into_values();
            validate(ResourceVersion::TABLE, &version_row, Operation::Insert)?;
            let mut translations = Vec::new();
            if let Some(latest) = existing.iter().find(|v| v.is_latest) {
                for tr in rows_where::<ResourceTranslation>(t, "resourceVersionId", latest.id)? {
                    let copy = ResourceTranslation {
                        id: t.next_id(),
                        resource_version_id: version.id,
                        embedding: None,
                        embedding_expired_at: None,
                        ..tr
                    };
                    translations.push((copy.language.clone(), copy.into_values()));
                }
            }
            let id = DocId::Resource(resource_id);
            let mut doc = t.take_doc(&id, false)?.ok_or_else(|| inconsistent(&id, "missing"))?;
            t.change(&mut doc, format!("add version {} ({label}) to resource {resource_id}", version.id), |tx| {
                let m = maps(tx, &id)?;
                put_version(tx, &m, &version_row, version.id, &translations)
            })?;
            project(t, &id, &doc, resource_id)?;
            t.put_doc(id, doc)?;
            t.w.get::<ResourceVersion>(version.id)?.ok_or_else(|| not_found("resource_version", version.id))
        })
    }

    /// Sets a version's name (and description) in one language, adding the
    /// translation if the version has none in it.
    pub fn set_version_translation(
        &mut self,
        version_id: i64,
        language: &str,
        name: &str,
        description: Option<&str>,
    ) -> Result<ResourceTranslation, CoreError> {
        self.transact(|t| {
            let version =
                t.w.get::<ResourceVersion>(version_id)?.ok_or_else(|| not_found("resource_version", version_id))?;
            let id = DocId::Resource(version.root_id);
            let mut doc = t.take_doc(&id, false)?.ok_or_else(|| inconsistent(&id, "missing"))?;
            let m = maps(&doc, &id)?;
            let vobj = version_map(&doc, &id, &m, version_id)?;
            let tmap = map_at(&doc, &vobj, "translations")?.ok_or_else(|| inconsistent(&id, "no translations map"))?;
            let existing = match map_at(&doc, &tmap, language)? {
                Some(obj) => {
                    Some(decode::<ResourceTranslation>(&id, &TRANSLATION, read_row(&doc, &obj, &TRANSLATION)?)?)
                }
                None => None,
            };
            let translation = ResourceTranslation {
                name: name.into(),
                description: description.map(str::to_string),
                ..existing.unwrap_or(ResourceTranslation {
                    id: t.next_id(),
                    resource_version_id: version_id,
                    language: language.into(),
                    ..Default::default()
                })
            };
            let row = translation.clone().into_values();
            validate(ResourceTranslation::TABLE, &row, Operation::Insert)?;
            let now = t.now();
            t.change(&mut doc, format!("name version {version_id} in {language}"), |tx| {
                let obj = match map_at(tx, &tmap, language)? {
                    Some(obj) => obj,
                    None => tx.put_object(&tmap, language, ObjType::Map)?,
                };
                write_row(tx, &obj, &TRANSLATION, &row)?;
                tx.put(&vobj, "updatedAt", now.to_string())?;
                Ok(())
            })?;
            project(t, &id, &doc, version.root_id)?;
            t.put_doc(id, doc)?;
            t.w.get::<ResourceTranslation>(translation.id)?
                .ok_or_else(|| not_found("resource_translation", translation.id))
        })
    }

    /// Replaces a version's notes (as a character diff, so concurrent edits merge).
    pub fn set_version_notes(&mut self, version_id: i64, notes: Option<&str>) -> Result<ResourceVersion, CoreError> {
        self.transact(|t| {
            change_version(t, version_id, "set notes of", |v, now| {
                v.version_notes = notes.map(str::to_string);
                v.updated_at = now;
            })
        })
    }

    /// Soft-deletes a version; deleting it again changes nothing. The last
    /// live version of a resource cannot be deleted: delete the resource instead.
    pub fn delete_version(&mut self, version_id: i64) -> Result<(), CoreError> {
        self.transact(|t| {
            let version =
                t.w.get::<ResourceVersion>(version_id)?.ok_or_else(|| not_found("resource_version", version_id))?;
            if version.is_deleted {
                return Ok(());
            }
            let siblings = rows_where::<ResourceVersion>(t, "rootId", version.root_id)?;
            if !siblings.iter().any(|v| v.id != version_id && !v.is_deleted) {
                return Err(invalid(
                    "resource_version",
                    "isDeleted",
                    "last_version",
                    "cannot delete the last version of a resource; delete the resource instead",
                ));
            }
            change_version(t, version_id, "delete", |v, now| {
                v.is_deleted = true;
                v.updated_at = now;
            })?;
            Ok(())
        })
    }

    /// Tags a resource; tagging it again with the same tag changes nothing.
    pub fn tag_resource(&mut self, resource_id: i64, tag: &str) -> Result<ResourceTag, CoreError> {
        self.transact(|t| {
            if t.w.get_row(Resource::TABLE, resource_id)?.is_none() {
                return Err(not_found("resource", resource_id));
            }
            nonempty("resource_tag", "tagTag", tag)?;
            let id = DocId::Resource(resource_id);
            let mut doc = t.take_doc(&id, false)?.ok_or_else(|| inconsistent(&id, "missing"))?;
            let m = maps(&doc, &id)?;
            if let Some(obj) = map_at(&doc, &m.tags, tag)? {
                let existing = decode::<ResourceTag>(&id, &TAG, read_row(&doc, &obj, &TAG)?)?;
                t.put_doc(id, doc)?;
                return Ok(existing);
            }
            let row = ResourceTag { id: t.next_id(), tagged_id: resource_id, tag_tag: tag.into() };
            let values = row.clone().into_values();
            validate(ResourceTag::TABLE, &values, Operation::Insert)?;
            let me = refs::local_user(t)?;
            refs::ensure_tag(t, tag, Some(me))?;
            t.change(&mut doc, format!("tag resource {resource_id} {tag:?}"), |tx| {
                let obj = tx.put_object(&m.tags, tag, ObjType::Map)?;
                write_row(tx, &obj, &TAG, &values)
            })?;
            project(t, &id, &doc, resource_id)?;
            t.put_doc(id, doc)?;
            Ok(row)
        })
    }

    /// Relates one version to another (e.g. a subroutine it calls). Relating
    /// the same pair with the same type again replaces the labels.
    pub fn relate_versions(
        &mut self,
        from_version_id: i64,
        to_version_id: i64,
        relation_type: &str,
        labels: &[&str],
    ) -> Result<ResourceVersionRelation, CoreError> {
        self.transact(|t| {
            let from =
                t.w.get::<ResourceVersion>(from_version_id)?
                    .ok_or_else(|| not_found("resource_version", from_version_id))?;
            if t.w.get_row(ResourceVersion::TABLE, to_version_id)?.is_none() {
                return Err(CoreError::Store(StoreError::MissingParent {
                    entity: "resource_version_relation",
                    field: "toVersionId".into(),
                    parent: "resource_version",
                    id: to_version_id.to_string(),
                }));
            }
            nonempty("resource_version_relation", "relationType", relation_type)?;
            let id = DocId::Resource(from.root_id);
            let mut doc = t.take_doc(&id, false)?.ok_or_else(|| inconsistent(&id, "missing"))?;
            let m = maps(&doc, &id)?;
            let vobj = version_map(&doc, &id, &m, from_version_id)?;
            let rmap = map_at(&doc, &vobj, "relations")?.ok_or_else(|| inconsistent(&id, "no relations map"))?;
            let key = relation_key(to_version_id, relation_type);
            let existing_id = match map_at(&doc, &rmap, &key)? {
                Some(obj) => decode::<ResourceVersionRelation>(&id, &RELATION, read_row(&doc, &obj, &RELATION)?)?.id,
                None => t.next_id(),
            };
            let relation = ResourceVersionRelation {
                id: existing_id,
                from_version_id,
                to_version_id,
                relation_type: relation_type.into(),
                labels: labels.iter().map(|l| l.to_string()).collect(),
            };
            let row = relation.clone().into_values();
            validate(ResourceVersionRelation::TABLE, &row, Operation::Insert)?;
            t.change(
                &mut doc,
                format!("relate version {from_version_id} to {to_version_id} ({relation_type})"),
                |tx| {
                    let obj = match map_at(tx, &rmap, &key)? {
                        Some(obj) => obj,
                        None => tx.put_object(&rmap, key.as_str(), ObjType::Map)?,
                    };
                    write_row(tx, &obj, &RELATION, &row)
                },
            )?;
            project(t, &id, &doc, from.root_id)?;
            t.put_doc(id, doc)?;
            Ok(relation)
        })
    }

    /// Soft-deletes a resource and cancels this device's active runs of its
    /// versions, in one transaction. Deleting it again changes nothing.
    pub fn delete_resource(&mut self, resource_id: i64) -> Result<(), CoreError> {
        self.transact(|t| {
            let resource = t.w.get::<Resource>(resource_id)?.ok_or_else(|| not_found("resource", resource_id))?;
            if resource.is_deleted {
                return Ok(());
            }
            let id = DocId::Resource(resource_id);
            let mut doc = t.take_doc(&id, false)?.ok_or_else(|| inconsistent(&id, "missing"))?;
            let m = maps(&doc, &id)?;
            let mut row = read_row(&doc, &m.resource, &RESOURCE)?;
            set(Resource::TABLE, &mut row, "isDeleted", Value::Integer(1));
            set(Resource::TABLE, &mut row, "updatedAt", Value::Text(t.now().to_string()));
            t.change(&mut doc, format!("delete resource {resource_id}"), |tx| {
                write_row(tx, &m.resource, &RESOURCE, &row)
            })?;
            project(t, &id, &doc, resource_id)?;
            t.put_doc(id, doc)?;
            let active: Vec<i64> = {
                let mut stmt = t.w.transaction().prepare_cached(
                    "SELECT r.id FROM run r JOIN resource_version v ON v.id = r.resourceVersionId
                     WHERE v.rootId = ?1 AND r.status IN ('Scheduled', 'InProgress', 'Paused') ORDER BY r.id",
                )?;
                let ids = stmt.query_map([resource_id], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?;
                ids
            };
            for run in active {
                crate::run::transition(t, run, RunStatus::Cancelled)?;
            }
            Ok(())
        })
    }
}

/// Changes the scalar and text fields of one version with `edit`.
fn change_version(
    t: &mut Tx<'_, '_>,
    version_id: i64,
    what: &str,
    edit: impl FnOnce(&mut ResourceVersion, vrooli_model::Timestamp),
) -> Result<ResourceVersion, CoreError> {
    let root =
        t.w.get::<ResourceVersion>(version_id)?.ok_or_else(|| not_found("resource_version", version_id))?.root_id;
    let id = DocId::Resource(root);
    let mut doc = t.take_doc(&id, false)?.ok_or_else(|| inconsistent(&id, "missing"))?;
    let m = maps(&doc, &id)?;
    let vobj = version_map(&doc, &id, &m, version_id)?;
    let mut version = decode::<ResourceVersion>(&id, &VERSION, read_row(&doc, &vobj, &VERSION)?)?;
    edit(&mut version, t.now());
    let row = version.into_values();
    validate(ResourceVersion::TABLE, &row, Operation::Update)?;
    t.change(&mut doc, format!("{what} version {version_id}"), |tx| write_row(tx, &vobj, &VERSION, &row))?;
    project(t, &id, &doc, root)?;
    t.put_doc(id, doc)?;
    t.w.get::<ResourceVersion>(version_id)?.ok_or_else(|| not_found("resource_version", version_id))
}

fn set(table: &TableDef, row: &mut [Value], column: &str, value: Value) {
    if let Some(i) = table.column_index(column) {
        row[i] = value;
    }
}

/// Major, minor and patch of a label, as integers.
fn label_numbers(label: &str) -> [u64; 3] {
    let mut parts = label.trim().trim_start_matches(['v', 'V']).split('.').map(|part| {
        let digits: String = part.trim().chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u64>().unwrap_or(0)
    });
    [parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0)]
}

/// Fills the derived fields of the root and its versions (see the module's rules).
fn derive(resource: &mut Resource, versions: &mut [ResourceVersion]) {
    let mut order: Vec<usize> = (0..versions.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&versions[a], &versions[b]);
        (label_numbers(&a.version_label), &a.version_label, a.id).cmp(&(
            label_numbers(&b.version_label),
            &b.version_label,
            b.id,
        ))
    });
    let latest = order.iter().rev().find(|&&i| !versions[i].is_deleted).or(order.last()).copied();
    let latest_public = order.iter().rev().find(|&&i| !versions[i].is_deleted && !versions[i].is_private).copied();
    for (index, &i) in order.iter().enumerate() {
        let v = &mut versions[i];
        v.version_index = i32::try_from(index).unwrap_or(i32::MAX);
        v.is_latest = Some(i) == latest;
        v.is_latest_public = Some(i) == latest_public;
    }
    let complete = versions.iter().filter(|v| v.is_complete && !v.is_deleted);
    resource.completed_at = complete.map(|v| v.completed_at.unwrap_or(v.created_at)).min();
    resource.has_complete_version = resource.completed_at.is_some();
}

/// Writes a child row, refusing one whose id belongs to another parent's row.
fn put_child(
    t: &mut Tx<'_, '_>,
    id: &DocId,
    layout: &Layout,
    row: Vec<Value>,
    parent_column: &str,
) -> Result<(), CoreError> {
    let table = layout.table;
    let row_id = int(table, &row, "id").unwrap_or_default();
    if let Some(existing) = t.w.get_row(table, row_id)? {
        if int(table, &existing, parent_column) != int(table, &row, parent_column) {
            return Err(inconsistent(id, format!("{} {row_id} belongs to another {parent_column}", table.name)));
        }
    }
    t.w.put_row(table, row)?;
    Ok(())
}

/// Deletes the rows of `table` under `parent` that the document no longer has.
fn delete_stale(
    t: &mut Tx<'_, '_>,
    table: &'static TableDef,
    parent_column: &str,
    parent: i64,
    present: &HashSet<i64>,
) -> Result<(), CoreError> {
    for stale in t.ids_where(table.name, parent_column, parent)? {
        if !present.contains(&stale) {
            t.w.delete_if_exists(table, stale)?;
        }
    }
    Ok(())
}

/// The entries of a keyed map that are maps, as (key, rows).
fn entries<D: ReadDoc>(doc: &D, map: &ObjId, layout: &Layout) -> Result<Vec<(String, Vec<Value>)>, CoreError> {
    let mut rows = Vec::new();
    for key in doc.keys(map).collect::<Vec<_>>() {
        if let Some(obj) = map_at(doc, map, &key)? {
            rows.push((key, read_row(doc, &obj, layout)?));
        }
    }
    Ok(rows)
}

/// Re-projects a whole resource document: the root, every version with its
/// translations and relations, and the tags, deleting rows the document no
/// longer has and computing the derived fields.
pub(crate) fn project(t: &mut Tx<'_, '_>, id: &DocId, doc: &Automerge, resource_id: i64) -> Result<(), CoreError> {
    let m = maps(doc, id)?;
    refs::clear_waits(t, id)?;
    let row = read_row(doc, &m.resource, &RESOURCE)?;
    if int(Resource::TABLE, &row, "id") != Some(resource_id) {
        return Err(inconsistent(id, "the resource map does not hold this resource"));
    }
    let mut resource = decode::<Resource>(id, &RESOURCE, row)?;

    let mut versions = Vec::new();
    let mut version_maps = Vec::new();
    for key in doc.keys(&m.versions).collect::<Vec<_>>() {
        let Some(obj) = map_at(doc, &m.versions, &key)? else { continue };
        let row = read_row(doc, &obj, &VERSION)?;
        let table = ResourceVersion::TABLE;
        if int(table, &row, "id").map(|v| v.to_string()) != Some(key.clone())
            || int(table, &row, "rootId") != Some(resource_id)
        {
            return Err(inconsistent(id, format!("version {key} does not belong to this resource")));
        }
        let version = decode::<ResourceVersion>(id, &VERSION, row)?;
        version_maps.push((version.id, obj));
        versions.push(version);
    }
    derive(&mut resource, &mut versions);

    for user in [resource.created_by_id, resource.owned_by_user_id].into_iter().flatten() {
        refs::ensure_user(t, user)?;
    }
    if let Some(team) = resource.owned_by_team_id {
        refs::ensure_team(t, team)?;
    }
    if let Some(parent) = resource.parent_id {
        if !refs::present_or_wait(t, id, ResourceVersion::TABLE, parent)? {
            resource.parent_id = None;
        }
    }
    t.w.put_row(Resource::TABLE, resource.into_values())?;

    // Versions: stale rows go, rows whose index changes are parked above any
    // real index (the unique (rootId, versionIndex) index holds at every
    // step), then every version is written with its final index.
    let present: HashSet<i64> = versions.iter().map(|v| v.id).collect();
    delete_stale(t, ResourceVersion::TABLE, "rootId", resource_id, &present)?;
    let mut arrived = Vec::new();
    for v in &versions {
        match t.w.get_row(ResourceVersion::TABLE, v.id)? {
            Some(stored) => {
                if int(ResourceVersion::TABLE, &stored, "rootId") != Some(resource_id) {
                    return Err(inconsistent(id, format!("version {} belongs to another resource", v.id)));
                }
                if int(ResourceVersion::TABLE, &stored, "versionIndex") != Some(i64::from(v.version_index)) {
                    t.w.transaction()
                        .prepare_cached("UPDATE resource_version SET versionIndex = versionIndex + ?2 WHERE id = ?1")?
                        .execute([v.id, PARKED])?;
                }
            }
            None => arrived.push(v.id),
        }
    }
    for mut v in versions {
        if let Some(pr) = v.pull_request_id {
            if !refs::present(t, PullRequest::TABLE, pr)? {
                v.pull_request_id = None;
            }
        }
        t.w.put_row(ResourceVersion::TABLE, v.into_values())?;
    }

    for (version_id, obj) in &version_maps {
        project_translations(t, id, doc, obj, *version_id)?;
        project_relations(t, id, doc, obj, *version_id)?;
    }

    let tags = entries(doc, &m.tags, &TAG)?;
    let table = ResourceTag::TABLE;
    let mut present = HashSet::new();
    for (key, row) in &tags {
        let tag = table.column_index("tagTag").and_then(|i| row[i].as_str());
        if int(table, row, "taggedId") != Some(resource_id) || tag != Some(key.as_str()) {
            return Err(inconsistent(id, format!("tag {key:?} does not belong to this resource")));
        }
        present.extend(int(table, row, "id"));
    }
    delete_stale(t, table, "taggedId", resource_id, &present)?;
    for (key, row) in tags {
        refs::ensure_tag(t, &key, None)?;
        put_child(t, id, &TAG, row, "taggedId")?;
    }

    for version in arrived {
        refs::arrived(t, ResourceVersion::TABLE, version)?;
    }
    Ok(())
}

fn project_translations(
    t: &mut Tx<'_, '_>,
    id: &DocId,
    doc: &Automerge,
    version: &ObjId,
    version_id: i64,
) -> Result<(), CoreError> {
    let table = ResourceTranslation::TABLE;
    let rows = match map_at(doc, version, "translations")? {
        Some(map) => entries(doc, &map, &TRANSLATION)?,
        None => Vec::new(),
    };
    let mut present = HashSet::new();
    for (key, row) in &rows {
        let language = table.column_index("language").and_then(|i| row[i].as_str());
        if int(table, row, "resourceVersionId") != Some(version_id) || language != Some(key.as_str()) {
            return Err(inconsistent(id, format!("translation {key:?} does not belong to version {version_id}")));
        }
        present.extend(int(table, row, "id"));
    }
    delete_stale(t, table, "resourceVersionId", version_id, &present)?;
    for (_, row) in rows {
        put_child(t, id, &TRANSLATION, row, "resourceVersionId")?;
    }
    Ok(())
}

fn project_relations(
    t: &mut Tx<'_, '_>,
    id: &DocId,
    doc: &Automerge,
    version: &ObjId,
    version_id: i64,
) -> Result<(), CoreError> {
    let table = ResourceVersionRelation::TABLE;
    let rows = match map_at(doc, version, "relations")? {
        Some(map) => entries(doc, &map, &RELATION)?,
        None => Vec::new(),
    };
    let mut kept = Vec::new();
    for (key, row) in rows {
        let to = int(table, &row, "toVersionId").unwrap_or_default();
        let kind = table.column_index("relationType").and_then(|i| row[i].as_str()).unwrap_or_default();
        if int(table, &row, "fromVersionId") != Some(version_id) || relation_key(to, kind) != key {
            return Err(inconsistent(id, format!("relation {key:?} does not belong to version {version_id}")));
        }
        if refs::present_or_wait(t, id, ResourceVersion::TABLE, to)? {
            kept.push(row);
        }
    }
    let present: HashSet<i64> = kept.iter().filter_map(|r| int(table, r, "id")).collect();
    delete_stale(t, table, "fromVersionId", version_id, &present)?;
    for row in kept {
        put_child(t, id, &RELATION, row, "fromVersionId")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_compare_as_numbers() {
        assert!(label_numbers("1.10.0") > label_numbers("1.9.3"));
        assert_eq!(label_numbers("v2.0"), [2, 0, 0]);
        assert_eq!(label_numbers("draft"), [0, 0, 0]);
        assert_eq!(label_numbers("3.1.4-beta"), [3, 1, 4]);
    }

    #[test]
    fn derived_fields_pick_one_latest_and_the_earliest_completion() {
        let at = |s: i64| vrooli_model::Timestamp::from_micros(s * 1_000_000);
        let v = |id: i64, label: &str| ResourceVersion { id, version_label: label.into(), ..Default::default() };
        let mut versions = vec![
            ResourceVersion { is_private: true, ..v(1, "2.0.0") },
            ResourceVersion { is_complete: true, completed_at: Some(at(50)), ..v(2, "1.0.0") },
            ResourceVersion { is_deleted: true, is_complete: true, completed_at: Some(at(10)), ..v(3, "3.0.0") },
            ResourceVersion { is_complete: true, completed_at: Some(at(40)), ..v(4, "1.0.0") },
        ];
        let mut resource = Resource::default();
        derive(&mut resource, &mut versions);
        let indexes: Vec<i32> = versions.iter().map(|v| v.version_index).collect();
        assert_eq!(indexes, [2, 0, 3, 1], "label order, ties by id");
        let latest: Vec<i64> = versions.iter().filter(|v| v.is_latest).map(|v| v.id).collect();
        assert_eq!(latest, [1], "the deleted 3.0.0 is skipped");
        let public: Vec<i64> = versions.iter().filter(|v| v.is_latest_public).map(|v| v.id).collect();
        assert_eq!(public, [4], "private and deleted versions are skipped");
        assert!(resource.has_complete_version);
        assert_eq!(resource.completed_at, Some(at(40)), "the deleted version's completion does not count");
    }
}
