//! The permissions JSON of a team's members (`member.permissions`) and of
//! invites to a team (`member_invite.willHavePermissions`).
//!
//! The domain rules name DEFAULT_ADMIN_PERMISSIONS and
//! DEFAULT_MEMBER_PERMISSIONS without their contents; these are the team
//! schema's keys (`canCreateResources`, `canInviteMembers`,
//! `canModifySettings`, `canManageRoles`, `resourceTypes`) with its defaults
//! for a member, and everything allowed for an admin. The team's creator
//! becomes an admin; everyone else joins as a member unless invited as an
//! admin. The sync server enforces the checked actions itself (only admins
//! invite and remove), so a device's copy of these values only describes.

use serde_json::{json, Value};

/// Every resource type a member may create: the team schema's list
/// (Api, Code, Project, Routine, Standard) and the types the app also
/// creates (Note, Template), in alphabetical order.
pub const RESOURCE_TYPES: &[&str] = &["Api", "Code", "Note", "Project", "Routine", "Standard", "Template"];

/// DEFAULT_ADMIN_PERMISSIONS: everything allowed.
pub fn default_admin_permissions() -> Value {
    json!({
        "canCreateResources": true,
        "canInviteMembers": true,
        "canModifySettings": true,
        "canManageRoles": true,
        "resourceTypes": RESOURCE_TYPES,
    })
}

/// DEFAULT_MEMBER_PERMISSIONS: the team schema's defaults — create
/// resources of any type; no inviting, settings or roles.
pub fn default_member_permissions() -> Value {
    json!({
        "canCreateResources": true,
        "canInviteMembers": false,
        "canModifySettings": false,
        "canManageRoles": false,
        "resourceTypes": RESOURCE_TYPES,
    })
}

/// The default permissions of a member who is (or will be) an admin or not.
pub fn member_permissions(is_admin: bool) -> Value {
    if is_admin {
        default_admin_permissions()
    } else {
        default_member_permissions()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_may_invite_and_members_may_not() {
        let (admin, member) = (member_permissions(true), member_permissions(false));
        for key in ["canInviteMembers", "canModifySettings", "canManageRoles"] {
            assert_eq!(admin[key], true, "{key}");
            assert_eq!(member[key], false, "{key}");
        }
        assert_eq!(admin["canCreateResources"], true);
        assert_eq!(member["canCreateResources"], true);
        assert_eq!(member["resourceTypes"].as_array().map(Vec::len), Some(RESOURCE_TYPES.len()));
    }
}
