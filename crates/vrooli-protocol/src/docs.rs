//! What the server may know of document ids: their grammar, and which
//! document's access rules a document follows. Nothing of their contents.

/// `chat:ID`, `messages:CHAT:BUCKET`, `resource:ID`, `run:ID` with positive decimal numbers.
pub fn is_valid_doc_id(id: &str) -> bool {
    let number = |s: &str| !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()) && s != "0";
    let parts: Vec<&str> = id.split(':').collect();
    match parts.as_slice() {
        ["chat" | "resource" | "run", n] => number(n),
        ["messages", chat, bucket] => number(chat) && number(bucket),
        _ => false,
    }
}

/// The document whose owner a document shares: a chat's message buckets
/// follow the chat.
pub fn access_parent(id: &str) -> Option<String> {
    let mut parts = id.split(':');
    match (parts.next(), parts.next()) {
        (Some("messages"), Some(chat)) => Some(format!("chat:{chat}")),
        _ => None,
    }
}

/// Documents that others point into come first when several are applied
/// together (a chat before its messages, a resource before its runs).
pub fn apply_rank(id: &str) -> u8 {
    if id.starts_with("chat:") || id.starts_with("resource:") {
        0
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_ids() {
        assert!(is_valid_doc_id("chat:12"));
        assert!(is_valid_doc_id("messages:12:477000"));
        assert!(!is_valid_doc_id("chat:0"));
        assert!(!is_valid_doc_id("chat:-1"));
        assert!(!is_valid_doc_id("team:1"));
        assert!(!is_valid_doc_id("chat:1:2"));
        assert_eq!(access_parent("messages:12:4").as_deref(), Some("chat:12"));
        assert_eq!(access_parent("chat:12"), None);
    }
}
