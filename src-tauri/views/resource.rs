//! Resources: the list (optionally of one type) and one resource with its versions.

use serde::Serialize;
use specta::Type;
use vrooli_model::entities::{Resource, ResourceTag, ResourceTranslation, ResourceVersion};
use vrooli_model::Value;
use vrooli_store::{Order, Store, StoreError};

use super::{all, found, id, time};

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct VersionName {
    pub language: String,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct VersionView {
    pub id: String,
    pub label: String,
    /// The version's place in label order, from 0.
    pub index: i32,
    pub complete: bool,
    pub completed_at: Option<String>,
    pub private: bool,
    pub deleted: bool,
    /// Exactly one version of a resource is the latest.
    pub latest: bool,
    pub notes: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub names: Vec<VersionName>,
}

impl VersionView {
    fn new(v: ResourceVersion, names: Vec<ResourceTranslation>) -> Self {
        VersionView {
            id: id(v.id),
            label: v.version_label,
            index: v.version_index,
            complete: v.is_complete,
            completed_at: v.completed_at.map(time),
            private: v.is_private,
            deleted: v.is_deleted,
            latest: v.is_latest,
            notes: v.version_notes,
            created_at: time(v.created_at),
            updated_at: time(v.updated_at),
            names: names
                .into_iter()
                .map(|t| VersionName { language: t.language, name: t.name, description: t.description })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSummary {
    pub id: String,
    pub resource_type: String,
    pub deleted: bool,
    pub latest_label: Option<String>,
    /// The latest version's names.
    pub names: Vec<VersionName>,
    pub versions: u32,
    pub created_at: String,
}

#[derive(Debug, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDetail {
    pub id: String,
    /// The document holding it, for its history.
    pub doc_id: String,
    pub resource_type: String,
    pub deleted: bool,
    pub has_complete_version: bool,
    pub created_at: String,
    pub updated_at: String,
    pub tags: Vec<String>,
    /// By index (label order).
    pub versions: Vec<VersionView>,
}

fn versions_of(store: &Store, resource_id: i64) -> Result<Vec<VersionView>, StoreError> {
    let mut versions = all::<ResourceVersion>(store, &[("rootId", Value::Integer(resource_id))], Order::OldestFirst)?
        .into_iter()
        .map(|v| {
            let names =
                all::<ResourceTranslation>(store, &[("resourceVersionId", Value::Integer(v.id))], Order::OldestFirst)?;
            Ok(VersionView::new(v, names))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    versions.sort_by_key(|v| v.index);
    Ok(versions)
}

/// Resources, newest first; only those of `resource_type` when given. Deleted ones are left out.
pub fn list(store: &Store, resource_type: Option<&str>) -> Result<Vec<ResourceSummary>, StoreError> {
    let filters: Vec<(&str, Value)> =
        resource_type.iter().map(|t| ("resourceType", Value::Text((*t).to_owned()))).collect();
    let mut out = Vec::new();
    for r in all::<Resource>(store, &filters, Order::NewestFirst)? {
        if r.is_deleted {
            continue;
        }
        let versions = versions_of(store, r.id)?;
        let count = u32::try_from(versions.len()).unwrap_or(u32::MAX);
        let latest = versions.into_iter().find(|v| v.latest);
        out.push(ResourceSummary {
            id: id(r.id),
            resource_type: r.resource_type,
            deleted: r.is_deleted,
            latest_label: latest.as_ref().map(|v| v.label.clone()),
            names: latest.map(|v| v.names).unwrap_or_default(),
            versions: count,
            created_at: time(r.created_at),
        });
    }
    Ok(out)
}

/// One resource with its versions (in label order) and tags.
pub fn detail(store: &Store, resource_id: i64) -> Result<ResourceDetail, StoreError> {
    let r = found(store.get::<Resource>(resource_id)?, "resource", resource_id)?;
    let tags = all::<ResourceTag>(store, &[("taggedId", Value::Integer(resource_id))], Order::OldestFirst)?
        .into_iter()
        .map(|t| t.tag_tag)
        .collect();
    Ok(ResourceDetail {
        id: id(r.id),
        doc_id: vrooli_core::DocId::Resource(r.id).to_string(),
        resource_type: r.resource_type,
        deleted: r.is_deleted,
        has_complete_version: r.has_complete_version,
        created_at: time(r.created_at),
        updated_at: time(r.updated_at),
        tags,
        versions: versions_of(store, resource_id)?,
    })
}

/// The resource a version belongs to.
pub fn root_of(store: &Store, version_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(store.get::<ResourceVersion>(version_id)?.map(|v| v.root_id))
}
