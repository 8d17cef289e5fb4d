//! The tenant list of the home screen: search and filters over `tenant_summaries`, a
//! table the database keeps from the tenants' documents by trigger (see the migration
//! `*_tenant_summaries.sql`), so the list is one indexed query however the documents
//! were written. Progress through the twelve steps is the policy pack's verdict, which
//! the store does not run: the caller evaluates the tenants [`Store::tenants_needing_progress`]
//! returns and writes the result with [`Store::set_tenant_progress`].

use serde::{Deserialize, Serialize};
use tenantry_changeset::changeset::Environment;
use tenantry_core::tenant::TenantId;
use tenantry_core::TenantDocument;

use crate::error::StoreError;
use crate::store::{on_pool, Store};

/// Longest search text taken; a longer one cannot match a name of at most 120
/// characters plus a slug anyway.
pub const MAX_SEARCH_CHARS: usize = 200;
/// Most rows one page returns (the list is virtualised; it asks for what it shows).
pub const MAX_PAGE: u32 = 500;

/// How far a tenant is through onboarding, as a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ProgressFilter {
    /// All twelve steps complete and nothing blocked.
    Complete,
    /// Some steps still to do, nothing blocked.
    InProgress,
    /// At least one blocking finding.
    Blocked,
    /// Not evaluated since its last change (the app catches up in the background).
    Unknown,
}

/// What the list is asked for. Every field narrows it; the defaults list everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default, deny_unknown_fields)]
pub struct TenantFilter {
    /// Part of the display name or slug, any case.
    pub text: String,
    pub stage: Option<Environment>,
    /// `standard`, `gdpr`, `pci_dss` or `hipaa`.
    pub compliance_mode: Option<String>,
    /// Key id of the author of the tenant's first change set.
    pub owner: Option<String>,
    pub progress: Option<ProgressFilter>,
    pub offset: u32,
    /// Rows wanted (1 to 500; 0 means 100).
    pub limit: u32,
}

/// One row of the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
pub struct TenantSummary {
    pub id: String,
    pub display_name: String,
    pub slug: String,
    pub industry: String,
    pub compliance_mode: String,
    pub stage: Environment,
    pub owner: Option<String>,
    /// The owner's key label in this mirror, when it has one.
    pub owner_label: Option<String>,
    /// Complete steps of twelve; `None` until evaluated.
    pub steps_complete: Option<u8>,
    pub blocked: Option<bool>,
}

/// A page of the list and how many tenants match in all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
pub struct TenantPage {
    pub total: u32,
    pub offset: u32,
    pub tenants: Vec<TenantSummary>,
}

/// A filter the store refuses, before running anything.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TenantFilterError {
    #[error("the search text is {0} characters; at most {MAX_SEARCH_CHARS}")]
    TextTooLong(usize),
    #[error("the search text contains a control character")]
    ControlCharacter,
    #[error("'{0}' is not a compliance mode (standard, gdpr, pci_dss, hipaa)")]
    UnknownComplianceMode(String),
    #[error("'{0}' is not a key id (64 hex characters)")]
    BadOwner(String),
    #[error("at most {MAX_PAGE} rows per page, not {0}")]
    PageTooLarge(u32),
}

impl TenantFilter {
    fn check(&self) -> Result<(), TenantFilterError> {
        let chars = self.text.chars().count();
        if chars > MAX_SEARCH_CHARS {
            return Err(TenantFilterError::TextTooLong(chars));
        }
        if self.text.chars().any(char::is_control) {
            return Err(TenantFilterError::ControlCharacter);
        }
        if let Some(mode) = &self.compliance_mode {
            if !matches!(mode.as_str(), "standard" | "gdpr" | "pci_dss" | "hipaa") {
                return Err(TenantFilterError::UnknownComplianceMode(mode.clone()));
            }
        }
        if let Some(owner) = &self.owner {
            if owner.len() != 64 || !owner.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(TenantFilterError::BadOwner(owner.clone()));
            }
        }
        if self.limit > MAX_PAGE {
            return Err(TenantFilterError::PageTooLarge(self.limit));
        }
        Ok(())
    }
}

/// `%`, `_` and `\` match themselves in the search (LIKE … ESCAPE '\').
fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

