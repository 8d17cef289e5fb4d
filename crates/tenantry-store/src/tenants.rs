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
/// Longest sort key a cursor may carry: a display name is at most 120 characters, so
/// anything longer did not come from this list.
const MAX_CURSOR_KEY_CHARS: usize = 480;

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
    /// Start just after this row (the `next` of the page before), then skip `offset`.
    ///
    /// Why both: a deep page by offset makes the database walk every row before it
    /// (26.7 ms at offset 9 000 of 10 000 on SQLite), while a page after a cursor is one
    /// index seek, as cheap as the first page. The virtualised list asks by cursor
    /// whenever it has the page before (scrolling, the common case) and by offset only
    /// when the scroll bar is dragged to a place it has no page near.
    pub after: Option<TenantCursor>,
    pub offset: u32,
    /// Rows wanted (1 to 500; 0 means 100).
    pub limit: u32,
    /// Also answer every tenant owner in the mirror (the owner filter's choices); the
    /// list asks once when it opens, not on every keystroke.
    pub with_owners: bool,
}

/// A place in the list's order (lower-cased display name, then tenant id): the last
/// row of a page, for asking for the rows after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct TenantCursor {
    pub sort_key: String,
    pub id: String,
}

/// An author of tenants, as the owner filter offers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
pub struct TenantOwner {
    /// The key id the filter takes.
    pub key_id: String,
    /// The key's label in this mirror, when it has one.
    pub label: Option<String>,
    /// How many tenants it owns.
    pub tenants: u32,
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
    /// This mirror's draft of the tenant (the most recently edited, if several): what
    /// opening the row opens. `None` for a tenant a colleague onboarded.
    pub draft_id: Option<String>,
}

