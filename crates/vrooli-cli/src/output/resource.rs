//! What the `resource` verbs print: the root and its versions, each with
//! its derived fields (index, latest) as the projection holds them.

use std::fmt::{self, Display};

use serde::Serialize;
use vrooli_core::DocId;
use vrooli_model::entities::{Resource, ResourceTranslation, ResourceVersion};
use vrooli_model::Timestamp;

use super::one_line;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Name {
    pub language: String,
    pub name: String,
    pub description: Option<String>,
}

fn names_line(names: &[Name]) -> String {
    if names.is_empty() {
        return "(unnamed)".into();
    }
    let parts: Vec<String> = names.iter().map(|n| format!("{:?} ({})", n.name, n.language)).collect();
    parts.join(", ")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionView {
    pub id: String,
    pub resource_id: String,
    pub doc_id: String,
    pub label: String,
    /// The version's place in label order, from 0.
    pub index: i32,
    pub complete: bool,
    pub completed_at: Option<Timestamp>,
    pub private: bool,
    pub deleted: bool,
    pub latest: bool,
    pub latest_public: bool,
    pub notes: Option<String>,
    pub created_at: Timestamp,
    pub names: Vec<Name>,
}

impl VersionView {
    pub fn new(v: ResourceVersion, names: Vec<ResourceTranslation>) -> Self {
        VersionView {
            id: v.id.to_string(),
            resource_id: v.root_id.to_string(),
            doc_id: DocId::Resource(v.root_id).to_string(),
            label: v.version_label,
            index: v.version_index,
            complete: v.is_complete,
            completed_at: v.completed_at,
            private: v.is_private,
            deleted: v.is_deleted,
            latest: v.is_latest,
            latest_public: v.is_latest_public,
            notes: v.version_notes,
            created_at: v.created_at,
            names: names
                .into_iter()
                .map(|t| Name { language: t.language, name: t.name, description: t.description })
                .collect(),
        }
    }

    fn line(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut flags = Vec::new();
        for (on, flag) in [
            (self.latest, "latest"),
            (self.latest_public, "latest public"),
            (self.complete, "complete"),
            (self.private, "private"),
            (self.deleted, "deleted"),
        ] {
            if on {
                flags.push(flag);
            }
        }
        let marker = if self.latest { "*" } else { " " };
        write!(f, "{marker} #{} {:<10} {}", self.index, self.label, self.id)?;
        if !flags.is_empty() {
            write!(f, "  [{}]", flags.join(", "))?;
        }
        if !self.names.is_empty() {
            write!(f, "  {}", names_line(&self.names))?;
        }
        writeln!(f)?;
        if let Some(notes) = &self.notes {
            writeln!(f, "      notes: {}", one_line(notes, 200))?;
        }
        Ok(())
    }
}

impl Display for VersionView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "version {} of resource {} (document {})", self.id, self.resource_id, self.doc_id)?;
        self.line(f)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceCreated {
    pub id: String,
    pub doc_id: String,
    pub resource_type: String,
    pub name: String,
    pub language: String,
    pub version: VersionView,
}

impl ResourceCreated {
    pub fn new(resource: Resource, version: ResourceVersion, name: &str, language: &str) -> Self {
        ResourceCreated {
            id: resource.id.to_string(),
            doc_id: DocId::Resource(resource.id).to_string(),
            resource_type: resource.resource_type,
            name: name.into(),
            language: language.into(),
            version: VersionView::new(version, Vec::new()),
        }
    }
}

impl Display for ResourceCreated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "created {} {} {:?} ({}), version {} {}, document {}",
            self.resource_type, self.id, self.name, self.language, self.version.label, self.version.id, self.doc_id
        )
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceView {
    pub id: String,
    pub doc_id: String,
    pub public_id: String,
    pub resource_type: String,
    pub private: bool,
    pub deleted: bool,
    pub has_complete_version: bool,
    pub completed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// By index (label order).
    pub versions: Vec<VersionView>,
}

impl ResourceView {
    pub fn new(r: Resource, versions: Vec<(ResourceVersion, Vec<ResourceTranslation>)>) -> Self {
        let mut versions: Vec<VersionView> = versions.into_iter().map(|(v, n)| VersionView::new(v, n)).collect();
        versions.sort_by_key(|v| v.index);
        ResourceView {
            id: r.id.to_string(),
            doc_id: DocId::Resource(r.id).to_string(),
            public_id: r.public_id,
            resource_type: r.resource_type,
            private: r.is_private,
            deleted: r.is_deleted,
            has_complete_version: r.has_complete_version,
            completed_at: r.completed_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            versions,
        }
    }
}

impl Display for ResourceView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let deleted = if self.deleted { " (deleted)" } else { "" };
        writeln!(f, "{} {}{deleted}  document {}", self.resource_type, self.id, self.doc_id)?;
        writeln!(f, "created {}  updated {}", self.created_at, self.updated_at)?;
        match self.completed_at {
            Some(at) if self.has_complete_version => writeln!(f, "first complete {at}")?,
            _ => writeln!(f, "no complete version")?,
        }
        writeln!(f, "{} version(s), by index (* latest):", self.versions.len())?;
        for v in &self.versions {
            write!(f, "  ")?;
            v.line(f)?;
        }
        Ok(())
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSummary {
    pub id: String,
    pub doc_id: String,
    pub resource_type: String,
    pub deleted: bool,
    /// The latest version's label and names.
    pub latest_label: Option<String>,
    pub names: Vec<Name>,
    pub versions: usize,
    pub created_at: Timestamp,
}

impl ResourceSummary {
    pub fn new(r: Resource, versions: Vec<(ResourceVersion, Vec<ResourceTranslation>)>) -> Self {
        let count = versions.len();
        let latest = versions.into_iter().find(|(v, _)| v.is_latest).map(|(v, n)| VersionView::new(v, n));
        ResourceSummary {
            id: r.id.to_string(),
            doc_id: DocId::Resource(r.id).to_string(),
            resource_type: r.resource_type,
            deleted: r.is_deleted,
            latest_label: latest.as_ref().map(|v| v.label.clone()),
            names: latest.map(|v| v.names).unwrap_or_default(),
            versions: count,
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize)]
pub struct ResourceList {
    /// Newest first.
    pub resources: Vec<ResourceSummary>,
}

impl Display for ResourceList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.resources.is_empty() {
            return writeln!(f, "no resources");
        }
        for r in &self.resources {
            let deleted = if r.deleted { " (deleted)" } else { "" };
            writeln!(
                f,
                "{:>20}  {:<10} {:<8} {} version(s)  {}{deleted}",
                r.id,
                r.resource_type,
                r.latest_label.as_deref().unwrap_or("-"),
                r.versions,
                names_line(&r.names)
            )?;
        }
        Ok(())
    }
}
