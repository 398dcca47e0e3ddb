//! The error every command returns to the UI: a stable `code` to match on, a human `message`,
//! and the offending `field` when one input caused it. The UI never parses `message`.

use serde::Serialize;
use specta::Type;
use vrooli_store::StoreError;

#[derive(Debug, Serialize, Type)]
pub struct CommandError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub field: Option<String>,
}

impl CommandError {
    pub fn poisoned() -> Self {
        Self {
            code: "state_poisoned".to_owned(),
            message: "an earlier command failed while holding the store; restart the app".to_owned(),
            field: None,
        }
    }
}

impl From<StoreError> for CommandError {
    fn from(error: StoreError) -> Self {
        Self { code: error.code().to_owned(), message: error.to_string(), field: error.field() }
    }
}