/// A page of the list and how many tenants match in all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
pub struct TenantPage {
    pub total: u32,
    /// The filter's offset, as asked (counted from its cursor when it had one).
    pub offset: u32,
    pub tenants: Vec<TenantSummary>,
    /// Where the next page starts; `None` when this page came short of the limit (the
    /// end; a page that ends exactly at the last row still has one, to an empty page).
    pub next: Option<TenantCursor>,
    /// Every owner of a tenant in the mirror, by label then key id, when the filter
    /// asked `with_owners`; empty otherwise.
    pub owners: Vec<TenantOwner>,
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
    #[error("the page cursor is not one this list gave out")]
    BadCursor,
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
        if let Some(cursor) = &self.after {
            if cursor.sort_key.chars().count() > MAX_CURSOR_KEY_CHARS
                || cursor.sort_key.chars().any(char::is_control)
                || TenantId::parse(&cursor.id).is_err()
            {
                return Err(TenantFilterError::BadCursor);
            }
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
    /// The tenants matching `filter`, by display name, one page of them (after its
    /// cursor when it has one, then `offset` rows on), and how many match in all. A bad
    /// filter is refused with what is wrong; nothing runs.
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
        let postgres = matches!(self.backend, crate::store::Backend::Postgres(_));
        // Placeholders are typed explicitly: Postgres cannot infer `$2 IS NULL` alone.
        let count_sql = format!(
            "SELECT COUNT(*) FROM tenant_summaries s {}",
            typed(LIST_WHERE, self)
        );
        // The seek is left out of the text when there is no cursor (rather than
        // `$8 IS NULL OR …`) so both planners walk the (sort_key, tenant_id) index.
        let seek = if filter.after.is_some() {
            "AND (s.sort_key, s.tenant_id) > ($8, $9)"
        } else {
            "AND $8 IS NULL AND $9 IS NULL"
        };
        // Each row's draft: every draft document is parsed once per query (a handful of
        // local drafts, materialised), then looked up for the page's rows only.
        let draft_tenant = if postgres {
            "(d.document::jsonb -> 'tenant' ->> 'id')"
        } else {
            "json_extract(d.document, '$.tenant.id')"
        };
        // SQLite walks the name index for `ORDER BY … LIMIT` even when a search rejects
        // nearly every row (a search with no match: 3.7 ms walking, 0.8 ms scanning the
        // table and sorting what matched). With search text, `+` keeps it off the index
        // for the order; the first pages of the unfiltered list still walk it (0.1 ms).
        let order = if !postgres && pattern != "%%" {
            "+s.sort_key"
        } else {
            "s.sort_key"
        };
        let page_sql = format!(
            "WITH draft_tenants AS MATERIALIZED ( \
                 SELECT {draft_tenant} AS tenant_id, d.id, d.updated_at_ms \
                   FROM drafts d WHERE d.document IS NOT NULL) \
             SELECT p.tenant_id, p.display_name, p.slug, p.industry, p.compliance_mode, p.stage, \
                    p.owner, k.label, p.steps_complete, p.blocked, p.sort_key, \
                    (SELECT t.id FROM draft_tenants t WHERE t.tenant_id = p.tenant_id \
                      ORDER BY t.updated_at_ms DESC, t.id DESC LIMIT 1) \
               FROM (SELECT s.* FROM tenant_summaries s {} {seek} \
                      ORDER BY {order}, s.tenant_id LIMIT $6 OFFSET $7) p \
               LEFT JOIN signing_keys k ON k.key_id = p.owner \
              ORDER BY p.sort_key, p.tenant_id",
            typed(LIST_WHERE, self)
        );
        let page_sql = if postgres {
            page_sql
                .replace("$8 IS NULL", "$8::text IS NULL")
                .replace("$9 IS NULL", "$9::text IS NULL")
                .replace("($8, $9)", "($8::text, $9::text)")
        } else {
            page_sql
        };
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
            String,
            Option<String>,
        );
        let (total,): (i64,) = on_pool!(&self.backend, |pool| sqlx::query_as(&count_sql)
            .bind(&pattern)
            .bind(stage)
            .bind(filter.compliance_mode.as_deref())
            .bind(filter.owner.as_deref())
            .bind(progress)
            .fetch_one(pool)
            .await?);
        let after_key = filter.after.as_ref().map(|c| c.sort_key.as_str());
        let after_id = filter.after.as_ref().map(|c| c.id.as_str());
        let rows: Vec<Row> = on_pool!(&self.backend, |pool| sqlx::query_as(&page_sql)
            .bind(&pattern)
            .bind(stage)
            .bind(filter.compliance_mode.as_deref())
            .bind(filter.owner.as_deref())
            .bind(progress)
            .bind(i64::from(limit))
            .bind(i64::from(filter.offset))
            .bind(after_key)
            .bind(after_id)
            .fetch_all(pool)
            .await?);
        let next = match rows.last() {
            Some(last) if rows.len() == limit as usize => Some(TenantCursor {
                sort_key: last.10.clone(),
                id: last.0.clone(),
            }),
            _ => None,
        };
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
                    _sort_key,
                    draft_id,
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
                        draft_id,
                    })
                },
            )
            .collect::<Result<Vec<_>, StoreError>>()?;
        let owners = if filter.with_owners {
            self.tenant_owners().await?
        } else {
            Vec::new()
        };
        Ok(Ok(TenantPage {
            total: u32::try_from(total).unwrap_or(u32::MAX),
            offset: filter.offset,
            tenants,
            next,
            owners,
        }))
    }

    /// Every author of a tenant's first change set in the mirror, with its label and
    /// how many tenants it owns: the owner filter's choices. Labelled keys first, by
    /// label; then the rest by key id.
    pub async fn tenant_owners(&self) -> Result<Vec<TenantOwner>, StoreError> {
        const SQL: &str = "SELECT o.owner, k.label, o.tenants \
               FROM (SELECT s.owner, COUNT(*) AS tenants FROM tenant_summaries s \
                      WHERE s.owner IS NOT NULL GROUP BY s.owner) o \
               LEFT JOIN signing_keys k ON k.key_id = o.owner \
              ORDER BY k.label IS NULL, k.label, o.owner";
        let rows: Vec<(String, Option<String>, i64)> =
            on_pool!(&self.backend, |pool| sqlx::query_as(SQL)
                .fetch_all(pool)
                .await?);
        Ok(rows
            .into_iter()
            .map(|(key_id, label, tenants)| TenantOwner {
                key_id,
                label,
                tenants: u32::try_from(tenants).unwrap_or(u32::MAX),
            })
            .collect())
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
