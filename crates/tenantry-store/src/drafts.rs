//! Drafts in the mirror.

use tenantry_core::{Draft, DraftId, Industry, NewDraft, Timestamp, ValidationError};

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

type DraftRow = (String, String, String, i64, i64);

const INSERT_DRAFT: &str =
    "INSERT INTO drafts (id, client_name, industry, created_at_ms, updated_at_ms) \
     VALUES ($1, $2, $3, $4, $5)";
const SELECT_DRAFTS: &str = "SELECT id, client_name, industry, created_at_ms, updated_at_ms \
     FROM drafts ORDER BY created_at_ms DESC, id DESC";

impl Store {
    /// Validates `input` and, only if every rule passes, saves it as a new draft.
    /// Invalid input writes nothing.
    #[tracing::instrument(skip_all)]
    pub async fn create_draft(&self, input: &NewDraft) -> Result<Draft, CreateDraftError> {
        let draft = Draft::start(input.validate()?, Timestamp::now());
        self.insert_draft(&draft).await?;
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

    async fn insert_draft(&self, draft: &Draft) -> Result<(), StoreError> {
        on_pool!(&self.backend, |pool| {
            sqlx::query(INSERT_DRAFT)
                .bind(draft.id.as_str())
                .bind(draft.client_name.as_str())
                .bind(draft.industry.id())
                .bind(draft.created_at.unix_millis())
                .bind(draft.updated_at.unix_millis())
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}

fn draft_from_row(
    (id, client_name, industry, created_at, updated_at): DraftRow,
) -> Result<Draft, StoreError> {
    let corrupt = |detail: String| StoreError::CorruptRow {
        table: "drafts",
        id: id.clone(),
        detail,
    };
    let industry = Industry::from_id(&industry)
        .ok_or_else(|| corrupt(format!("unknown industry '{industry}'")))?;
    let created_at = Timestamp::from_unix_millis(created_at).map_err(|e| corrupt(e.to_string()))?;
    let updated_at = Timestamp::from_unix_millis(updated_at).map_err(|e| corrupt(e.to_string()))?;
    let draft_id = DraftId::parse(&id).map_err(|e| corrupt(e.to_string()))?;
    Ok(Draft {
        id: draft_id,
        client_name,
        industry,
        industry_label: industry.label().to_owned(),
        created_at,
        updated_at,
    })
}
