//! Domain rules beyond the column catalogue (see `spec/domain-rules.md`).
//!
//! A [`Check`] is one rule about one column's value. Each check knows how to
//! test a [`Value`] (the validator runs it before every write) and how to say
//! itself as a SQLite expression (the migration's `CHECK` constraints), so the
//! application and the database enforce one definition.
//!
//! [`domain_checks`] and [`exclusive_groups`] decide which rules apply where;
//! they are read by `cargo xtask codegen` when it writes the catalogue and the
//! migration. Where the documents conflict (⚠ in domain-rules.md) the choice
//! made is stated beside the rule.

use crate::catalogue::EnumDef;
use crate::value::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// A 32-bit integer (Prisma `Int`).
    Int32,
    /// 0 or 1.
    Boolean,
    MaxLength(u32),
    MinLength(u32),
    OneOf(&'static EnumDef),
    /// Valid JSON text.
    Json,
    /// A JSON array of strings (list columns).
    StringList,
    /// A JSON array of language codes.
    LanguageList,
    /// Little-endian f32 values, exactly this many.
    Vector(u32),
    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, UTC, microseconds: sorts as text.
    Timestamp,
    /// A lowercase hyphenated UUID.
    Uuid,
    /// 12 characters of `[0-9a-z]`.
    PublicId,
    /// 2–3 lowercase letters. ⚠ The docs disagree (ISO 639-1 vs 3-letter codes);
    /// the column is VarChar(3) and the app accepts both, so we do too.
    Language,
    /// ⚠ The docs allow `[a-zA-Z0-9_-]{3,50}`; the app's code (and so every
    /// stored handle) uses 3–16 of `[a-zA-Z0-9_]` with at least one letter or
    /// digit. We follow the code, which is what users have been shown.
    Handle,
    /// `something@domain.tld` without spaces.
    Email,
    /// E.164: `+` then 2–15 digits, not starting with 0.
    Phone,
    /// An inclusive integer range.
    Range {
        min: Option<i64>,
        max: Option<i64>,
    },
}

