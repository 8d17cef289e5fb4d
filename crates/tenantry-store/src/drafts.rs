//! Drafts in the mirror: each one is the private, autosaved working copy of one
//! tenant document, remembered against the change set last signed from it.

use tenantry_core::tenant::file::MAX_DOCUMENT_BYTES;
use tenantry_core::{
    ClientName, Draft, DraftId, Industry, NewDraft, SubmissionState, TenantDocument, Timestamp,
    ValidationError,
};

use crate::store::on_pool;
use crate::{Store, StoreError};

/// Why a draft was not created: the input broke a rule, or the mirror failed.
#[derive(Debug, thiserror::Error)]
pub enum CreateDraftError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a draft could not be opened or saved. Nothing is written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    #[error("there is no draft {0} in the mirror (it may have been deleted)")]
    NotFound(String),
    #[error(
        "the draft is {bytes} bytes as JSON, more than the {max} a tenant document may be; \
         nothing was saved",
        max = MAX_DOCUMENT_BYTES
    )]
    TooLarge { bytes: usize },
    #[error(
        "this draft is for tenant {expected}, but the document is for tenant {found}; \
         a draft never changes tenant (start a new draft instead); nothing was saved"
    )]
    OtherTenant { expected: String, found: String },
    #[error("this draft was made by an older version and no tenant can be started from it: {0}")]
    CannotUpgrade(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for DraftError {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(StoreError::Query(error))
    }
}

/// A draft with its document, as the editor opens it.
#[derive(Clone, Debug, PartialEq)]
pub struct DraftDetail {
    pub draft: Draft,
    pub document: TenantDocument,
    /// The hash of the change set last signed from this draft.
    pub submitted_hash: Option<String>,
    /// The draft's `updated_at` that change set holds (see `mark_draft_submitted`).
    pub submitted_at: Option<Timestamp>,
}

/// id, client_name, industry, slug, created_at_ms, updated_at_ms, submitted_at_ms
type DraftRow = (
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    Option<i64>,
);

// A macro rather than a const so that the queries below are `concat!`ed literals.
macro_rules! draft_columns {
    () => {
        "id, client_name, industry, slug, created_at_ms, updated_at_ms, submitted_at_ms"
    };
}

const SELECT_DRAFTS: &str = concat!(
    "SELECT ",
    draft_columns!(),
    " FROM drafts ORDER BY created_at_ms DESC, id DESC"
);
const SELECT_DRAFT: &str = concat!(
    "SELECT ",
    draft_columns!(),
    ", document, submitted_hash FROM drafts WHERE id = $1"
);

const INSERT_DRAFT: &str = "INSERT INTO drafts \
     (id, client_name, industry, slug, document, created_at_ms, updated_at_ms) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

impl Store {
    /// Validates `input` and, only if every rule passes, saves it as a new draft whose
    /// document is a fresh tenant with the safe defaults. Invalid input writes nothing.
    #[tracing::instrument(skip_all)]
    pub async fn create_draft(&self, input: &NewDraft) -> Result<Draft, CreateDraftError> {
        let valid = input.validate()?;
        let draft = Draft::start(&valid, Timestamp::now());
        let document =
            document_json(&valid.starting_document()).map_err(|error| StoreError::CorruptRow {
                table: "drafts",
                id: draft.id.as_str().to_owned(),
                detail: error.to_string(),
            })?;
        on_pool!(&self.backend, |pool| {
            sqlx::query(INSERT_DRAFT)
                .bind(draft.id.as_str())
                .bind(draft.client_name.as_str())
                .bind(draft.industry.id())
                .bind(draft.slug.as_str())
                .bind(document.as_str())
                .bind(draft.created_at.unix_millis())
                .bind(draft.updated_at.unix_millis())
                .execute(pool)
                .await
                .map_err(StoreError::from)?;
        });
        tracing::info!(draft = draft.id.as_str(), "draft created");
        Ok(draft)
    }

