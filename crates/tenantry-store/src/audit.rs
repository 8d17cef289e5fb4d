//! The app's audit log: one record per command that changed something on this machine,
//! appended and never updated, read newest first with filters (see docs/audit-log.md).

use tenantry_core::Timestamp;

use crate::store::on_pool;
use crate::{Store, StoreError};

/// The longest detail kept; longer ones are cut (with "…").
pub const MAX_AUDIT_DETAIL_CHARS: usize = 1_000;

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditOutcome {
    Done,
    /// Refused for a reason the user can act on (a rule, a bad input, the server's no).
    Refused,
    /// Failed for another reason (the keyring, the disk, the network).
    Failed,
}

impl AuditOutcome {
    pub fn id(self) -> &'static str {
        match self {
            AuditOutcome::Done => "done",
            AuditOutcome::Refused => "refused",
            AuditOutcome::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "done" => Some(AuditOutcome::Done),
            "refused" => Some(AuditOutcome::Refused),
            "failed" => Some(AuditOutcome::Failed),
            _ => None,
        }
    }
}

/// What a command did, to be recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAuditRecord {
    /// This machine's key id, if it has one.
    pub actor: Option<String>,
    /// The command (`submit_draft`).
    pub action: String,
    pub tenant: Option<String>,
    /// What it acted on: a draft id, a change-set hash, a file name, a server URL.
    pub subject: Option<String>,
    pub outcome: AuditOutcome,
    pub detail: String,
    pub rule_ids: Vec<String>,
}

/// A recorded command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Its place in this mirror's log, from 1.
    pub id: i64,
    pub at: Timestamp,
    pub actor: Option<String>,
    /// The actor's label in this mirror's key list, when it has one.
    pub actor_label: Option<String>,
    pub action: String,
    pub tenant: Option<String>,
    pub subject: Option<String>,
    pub outcome: AuditOutcome,
    pub detail: String,
    pub rule_ids: Vec<String>,
}

/// Which records to read. Every filter is optional; together they all apply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub tenant: Option<String>,
    /// The start of a key id, or part of a key's label (a person's name), case-insensitive.
    pub person: Option<String>,
    /// Unix milliseconds, inclusive.
    pub from_ms: Option<i64>,
    /// Unix milliseconds, exclusive.
    pub to_ms: Option<i64>,
    pub rule: Option<String>,
    /// Only records older than this id (the next page).
    pub before: Option<i64>,
    pub limit: u32,
}

fn cut(detail: &str) -> String {
    if detail.chars().count() <= MAX_AUDIT_DETAIL_CHARS {
        return detail.to_owned();
    }
    let mut kept: String = detail.chars().take(MAX_AUDIT_DETAIL_CHARS - 1).collect();
    kept.push('…');
    kept
}

/// Rule ids as stored: separated and surrounded by single spaces. A rule id is one
/// token; anything with white space in it is not a rule id and is dropped.
fn rule_column(rule_ids: &[String]) -> String {
    let mut column = String::from(" ");
    for rule in rule_ids {
        if !rule.is_empty() && !rule.chars().any(char::is_whitespace) {
            column.push_str(rule);
            column.push(' ');
        }
    }
    column
}

type Row = (
    i64,
    i64,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

impl Store {
    /// Appends one record, stamped now.
    pub async fn record_audit(&self, record: &NewAuditRecord) -> Result<(), StoreError> {
        let now = Timestamp::now().unix_millis();
        let detail = cut(&record.detail);
        let rules = rule_column(&record.rule_ids);
        on_pool!(&self.backend, |pool| {
            sqlx::query(
            "INSERT INTO audit_log (at_ms, actor, action, tenant_id, subject, outcome, detail, rule_ids) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(now)
        .bind(record.actor.as_deref())
        .bind(record.action.as_str())
        .bind(record.tenant.as_deref())
        .bind(record.subject.as_deref())
        .bind(record.outcome.id())
        .bind(detail.as_str())
        .bind(rules.as_str())
        .execute(pool)
        .await
        .map(|_| ())?
        });
        Ok(())
    }

    /// Records matching `query`, newest first, at most `query.limit`.
    pub async fn audit_records(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
        // Text parameters are cast so that Postgres knows their type when NULL.
        const SQL: &str =
            "SELECT a.id, a.at_ms, a.actor, k.label, a.action, a.tenant_id, a.subject, \
                    a.outcome, a.detail, a.rule_ids \
               FROM audit_log a LEFT JOIN signing_keys k ON k.key_id = a.actor \
              WHERE (CAST($1 AS TEXT) IS NULL OR a.tenant_id = $1) \
                AND (CAST($2 AS TEXT) IS NULL OR lower(a.actor) LIKE lower($2) || '%' \
                     OR lower(k.label) LIKE '%' || lower($2) || '%') \
                AND ($3 IS NULL OR a.at_ms >= $3) \
                AND ($4 IS NULL OR a.at_ms < $4) \
                AND (CAST($5 AS TEXT) IS NULL OR a.rule_ids LIKE '% ' || $5 || ' %') \
                AND ($6 IS NULL OR a.id < $6) \
              ORDER BY a.id DESC LIMIT $7";
        let rows: Vec<Row> = on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
            .bind(query.tenant.as_deref())
            .bind(query.person.as_deref())
            .bind(query.from_ms)
            .bind(query.to_ms)
            .bind(query.rule.as_deref())
            .bind(query.before)
            .bind(i64::from(query.limit))
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(
                |(
                    id,
                    at_ms,
                    actor,
                    actor_label,
                    action,
                    tenant,
                    subject,
                    outcome,
                    detail,
                    rules,
                )| {
                    let corrupt = |detail: String| StoreError::CorruptRow {
                        table: "audit_log",
                        id: id.to_string(),
                        detail,
                    };
                    Ok(AuditRecord {
                        id,
                        at: Timestamp::from_unix_millis(at_ms)
                            .map_err(|error| corrupt(error.to_string()))?,
                        actor,
                        actor_label,
                        action,
                        tenant,
                        subject,
                        outcome: AuditOutcome::parse(&outcome)
                            .ok_or_else(|| corrupt(format!("unknown outcome {outcome}")))?,
                        detail,
                        rule_ids: rules.split_whitespace().map(str::to_owned).collect(),
                    })
                },
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_kept_as_single_tokens_between_spaces() {
        assert_eq!(rule_column(&[]), " ");
        assert_eq!(
            rule_column(&[
                "APR-001".into(),
                "AI-002".into(),
                "two words".into(),
                String::new()
            ]),
            " APR-001 AI-002 "
        );
    }

    #[test]
    fn long_details_are_cut_with_an_ellipsis() {
        let long = "é".repeat(MAX_AUDIT_DETAIL_CHARS + 5);
        let kept = cut(&long);
        assert_eq!(kept.chars().count(), MAX_AUDIT_DETAIL_CHARS);
        assert!(kept.ends_with('…'));
        assert_eq!(cut("short"), "short");
    }
}