impl Check {
    /// A short, stable name for the rule: error codes and constraint names use it.
    pub fn rule(&self) -> &'static str {
        match self {
            Check::Int32 => "int32",
            Check::Boolean => "boolean",
            Check::MaxLength(_) => "max_length",
            Check::MinLength(_) => "min_length",
            Check::OneOf(_) => "enum",
            Check::Json => "json",
            Check::StringList => "string_list",
            Check::LanguageList => "language_list",
            Check::Vector(_) => "vector",
            Check::Timestamp => "timestamp",
            Check::Uuid => "uuid",
            Check::PublicId => "public_id",
            Check::Language => "language",
            Check::Handle => "handle",
            Check::Email => "email",
            Check::Phone => "phone",
            Check::Range { .. } => "range",
        }
    }

    /// What the rule demands, as the end of a sentence ("must be …").
    pub fn describe(&self) -> String {
        match self {
            Check::Int32 => "a 32-bit integer".into(),
            Check::Boolean => "true or false".into(),
            Check::MaxLength(n) => format!("at most {n} characters"),
            Check::MinLength(n) => {
                format!("at least {n} character{}", if *n == 1 { "" } else { "s" })
            }
            Check::OneOf(e) => format!("one of {} ({})", e.name, e.values.join(", ")),
            Check::Json => "valid JSON".into(),
            Check::StringList => "a JSON array of strings".into(),
            Check::LanguageList => "a JSON array of language codes (2–3 lowercase letters)".into(),
            Check::Vector(d) => format!("an embedding of exactly {d} f32 values ({} bytes)", d * 4),
            Check::Timestamp => "a UTC timestamp like 2025-01-31T12:00:00.000000Z".into(),
            Check::Uuid => "a lowercase UUID".into(),
            Check::PublicId => "12 characters of 0-9 and a-z".into(),
            Check::Language => "a language code of 2–3 lowercase letters".into(),
            Check::Handle => "3–16 letters, digits or underscores, with at least one letter or digit".into(),
            Check::Email => "an email address like name@example.com".into(),
            Check::Phone => "an E.164 phone number like +14155550123".into(),
            Check::Range { min, max } => match (min, max) {
                (Some(a), Some(b)) => format!("between {a} and {b}"),
                (Some(a), None) => format!("at least {a}"),
                (None, Some(b)) => format!("at most {b}"),
                (None, None) => "a number".into(),
            },
        }
    }

    /// Whether `value` satisfies the rule. NULL always does: nullability is
    /// the column's business, not the check's.
    pub fn holds(&self, value: &Value) -> bool {
        match (self, value) {
            (_, Value::Null) => true,
            (Check::Int32, Value::Integer(i)) => i32::try_from(*i).is_ok(),
            (Check::Boolean, Value::Integer(i)) => *i == 0 || *i == 1,
            (Check::MaxLength(n), Value::Text(s)) => char_count_at_most(s, *n as usize),
            (Check::MinLength(n), Value::Text(s)) => s.chars().count() >= *n as usize,
            (Check::OneOf(e), Value::Text(s)) => e.values.contains(&s.as_str()),
            (Check::Json, Value::Text(s)) => serde_json::from_str::<serde_json::Value>(s).is_ok(),
            (Check::StringList, Value::Text(s)) => parse_string_list(s).is_some(),
            (Check::LanguageList, Value::Text(s)) => {
                parse_string_list(s).is_some_and(|l| l.iter().all(|x| is_language(x)))
            }
            (Check::Vector(d), Value::Blob(b)) => b.len() == *d as usize * 4,
            (Check::Timestamp, Value::Text(s)) => crate::time::Timestamp::parse(s).is_some(),
            (Check::Uuid, Value::Text(s)) => is_uuid(s),
            (Check::PublicId, Value::Text(s)) => crate::id::PublicId::is_valid(s),
            (Check::Language, Value::Text(s)) => is_language(s),
            (Check::Handle, Value::Text(s)) => is_handle(s),
            (Check::Email, Value::Text(s)) => is_email(s),
            (Check::Phone, Value::Text(s)) => is_phone(s),
            (Check::Range { min, max }, Value::Integer(i)) => {
                min.is_none_or(|m| *i >= m) && max.is_none_or(|m| *i <= m)
            }
            (Check::Range { min, max }, Value::Real(f)) => {
                min.is_none_or(|m| *f >= m as f64) && max.is_none_or(|m| *f <= m as f64)
            }
            // A value of the wrong storage class never satisfies a rule; the
            // validator reports the type mismatch before it gets here.
            _ => false,
        }
    }

    /// The rule as a SQLite boolean expression over the quoted column `c`.
    pub fn sql(&self, column: &str) -> String {
        let c = format!("\"{column}\"");
        match self {
            Check::Int32 => format!("{c} BETWEEN -2147483648 AND 2147483647"),
            Check::Boolean => format!("{c} IN (0, 1)"),
            Check::MaxLength(n) => format!("length({c}) <= {n}"),
            Check::MinLength(n) => format!("length({c}) >= {n}"),
            Check::OneOf(e) => {
                let values: Vec<String> = e.values.iter().map(|v| format!("'{v}'")).collect();
                format!("{c} IN ({})", values.join(", "))
            }
            Check::Json => format!("json_valid({c})"),
            Check::StringList | Check::LanguageList => {
                // CHECK cannot hold a subquery, so element types are left to the
                // validator; the database still guarantees an array.
                format!("json_valid({c}) AND json_type({c}) = 'array'")
            }
            Check::Vector(d) => format!("length({c}) = {}", d * 4),
            Check::Timestamp => format!(
                "{c} GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'"
            ),
            Check::Uuid => format!(
                "length({c}) = 36 AND {c} GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'"
            ),
            Check::PublicId => format!("length({c}) = 12 AND {c} NOT GLOB '*[^0-9a-z]*'"),
            Check::Language => format!("{c} GLOB '[a-z][a-z]' OR {c} GLOB '[a-z][a-z][a-z]'"),
            Check::Handle => format!(
                "length({c}) BETWEEN 3 AND 16 AND {c} NOT GLOB '*[^a-zA-Z0-9_]*' AND {c} GLOB '*[a-zA-Z0-9]*'"
            ),
            Check::Email => format!(
                "{c} GLOB '?*@?*.?*' AND {c} NOT GLOB '*[ \t\n\r]*' AND {c} NOT GLOB '*@*@*'"
            ),
            Check::Phone => format!(
                "length({c}) BETWEEN 3 AND 16 AND {c} GLOB '+[1-9]*' AND substr({c}, 2) NOT GLOB '*[^0-9]*'"
            ),
            Check::Range { min, max } => match (min, max) {
                (Some(a), Some(b)) => format!("{c} BETWEEN {a} AND {b}"),
                (Some(a), None) => format!("{c} >= {a}"),
                (None, Some(b)) => format!("{c} <= {b}"),
                (None, None) => "1".into(),
            },
        }
    }
}

