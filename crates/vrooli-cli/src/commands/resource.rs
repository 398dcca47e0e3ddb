//! `vrooli resource …`: create and version (documents, through the
//! workspace); show and list (the projection, through the store).

use clap::Subcommand;
use vrooli_model::entities::{Resource, ResourceTranslation, ResourceVersion};
use vrooli_store::{Order, Store, StoreError, Value};

use super::{all, found, Context};
use crate::output::resource::{ResourceCreated, ResourceList, ResourceSummary, ResourceView, VersionView};
use crate::output::{self, CliError};

#[derive(Subcommand)]
pub enum ResourceCommand {
    /// Create a resource of TYPE with its first version, named NAME.
    Create {
        /// The resource type (e.g. Routine, Project, Note).
        #[arg(long = "type", value_name = "TYPE")]
        resource_type: String,
        #[arg(long)]
        name: String,
        /// The name's language (2–3 lowercase letters).
        #[arg(long, default_value = "en")]
        language: String,
        /// Owned by this team (from `vrooli team list`) instead of you.
        #[arg(long, value_name = "TEAM_ID")]
        team: Option<i64>,
    },
    /// Add a version labelled X.Y.Z; it starts with the latest version's names.
    Version {
        /// The resource (from `resource create` or `resource list`).
        resource_id: i64,
        #[arg(long, value_name = "X.Y.Z")]
        label: String,
        /// The version is complete (stamps completedAt now).
        #[arg(long)]
        complete: bool,
        /// The version is private.
        #[arg(long)]
        private: bool,
        /// Version notes.
        #[arg(long, value_name = "TEXT")]
        notes: Option<String>,
    },
    /// A resource and its versions (label, index, complete, private, latest, notes, names).
    Show {
        /// The resource (from `resource list`).
        resource_id: i64,
    },
    /// Resources, newest first.
    List {
        /// Only resources of this type.
        #[arg(long = "type", value_name = "TYPE")]
        resource_type: Option<String>,
    },
}

pub fn run(ctx: &Context, command: &ResourceCommand) -> Result<(), CliError> {
    match command {
        ResourceCommand::Create { resource_type, name, language, team } => {
            let (resource, version) = ctx.workspace()?.create_resource_for(resource_type, name, language, *team)?;
            output::print(ctx.json, &ResourceCreated::new(resource, version, name, language))
        }
        ResourceCommand::Version { resource_id, label, complete, private, notes } => {
            let version = ctx.workspace()?.add_version(*resource_id, label, *complete, *private, notes.as_deref())?;
            output::print(ctx.json, &VersionView::new(version, Vec::new()))
        }
        ResourceCommand::Show { resource_id } => {
            let store = ctx.store()?;
            let resource = found(store.get::<Resource>(*resource_id)?, "resource", *resource_id)?;
            let versions = versions_with_names(&store, *resource_id)?;
            output::print(ctx.json, &ResourceView::new(resource, versions))
        }
        ResourceCommand::List { resource_type } => {
            let store = ctx.store()?;
            let filters: Vec<(&str, Value)> =
                resource_type.iter().map(|t| ("resourceType", Value::Text(t.clone()))).collect();
            let mut resources = Vec::new();
            for resource in all::<Resource>(&store, &filters, Order::NewestFirst)? {
                let versions = versions_with_names(&store, resource.id)?;
                resources.push(ResourceSummary::new(resource, versions));
            }
            output::print(ctx.json, &ResourceList { resources })
        }
    }
}

/// A resource's versions, oldest first, each with its translations.
fn versions_with_names(
    store: &Store,
    resource_id: i64,
) -> Result<Vec<(ResourceVersion, Vec<ResourceTranslation>)>, StoreError> {
    all::<ResourceVersion>(store, &[("rootId", Value::Integer(resource_id))], Order::OldestFirst)?
        .into_iter()
        .map(|v| {
            let names =
                all::<ResourceTranslation>(store, &[("resourceVersionId", Value::Integer(v.id))], Order::OldestFirst)?;
            Ok((v, names))
        })
        .collect()
}