    /// Every draft, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn list_drafts(&self) -> Result<Vec<Draft>, StoreError> {
        let rows: Vec<DraftRow> = on_pool!(&self.backend, |pool| {
            sqlx::query_as(SELECT_DRAFTS).fetch_all(pool).await?
        });
        rows.into_iter().map(draft_from_row).collect()
    }

    /// The draft and its document. A draft made before drafts held documents gets one
    /// now (a fresh tenant id, the safe defaults), saved before it is returned so the
    /// tenant id never changes again.
    #[tracing::instrument(skip_all, fields(draft = id.as_str()))]
    pub async fn open_draft(&self, id: &DraftId) -> Result<DraftDetail, DraftError> {
        type Row = (
            String,
            String,
            String,
            Option<String>,
            i64,
            i64,
            Option<i64>,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = on_pool!(&self.backend, |pool| {
            sqlx::query_as(SELECT_DRAFT)
                .bind(id.as_str())
                .fetch_optional(pool)
                .await?
        });
        let Some((rid, name, industry, slug, created, updated, submitted, document, hash)) = row
        else {
            return Err(DraftError::NotFound(id.as_str().to_owned()));
        };
        let submitted_at = submitted
            .map(|millis| millis_to_timestamp(&rid, millis))
            .transpose()?;
        let draft = draft_from_row((rid, name, industry, slug, created, updated, submitted))?;
        let document = match document {
            Some(text) => serde_json::from_str(&text).map_err(|error| StoreError::CorruptRow {
                table: "drafts",
                id: id.as_str().to_owned(),
                detail: format!("its document does not parse: {error}"),
            })?,
            None => return self.upgrade_draft(draft).await,
        };
        Ok(DraftDetail {
            draft,
            document,
            submitted_hash: hash,
            submitted_at,
        })
    }

    /// Autosave: replaces the draft's document. The list's name, industry and slug
    /// follow the document; an unchanged document writes nothing (and keeps the draft's
    /// "submitted" state). The document must stay on the draft's tenant.
    #[tracing::instrument(skip_all, fields(draft = id.as_str()))]
    pub async fn save_draft(
        &self,
        id: &DraftId,
        document: &TenantDocument,
    ) -> Result<Draft, DraftError> {
        let current = self.open_draft(id).await?;
        if current.document.tenant.id != document.tenant.id {
            return Err(DraftError::OtherTenant {
                expected: current.document.tenant.id.to_string(),
                found: document.tenant.id.to_string(),
            });
        }
        let text = document_json(document)?;
        if current.document == *document {
            return Ok(current.draft);
        }
        let mut draft = current.draft;
        // What the list shows follows the document, but only with values the list's
        // rules accept: a name being retyped keeps the last good one.
        if let Ok(name) = ClientName::parse(&document.tenant.display_name) {
            draft.client_name = name.into_string();
        }
        if let Some(industry) = document.classification.industry {
            draft.industry = industry;
            draft.industry_label = industry.label().to_owned();
        }
        draft.slug = document.tenant.slug.as_str().to_owned();
        draft.updated_at = later_than(Timestamp::now(), current.submitted_at);
        draft.submission = match draft.submission {
            SubmissionState::NotSubmitted => SubmissionState::NotSubmitted,
            _ => SubmissionState::EditedSinceSubmission,
        };
        on_pool!(&self.backend, |pool| {
            sqlx::query(
                "UPDATE drafts SET client_name = $2, industry = $3, slug = $4, document = $5, \
                 updated_at_ms = $6 WHERE id = $1",
            )
            .bind(id.as_str())
            .bind(draft.client_name.as_str())
            .bind(draft.industry.id())
            .bind(draft.slug.as_str())
            .bind(text.as_str())
            .bind(draft.updated_at.unix_millis())
            .execute(pool)
            .await?;
        });
        Ok(draft)
    }

    /// Remembers that the change set `hash` holds the draft as it was at `as_of` (its
    /// `updated_at` when it was read for signing). An edit saved while the change set
    /// was being signed is newer than `as_of`, so the draft shows it as not yet submitted.
    #[tracing::instrument(skip_all, fields(draft = id.as_str()))]
    pub async fn mark_draft_submitted(
        &self,
        id: &DraftId,
        hash: &str,
        as_of: Timestamp,
    ) -> Result<Draft, DraftError> {
        let updated = on_pool!(&self.backend, |pool| {
            sqlx::query("UPDATE drafts SET submitted_hash = $2, submitted_at_ms = $3 WHERE id = $1")
                .bind(id.as_str())
                .bind(hash)
                .bind(as_of.unix_millis())
                .execute(pool)
                .await?
                .rows_affected()
        });
        if updated == 0 {
            return Err(DraftError::NotFound(id.as_str().to_owned()));
        }
        Ok(self.open_draft(id).await?.draft)
    }

    async fn upgrade_draft(&self, draft: Draft) -> Result<DraftDetail, DraftError> {
        let input = NewDraft {
            client_name: draft.client_name.clone(),
            industry: draft.industry.id().to_owned(),
        };
        let valid = input
            .validate()
            .map_err(|error| DraftError::CannotUpgrade(error.to_string()))?;
        let document = valid.starting_document();
        let text = document_json(&document)?;
        on_pool!(&self.backend, |pool| {
            // `document IS NULL`: two windows opening the same old draft at once keep
            // whichever tenant id was written first.
            sqlx::query(
                "UPDATE drafts SET document = $2, slug = $3 WHERE id = $1 AND document IS NULL",
            )
            .bind(draft.id.as_str())
            .bind(text.as_str())
            .bind(valid.slug.as_str())
            .execute(pool)
            .await?;
        });
        tracing::info!(
            draft = draft.id.as_str(),
            "gave an older draft its tenant document"
        );
        Box::pin(self.open_draft(&draft.id)).await
    }
}