fn char_count_at_most(s: &str, n: usize) -> bool {
    // Byte length bounds the character count from above: skip counting when it can't matter.
    s.len() <= n || s.chars().count() <= n
}

fn parse_string_list(s: &str) -> Option<Vec<String>> {
    serde_json::from_str::<Vec<String>>(s).ok()
}

pub fn is_language(s: &str) -> bool {
    (2..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase())
}

pub fn is_handle(s: &str) -> bool {
    (3..=16).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && s.bytes().any(|b| b.is_ascii_alphanumeric())
}

pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let Some((host, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    !local.is_empty()
        && !host.is_empty()
        && !tld.is_empty()
        && !domain.contains('@')
        && !s.chars().any(char::is_whitespace)
}

pub fn is_phone(s: &str) -> bool {
    let b = s.as_bytes();
    (3..=16).contains(&b.len())
        && b[0] == b'+'
        && (b'1'..=b'9').contains(&b[1])
        && b[1..].iter().all(u8::is_ascii_digit)
}

pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

const fn at_least(min: i64) -> Check {
    Check::Range { min: Some(min), max: None }
}

const fn between(min: i64, max: i64) -> Check {
    Check::Range { min: Some(min), max: Some(max) }
}

/// Domain rules for one column, beyond its catalogue type and max length.
/// Read by codegen; the generated catalogue carries the result.
pub fn domain_checks(table: &str, column: &str) -> Vec<Check> {
    let mut checks = Vec::new();
    match column {
        "language" => checks.push(Check::Language),
        "handle" => checks.push(Check::Handle),
        "publicId" => checks.push(Check::PublicId),
        // [dict]: "name: 1–128 characters, required". ⚠ The code says 3–50; we
        // keep the schema's 128 and only forbid empty names.
        "name" => checks.push(Check::MinLength(1)),
        // Counters and positions can never be negative [dict][rel].
        "bookmarks"
        | "views"
        | "versionIndex"
        | "timesStarted"
        | "timesCompleted"
        | "count"
        | "logInAttempts"
        | "numExports"
        | "creditsUsed"
        | "progress"
        | "currentStreak"
        | "longestStreak"
        | "contextSwitches"
        | "complexity"
        | "completedComplexity"
        | "runsStarted"
        | "runsCompleted"
        | "references"
        | "referencedBy"
        | "members"
        | "resources"
        | "teamsCreated"
        | "activeUsers"
        | "verifiedEmailsCreated"
        | "verifiedWalletsCreated"
        | "index"
        | "order"
        | "limitHard"
        | "limitSoft"
        | "duration" => checks.push(at_least(0)),
        _ => {}
    }
    match (table, column) {
        ("run" | "run_step", "timeElapsed") => checks.push(between(0, 86_400_000)),
        ("chat_message", "score") => checks.push(between(-1000, 1000)),
        // ⚠ [rel] says every score is ≥ 0, [dict] only resources'. Comments and
        // issues are voted on and may go below zero, so only resources are bounded.
        ("resource", "score") => checks.push(at_least(0)),
        ("chat_message", "text") => checks.push(Check::MinLength(1)),
        ("email", "emailAddress") => {
            checks.push(Check::Email);
            // ⚠ The code allows 256, an older doc 254 (RFC 5322); 256 keeps every stored address.
            checks.push(Check::MaxLength(256));
        }
        ("phone", "phoneNumber") => checks.push(Check::Phone),
        ("schedule_recurrence", "interval") => checks.push(at_least(1)),
        ("schedule_recurrence", "dayOfWeek") => checks.push(between(0, 6)),
        ("schedule_recurrence", "dayOfMonth") => checks.push(between(1, 31)),
        ("schedule_recurrence", "month") => checks.push(between(1, 12)),
        _ => {}
    }
    checks
}

/// Column groups of which at most one may be set, and whether a new row needs exactly one.
pub fn exclusive_groups(table: &str) -> Vec<(&'static [&'static str], bool)> {
    const USER_OR_TEAM: &[&str] = &["userId", "teamId"];
    match table {
        // "Owned by exactly one of a user or a team" [dict]. ⚠ Nothing in the
        // schema enforces it and the owner FKs are SET NULL, so a row may lose
        // its owner when the owner is deleted: the database allows at most one,
        // and new rows must name exactly one.
        "resource" => vec![(&["ownedByUserId", "ownedByTeamId"], true)],
        "comment" => vec![
            (&["ownedByUserId", "ownedByTeamId"], true),
            // A comment is on a version, an issue or a pull request [schema].
            (&["resourceVersionId", "issueId", "pullRequestId"], true),
        ],
        "api_key" | "api_key_external" | "email" | "phone" | "wallet" | "payment" | "plan" | "credit_account" => {
            vec![(USER_OR_TEAM, true)]
        }
        "transfer" => vec![(&["fromUserId", "fromTeamId"], true), (&["toUserId", "toTeamId"], true)],
        // Rows that point at exactly one target among several [schema][content].
        "reaction" | "reaction_summary" => {
            vec![(&["resourceId", "chatMessageId", "commentId", "issueId"], true)]
        }
        "bookmark" => vec![(&["resourceId", "commentId", "issueId", "tagId", "teamId", "userId"], true)],
        "view" => vec![(&["issueId", "resourceId", "teamId", "userId"], true)],
        // `userId` is the reported user (the reporter is createdById), so it is one of the targets.
        "report" => {
            vec![(&["resourceVersionId", "chatMessageId", "commentId", "issueId", "tagId", "teamId", "userId"], true)]
        }
        "notification_subscription" => vec![(
            &[
                "resourceId",
                "chatId",
                "commentId",
                "issueId",
                "meetingId",
                "pullRequestId",
                "reportId",
                "scheduleId",
                "teamId",
            ],
            true,
        )],
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_follow_the_apps_rule() {
        assert!(is_handle("ann_42"));
        assert!(!is_handle("__"));
        assert!(!is_handle("___"));
        assert!(!is_handle("with-hyphen"));
        assert!(!is_handle("a_very_long_handle_17"));
    }

    #[test]
    fn emails_and_phones() {
        assert!(is_email("ann@example.com"));
        assert!(!is_email("ann@example"));
        assert!(!is_email("ann example@x.com"));
        assert!(!is_email("a@b@c.com"));
        assert!(is_phone("+14155550123"));
        assert!(!is_phone("+0123"));
        assert!(!is_phone("14155550123"));
    }

    #[test]
    fn null_satisfies_every_rule() {
        assert!(Check::Language.holds(&Value::Null));
        assert!(!Check::Language.holds(&Value::Text("EN".into())));
        assert!(Check::MaxLength(3).holds(&Value::Text("äöü".into())));
        assert!(!Check::MaxLength(2).holds(&Value::Text("äöü".into())));
    }
}

/// A table whose text columns are in the full-text index, and how a hit
/// leads back to what a person opens (a chat, a resource version, …).
#[derive(Debug)]
pub struct SearchSource {
    pub table: &'static str,
    pub columns: &'static [&'static str],
    /// The column naming the thing a hit opens.
    pub parent_column: &'static str,
    /// What a hit is, in results: `message`, `chat`, `resource`, `team`, `comment`.
    pub kind: &'static str,
}

