//! Reviewers' requests for changes on this person's own change sets, kept so that the
//! author reads them offline. The server is the source: each sync that reaches it
//! replaces the whole set, in one transaction.

use serde::{Deserialize, Serialize};

use crate::store::on_pool;
use crate::store::BeginWrite;
use crate::{Store, StoreError};

/// A comment on one field of the tenant document (JSON pointer).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestedField {
    pub path: String,
    pub comment: String,
}

/// A reviewer's request for changes on one change set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeRequest {
    pub changeset_hash: String,
    pub tenant: String,
    /// The reviewer's key id.
    pub reviewer: String,
    pub comment: String,
    pub fields: Vec<RequestedField>,
    pub requested_at_ms: i64,
}

/// A kept change request with where the author answers it: their newest draft of the
/// tenant in this mirror, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptChangeRequest {
    pub request: ChangeRequest,
    pub draft_id: Option<String>,
    /// The client's name as that draft has it.
    pub client_name: Option<String>,
}

type Row = (String, String, String, String, String, i64);
type KeptRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
);

fn from_row(
    (changeset_hash, tenant, reviewer, comment, fields, requested_at_ms): Row,
) -> Result<ChangeRequest, StoreError> {
    let fields = serde_json::from_str(&fields).map_err(|error| StoreError::CorruptRow {
        table: "change_requests",
        id: changeset_hash.clone(),
        detail: error.to_string(),
    })?;
    Ok(ChangeRequest {
        changeset_hash,
        tenant,
        reviewer,
        comment,
        fields,
        requested_at_ms,
    })
}

impl Store {
    /// Replaces every kept change request with `requests` (the server's answer at this
    /// sync): all or nothing.
    pub async fn replace_change_requests(
        &self,
        requests: &[ChangeRequest],
    ) -> Result<(), StoreError> {
        let mut rows = Vec::with_capacity(requests.len());
        for request in requests {
            let fields =
                serde_json::to_string(&request.fields).map_err(|error| StoreError::CorruptRow {
                    table: "change_requests",
                    id: request.changeset_hash.clone(),
                    detail: error.to_string(),
                })?;
            rows.push((request, fields));
        }
        on_pool!(&self.backend, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM change_requests")
                .execute(&mut *tx)
                .await?;
            for (request, fields) in &rows {
                sqlx::query(
                    "INSERT INTO change_requests (changeset_hash, tenant_id, reviewer, comment, fields, requested_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (changeset_hash, reviewer) DO NOTHING",
                )
                .bind(request.changeset_hash.as_str())
                .bind(request.tenant.as_str())
                .bind(request.reviewer.as_str())
                .bind(request.comment.as_str())
                .bind(fields.as_str())
                .bind(request.requested_at_ms)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The kept change requests, newest first, each with the author's newest draft of
    /// its tenant; only `tenant`'s when given.
    pub async fn change_requests(
        &self,
        tenant: Option<&str>,
    ) -> Result<Vec<KeptChangeRequest>, StoreError> {
        let draft_tenant = match self.backend {
            crate::store::Backend::Postgres(_) => "(d.document::jsonb -> 'tenant' ->> 'id')",
            crate::store::Backend::Sqlite(_) => "json_extract(d.document, '$.tenant.id')",
        };
        let newest_draft = |column: &str| {
            format!(
                "(SELECT d.{column} FROM drafts d WHERE d.document IS NOT NULL AND {draft_tenant} = c.tenant_id \
                  ORDER BY d.updated_at_ms DESC, d.id DESC LIMIT 1)"
            )
        };
        let sql = format!(
            "SELECT c.changeset_hash, c.tenant_id, c.reviewer, c.comment, c.fields, c.requested_at_ms, \
                    {}, {} \
               FROM change_requests c WHERE (CAST($1 AS TEXT) IS NULL OR c.tenant_id = $1) \
              ORDER BY c.requested_at_ms DESC, c.changeset_hash, c.reviewer",
            newest_draft("id"),
            newest_draft("client_name")
        );
        let rows: Vec<KeptRow> = on_pool!(&self.backend, |pool| sqlx::query_as(&sql)
            .bind(tenant)
            .fetch_all(pool)
            .await?);
        rows.into_iter()
            .map(
                |(hash, tenant, reviewer, comment, fields, at, draft_id, client_name)| {
                    Ok(KeptChangeRequest {
                        request: from_row((hash, tenant, reviewer, comment, fields, at))?,
                        draft_id,
                        client_name,
                    })
                },
            )
            .collect()
    }
}