const LIST_WHERE: &str = "WHERE s.search_text LIKE $1 ESCAPE '\\' \
      AND ($2 IS NULL OR s.stage = $2) \
      AND ($3 IS NULL OR s.compliance_mode = $3) \
      AND ($4 IS NULL OR s.owner = $4) \
      AND ($5 IS NULL \
           OR ($5 = 'complete' AND s.blocked = 0 AND s.steps_complete = 12) \
           OR ($5 = 'in_progress' AND s.blocked = 0 AND s.steps_complete < 12) \
           OR ($5 = 'blocked' AND s.blocked = 1) \
           OR ($5 = 'unknown' AND s.progress_of IS NULL))";

impl Store {
    /// The tenants matching `filter`, by display name, one page of them, and how many
    /// match in all. A bad filter is refused with what is wrong; nothing runs.
    pub async fn list_tenants(
        &self,
        filter: &TenantFilter,
    ) -> Result<Result<TenantPage, TenantFilterError>, StoreError> {
        if let Err(error) = filter.check() {
            return Ok(Err(error));
        }
        let pattern = like_pattern(&filter.text);
        let stage = filter.stage.map(environment_id);
        let progress = filter.progress.map(|p| match p {
            ProgressFilter::Complete => "complete",
            ProgressFilter::InProgress => "in_progress",
            ProgressFilter::Blocked => "blocked",
            ProgressFilter::Unknown => "unknown",
        });
        let limit = if filter.limit == 0 { 100 } else { filter.limit };
        // Placeholders are typed explicitly: Postgres cannot infer `$2 IS NULL` alone.
        let count_sql = format!(
            "SELECT COUNT(*) FROM tenant_summaries s {}",
            typed(LIST_WHERE, self)
        );
        let page_sql = format!(
            "SELECT s.tenant_id, s.display_name, s.slug, s.industry, s.compliance_mode, s.stage, \
                    s.owner, k.label, s.steps_complete, s.blocked \
               FROM tenant_summaries s LEFT JOIN signing_keys k ON k.key_id = s.owner {} \
              ORDER BY s.sort_key, s.tenant_id LIMIT $6 OFFSET $7",
            typed(LIST_WHERE, self)
        );
        type Row = (
            String,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<i64>,
        );
        let (total,): (i64,) = on_pool!(&self.backend, |pool| sqlx::query_as(&count_sql)
            .bind(&pattern)
            .bind(stage)
            .bind(filter.compliance_mode.as_deref())
            .bind(filter.owner.as_deref())
            .bind(progress)
            .fetch_one(pool)
            .await?);
        let rows: Vec<Row> = on_pool!(&self.backend, |pool| sqlx::query_as(&page_sql)
            .bind(&pattern)
            .bind(stage)
            .bind(filter.compliance_mode.as_deref())
            .bind(filter.owner.as_deref())
            .bind(progress)
            .bind(i64::from(limit))
            .bind(i64::from(filter.offset))
            .fetch_all(pool)
            .await?);
        let tenants = rows
            .into_iter()
            .map(
                |(
                    id,
                    display_name,
                    slug,
                    industry,
                    compliance_mode,
                    stage,
                    owner,
                    label,
                    steps,
                    blocked,
                )| {
                    Ok(TenantSummary {
                        stage: parse_environment(&stage).ok_or_else(|| StoreError::CorruptRow {
                            table: "tenant_summaries",
                            id: id.clone(),
                            detail: format!("unknown stage '{stage}'"),
                        })?,
                        id,
                        display_name,
                        slug,
                        industry,
                        compliance_mode,
                        owner,
                        owner_label: label,
                        steps_complete: steps.and_then(|n| u8::try_from(n).ok()),
                        blocked: blocked.map(|b| b != 0),
                    })
                },
            )
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Ok(TenantPage {
            total: u32::try_from(total).unwrap_or(u32::MAX),
            offset: filter.offset,
            tenants,
        }))
    }

    /// Up to `limit` tenants whose progress is not known for their current document:
    /// id, head hash, and the document the list shows them by.
    pub async fn tenants_needing_progress(
        &self,
        limit: u32,
    ) -> Result<Vec<(TenantId, String, TenantDocument)>, StoreError> {
        const SQL: &str = "SELECT v.tenant_id, \
                (SELECT c.hash FROM changesets c WHERE c.tenant_id = v.tenant_id ORDER BY c.seq DESC LIMIT 1), \
                d.document \
           FROM tenant_summaries s \
           JOIN tenant_summary_source v ON v.tenant_id = s.tenant_id \
           JOIN tenant_documents d ON d.tenant_id = v.tenant_id AND d.environment = v.environment \
          WHERE s.progress_of IS NULL \
          ORDER BY s.tenant_id LIMIT $1";
        let rows: Vec<(String, Option<String>, String)> =
            on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?);
        rows.into_iter()
            .filter_map(|(id, head, document)| head.map(|head| (id, head, document)))
            .map(|(id, head, document)| {
                let corrupt = |detail: String| StoreError::CorruptRow {
                    table: "tenant_documents",
                    id: id.clone(),
                    detail,
                };
                let tenant = TenantId::parse(&id).map_err(|e| corrupt(e.to_string()))?;
                let document =
                    serde_json::from_str(&document).map_err(|e| corrupt(e.to_string()))?;
                Ok((tenant, head, document))
            })
            .collect()
    }

    /// Records the policy's verdict on the tenant's document at `head`. Does nothing
    /// (returns false) when the tenant has moved on since: a newer document has no
    /// progress until it is evaluated itself.
    pub async fn set_tenant_progress(
        &self,
        tenant: &TenantId,
        head: &str,
        steps_complete: u8,
        blocked: bool,
    ) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE tenant_summaries \
              SET steps_complete = $3, blocked = $4, progress_of = $2 \
            WHERE tenant_id = $1 \
              AND $2 = (SELECT c.hash FROM changesets c WHERE c.tenant_id = $1 ORDER BY c.seq DESC LIMIT 1)";
        let steps = i64::from(steps_complete.min(12));
        let blocked = i64::from(blocked);
        let updated = on_pool!(&self.backend, |pool| sqlx::query(SQL)
            .bind(tenant.as_str())
            .bind(head)
            .bind(steps)
            .bind(blocked)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(updated == 1)
    }
}