impl SearchSource {
    /// The FTS5 table kept in step with `table`.
    pub fn fts_table(&self) -> String {
        format!("fts_{}", self.table)
    }

    /// The `search_queue` columns (migration V8) that carry this source's columns, quoted, in
    /// order; `None` when it has more columns than the queue holds.
    pub fn queue_slots(&self) -> Option<&'static [&'static str]> {
        const SLOTS: [&str; 2] = ["\"a\"", "\"b\""];
        SLOTS.get(..self.columns.len())
    }
}

/// What full-text search covers: chat messages and the name, description or
/// text of chat, resource-version, team and comment translations.
pub const SEARCH_SOURCES: &[SearchSource] = &[
    SearchSource { table: "chat_message", columns: &["text"], parent_column: "chatId", kind: "message" },
    SearchSource {
        table: "chat_translation",
        columns: &["name", "description"],
        parent_column: "chatId",
        kind: "chat",
    },
    SearchSource {
        table: "resource_translation",
        columns: &["name", "description"],
        parent_column: "resourceVersionId",
        kind: "resource",
    },
    SearchSource { table: "team_translation", columns: &["name", "bio"], parent_column: "teamId", kind: "team" },
    SearchSource { table: "comment_translation", columns: &["text"], parent_column: "commentId", kind: "comment" },
];