fn document_json(document: &TenantDocument) -> Result<String, DraftError> {
    let text = serde_json::to_string(document).map_err(|error| StoreError::CorruptRow {
        table: "drafts",
        id: document.tenant.id.to_string(),
        detail: error.to_string(),
    })?;
    if text.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(DraftError::TooLarge { bytes: text.len() });
    }
    Ok(text)
}

/// `now`, or just after `floor`: an edit is never recorded as older than the
/// submission it follows, even within the same millisecond.
fn later_than(now: Timestamp, floor: Option<Timestamp>) -> Timestamp {
    match floor {
        Some(floor) if now <= floor => {
            Timestamp::from_unix_millis(floor.unix_millis() + 1).unwrap_or(now)
        }
        _ => now,
    }
}

fn millis_to_timestamp(id: &str, millis: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_unix_millis(millis).map_err(|error| StoreError::CorruptRow {
        table: "drafts",
        id: id.to_owned(),
        detail: error.to_string(),
    })
}

fn draft_from_row(
    (id, client_name, industry, slug, created_at, updated_at, submitted_at): DraftRow,
) -> Result<Draft, StoreError> {
    let corrupt = |detail: String| StoreError::CorruptRow {
        table: "drafts",
        id: id.clone(),
        detail,
    };
    let industry = Industry::from_id(&industry)
        .ok_or_else(|| corrupt(format!("unknown industry '{industry}'")))?;
    let created_at = millis_to_timestamp(&id, created_at)?;
    let updated_at = millis_to_timestamp(&id, updated_at)?;
    let submitted_at = submitted_at
        .map(|millis| millis_to_timestamp(&id, millis))
        .transpose()?;
    let draft_id = DraftId::parse(&id).map_err(|e| corrupt(e.to_string()))?;
    // Drafts from before documents have no slug column yet; show what it will be.
    let slug = slug.unwrap_or_else(|| {
        tenantry_core::tenant::Slug::from_name(&client_name)
            .map(|slug| slug.as_str().to_owned())
            .unwrap_or_default()
    });
    Ok(Draft {
        id: draft_id,
        client_name,
        industry,
        industry_label: industry.label().to_owned(),
        slug,
        submission: SubmissionState::from_times(updated_at, submitted_at),
        created_at,
        updated_at,
    })
}