/// Postgres needs the filter placeholders' types spelled out; SQLite ignores casts to
/// TEXT, so one text serves both.
fn typed(sql: &str, store: &Store) -> String {
    if matches!(store.backend, crate::store::Backend::Postgres(_)) {
        sql.replace("$2 IS NULL", "$2::text IS NULL")
            .replace("$3 IS NULL", "$3::text IS NULL")
            .replace("$4 IS NULL", "$4::text IS NULL")
            .replace("$5 IS NULL", "$5::text IS NULL")
    } else {
        sql.to_owned()
    }
}

fn environment_id(environment: Environment) -> &'static str {
    match environment {
        Environment::Draft => "draft",
        Environment::Staging => "staging",
        Environment::Production => "production",
    }
}

fn parse_environment(id: &str) -> Option<Environment> {
    match id {
        "draft" => Some(Environment::Draft),
        "staging" => Some(Environment::Staging),
        "production" => Some(Environment::Production),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_wildcards_match_themselves_and_case_is_folded() {
        assert_eq!(like_pattern(" Acme "), "%acme%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern(""), "%%");
    }

    #[test]
    fn bad_filters_are_refused_with_what_is_wrong() {
        let long = TenantFilter {
            text: "x".repeat(MAX_SEARCH_CHARS + 1),
            ..TenantFilter::default()
        };
        assert_eq!(
            long.check(),
            Err(TenantFilterError::TextTooLong(MAX_SEARCH_CHARS + 1))
        );
        let control = TenantFilter {
            text: "ac\u{7}me".into(),
            ..TenantFilter::default()
        };
        assert_eq!(control.check(), Err(TenantFilterError::ControlCharacter));
        let mode = TenantFilter {
            compliance_mode: Some("sox".into()),
            ..TenantFilter::default()
        };
        assert!(matches!(
            mode.check(),
            Err(TenantFilterError::UnknownComplianceMode(_))
        ));
        let owner = TenantFilter {
            owner: Some("alice'; DROP TABLE tenants; --".into()),
            ..TenantFilter::default()
        };
        assert!(matches!(owner.check(), Err(TenantFilterError::BadOwner(_))));
        let page = TenantFilter {
            limit: MAX_PAGE + 1,
            ..TenantFilter::default()
        };
        assert_eq!(
            page.check(),
            Err(TenantFilterError::PageTooLarge(MAX_PAGE + 1))
        );
        assert_eq!(TenantFilter::default().check(), Ok(()));
    }
}
