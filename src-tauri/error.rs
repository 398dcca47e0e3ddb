//! The error every command returns to the UI: a stable `code` to match on, a human `message`,
//! and the offending `field` when one input caused it. The UI never parses `message`.

use serde::Serialize;
use specta::Type;
use vrooli_client::ClientError;
use vrooli_core::CoreError;
use vrooli_store::StoreError;

use crate::prefs::PrefsError;

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

    /// An argument that should hold a 64-bit id (ids travel as strings) holds something else.
    pub fn invalid_id(field: &str, text: &str) -> Self {
        Self {
            code: "invalid_id".to_owned(),
            message: format!("{field}: {text:?} is not an id"),
            field: Some(field.to_owned()),
        }
    }
}

impl From<StoreError> for CommandError {
    fn from(error: StoreError) -> Self {
        Self { code: error.code().to_owned(), message: message_of(&error), field: error.field() }
    }
}

impl From<CoreError> for CommandError {
    fn from(error: CoreError) -> Self {
        let message = match &error {
            CoreError::Store(store) => message_of(store),
            other => other.to_string(),
        };
        Self { code: error.code().to_owned(), message, field: error.field() }
    }
}

/// The sentence to show. A refused value is shown beside its input, so the rule's own sentence
/// ("must be at most 128 characters…") reads better there than one prefixed with
/// `table.column`, which the `field` already carries.
fn message_of(error: &StoreError) -> String {
    match error {
        StoreError::Invalid(invalid) => {
            invalid.first().map_or_else(|| error.to_string(), |violation| violation.message.clone())
        }
        other => other.to_string(),
    }
}

impl From<PrefsError> for CommandError {
    fn from(error: PrefsError) -> Self {
        Self { code: "prefs".to_owned(), message: error.to_string(), field: None }
    }
}

impl From<ClientError> for CommandError {
    fn from(error: ClientError) -> Self {
        let code = error.code().to_owned();
        match error {
            ClientError::Core(core) => core.into(),
            ClientError::Server { message, field, .. } => Self { code, message, field },
            ClientError::InvalidServer(_) => {
                Self { code, message: error.to_string(), field: Some("server".to_owned()) }
            }
            // The library's sentence names the CLI's command.
            ClientError::SignedOut => {
                Self { code, message: "not signed in: sign in on the Account screen".to_owned(), field: None }
            }
            other => Self { code, message: other.to_string(), field: None },
        }
    }
}

/// Parses an id the UI sent as a string; `field` names the argument in the error.
pub fn parse_id(field: &str, text: &str) -> Result<i64, CommandError> {
    text.trim().parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| CommandError::invalid_id(field, text))
}

#[cfg(test)]
mod tests {
    use vrooli_model::ValidationError;

    use super::*;

    #[test]
    fn a_refused_value_keeps_its_field_and_the_rule_s_own_sentence() {
        let invalid = ValidationError::single("chat_translation", "name", "max_length", "must be short".to_owned());
        let error = CommandError::from(CoreError::Store(StoreError::Invalid(invalid)));
        assert_eq!((error.code.as_str(), error.field.as_deref()), ("invalid", Some("name")));
        assert_eq!(error.message, "must be short");
    }

    #[test]
    fn client_errors_keep_the_server_s_code_and_field_and_name_the_fix() {
        let server = ClientError::Server {
            status: 409,
            code: "email_taken".into(),
            message: "an account with this email exists; sign in instead".into(),
            field: Some("email".into()),
        };
        let error = CommandError::from(server);
        assert_eq!((error.code.as_str(), error.field.as_deref()), ("email_taken", Some("email")));

        let error = CommandError::from(ClientError::InvalidServer("localhost".into()));
        assert_eq!((error.code.as_str(), error.field.as_deref()), ("invalid_server", Some("server")));

        let error = CommandError::from(ClientError::SignedOut);
        assert_eq!(error.code, "signed_out");
        assert!(error.message.contains("Account screen"), "{}", error.message);

        let keyring = vrooli_client::secret::SecretError::Unavailable("no D-Bus".into());
        let error = CommandError::from(ClientError::from(keyring));
        assert_eq!(error.code, "keyring");
        assert!(error.message.contains("gnome-keyring") && !error.message.contains('\n'), "{}", error.message);
    }

    #[test]
    fn ids_must_be_positive_integers() {
        assert_eq!(parse_id("chatId", " 42 ").unwrap(), 42);
        for bad in ["", "x", "-1", "0", "1.5"] {
            let error = parse_id("chatId", bad).unwrap_err();
            assert_eq!((error.code.as_str(), error.field.as_deref()), ("invalid_id", Some("chatId")));
        }
    }
}
