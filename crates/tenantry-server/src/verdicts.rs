//! A reviewer's verdict on a change set, with comments: the comment that goes with an
//! approval, or a request for changes returned to the author with comments on fields.
//! The approval itself is a co-signature (`routes::approvals`); a verdict is what the
//! reviewer said, bound to their token, one per reviewer per change set.

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorCode};
use crate::push::select_in;
use crate::storage::StorageError;

pub const MAX_COMMENT_CHARS: usize = 4_000;
pub const MAX_FIELD_COMMENT_CHARS: usize = 2_000;
pub const MAX_FIELDS: usize = 50;
pub const MAX_PATH_CHARS: usize = 300;

/// What the reviewer decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The comment that goes with the reviewer's approval (given first, as a co-signature).
    Approved,
    /// The change set goes back to its author, who answers with a new change set.
    ChangesRequested,
}

impl Verdict {
    pub fn id(self) -> &'static str {
        match self {
            Verdict::Approved => "approved",
            Verdict::ChangesRequested => "changes_requested",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "approved" => Some(Verdict::Approved),
            "changes_requested" => Some(Verdict::ChangesRequested),
            _ => None,
        }
    }
}

/// A comment on one field of the tenant document.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldComment {
    /// The field, as a JSON pointer into the tenant document (`/ai/monthly_budget_cents`).
    pub path: String,
    pub comment: String,
}

/// The body of `POST /v1/changesets/{hash}/reviews`.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub verdict: Verdict,
    /// The overall comment (at most 4 000 characters; may be empty when a field has one).
    #[serde(default)]
    pub comment: String,
    /// Comments on fields (at most 50, one per field).
    #[serde(default)]
    pub fields: Vec<FieldComment>,
}

/// A verdict as stored and listed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ReviewView {
    /// The change set reviewed.
    pub hash: String,
    /// The reviewer's key id.
    pub reviewer: String,
    pub verdict: Verdict,
    pub comment: String,
    pub fields: Vec<FieldComment>,
    /// Unix milliseconds.
    pub reviewed_at_ms: i64,
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::MalformedRequest, message)
}

/// Trims the comments and checks every limit of a review request; the first problem
/// found is named. Nothing is stored on an error.
pub fn check(request: ReviewRequest) -> Result<ReviewRequest, ApiError> {
    let comment = request.comment.trim().to_owned();
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(invalid(format!(
            "the comment is longer than {MAX_COMMENT_CHARS} characters"
        )));
    }
    if request.fields.len() > MAX_FIELDS {
        return Err(invalid(format!(
            "at most {MAX_FIELDS} field comments, not {}",
            request.fields.len()
        )));
    }
    let mut fields: Vec<FieldComment> = Vec::with_capacity(request.fields.len());
    for (index, field) in request.fields.into_iter().enumerate() {
        let path = field.path;
        if !path.starts_with('/')
            || path.chars().count() > MAX_PATH_CHARS
            || path.chars().any(char::is_control)
        {
            return Err(invalid(format!(
                "fields[{index}].path must be a JSON pointer into the tenant document (starting with '/', at most {MAX_PATH_CHARS} characters, no control characters)"
            )));
        }
        if fields.iter().any(|earlier| earlier.path == path) {
            return Err(invalid(format!(
                "fields[{index}]: {path} has a comment already; one comment per field"
            )));
        }
        let text = field.comment.trim().to_owned();
        let chars = text.chars().count();
        if chars == 0 || chars > MAX_FIELD_COMMENT_CHARS {
            return Err(invalid(format!(
                "fields[{index}].comment must be 1 to {MAX_FIELD_COMMENT_CHARS} characters"
            )));
        }
        fields.push(FieldComment {
            path,
            comment: text,
        });
    }
    if request.verdict == Verdict::ChangesRequested && comment.is_empty() && fields.is_empty() {
        return Err(invalid(
            "a request for changes needs a comment or a comment on a field: say what to change"
                .to_owned(),
        ));
    }
    Ok(ReviewRequest {
        verdict: request.verdict,
        comment,
        fields,
    })
}

const REVIEW_SELECT: &str = "SELECT changeset_hash, reviewer, verdict, comment, fields, reviewed_at_ms FROM reviews WHERE changeset_hash";

fn review_from_row(row: &sqlx::any::AnyRow) -> Result<ReviewView, StorageError> {
    let hash: String = row.try_get("changeset_hash")?;
    let corrupt = |detail: String| StorageError::Corrupt {
        table: "reviews",
        id: hash.clone(),
        detail,
    };
    let verdict: String = row.try_get("verdict")?;
    let fields: String = row.try_get("fields")?;
    Ok(ReviewView {
        reviewer: row.try_get("reviewer")?,
        verdict: Verdict::from_id(&verdict)
            .ok_or_else(|| corrupt(format!("unknown verdict {verdict}")))?,
        comment: row.try_get("comment")?,
        fields: serde_json::from_str(&fields).map_err(|error| corrupt(error.to_string()))?,
        reviewed_at_ms: row.try_get("reviewed_at_ms")?,
        hash,
    })
}

/// The verdicts given on each of `hashes`, oldest first.
pub async fn reviews_of(
    conn: &mut AnyConnection,
    hashes: &[&str],
) -> Result<Vec<ReviewView>, StorageError> {
    let rows = select_in(conn, REVIEW_SELECT, hashes).await?;
    let mut reviews: Vec<ReviewView> =
        rows.iter().map(review_from_row).collect::<Result<_, _>>()?;
    reviews.sort_by(|a, b| {
        (a.reviewed_at_ms, &a.hash, &a.reviewer).cmp(&(b.reviewed_at_ms, &b.hash, &b.reviewer))
    });
    Ok(reviews)
}

/// Stores `review`; false (and nothing changed) when this reviewer has a verdict on this
/// change set already.
pub async fn add(conn: &mut AnyConnection, review: &ReviewView) -> Result<bool, StorageError> {
    let fields = serde_json::to_string(&review.fields).map_err(|error| StorageError::Corrupt {
        table: "reviews",
        id: review.hash.clone(),
        detail: error.to_string(),
    })?;
    let result = sqlx::query(
        "INSERT INTO reviews (changeset_hash, reviewer, verdict, comment, fields, reviewed_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (changeset_hash, reviewer) DO NOTHING",
    )
    .bind(review.hash.as_str())
    .bind(review.reviewer.as_str())
    .bind(review.verdict.id())
    .bind(review.comment.as_str())
    .bind(fields)
    .bind(review.reviewed_at_ms)
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// The newest change set of `hash`'s tenant in `hash`'s environment: `hash` itself
/// unless an edit replaced it. `None` for an unknown change set.
pub async fn environment_head(
    conn: &mut AnyConnection,
    hash: &str,
) -> Result<Option<String>, StorageError> {
    let row = sqlx::query(
        "SELECT d.head_hash FROM changesets c JOIN environment_heads d \
         ON d.tenant_id = c.tenant_id AND d.environment = c.environment WHERE c.hash = $1",
    )
    .bind(hash)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| row.try_get("head_hash"))
        .transpose()
        .map_err(StorageError::from)
}

/// The refusal for a change set that `head` replaced.
pub fn superseded(hash: &str, head: &str) -> ApiError {
    ApiError::new(
        ErrorCode::Superseded,
        format!(
            "change set {} was replaced by a later change set of the same tenant and environment ({}); review that one",
            hash.chars().take(12).collect::<String>(),
            head.chars().take(12).collect::<String>()
        ),
    )
    .with("current", head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(verdict: Verdict, comment: &str, fields: &[(&str, &str)]) -> ReviewRequest {
        ReviewRequest {
            verdict,
            comment: comment.into(),
            fields: fields
                .iter()
                .map(|(path, comment)| FieldComment {
                    path: (*path).into(),
                    comment: (*comment).into(),
                })
                .collect(),
        }
    }

    fn refused(request: ReviewRequest) -> String {
        let error = check(request).expect_err("refused");
        assert_eq!(error.code, ErrorCode::MalformedRequest);
        error.message
    }

    #[test]
    fn a_request_is_trimmed_and_kept_in_order() {
        let checked = check(request(
            Verdict::ChangesRequested,
            "  Lower the budget.\n",
            &[
                ("/ai/monthly_budget_cents", " 1 500 € at most "),
                ("/tenant/name", "Legal name"),
            ],
        ))
        .expect("valid");
        assert_eq!(checked.comment, "Lower the budget.");
        assert_eq!(checked.fields[0].comment, "1 500 € at most");
        assert_eq!(checked.fields[1].path, "/tenant/name");
        // An approval's comment may be empty.
        assert!(check(request(Verdict::Approved, "", &[])).is_ok());
    }

    #[test]
    fn hostile_or_empty_requests_are_refused_with_the_reason() {
        assert!(
            refused(request(Verdict::ChangesRequested, "   ", &[])).contains("say what to change")
        );
        assert!(
            refused(request(Verdict::ChangesRequested, "", &[("ai", "x")]))
                .contains("JSON pointer")
        );
        assert!(
            refused(request(Verdict::ChangesRequested, "", &[("/a\u{0}b", "x")]))
                .contains("JSON pointer")
        );
        assert!(
            refused(request(Verdict::ChangesRequested, "", &[("/a", " ")]))
                .contains("fields[0].comment")
        );
        assert!(refused(request(
            Verdict::ChangesRequested,
            "",
            &[("/a", "x"), ("/a", "y")]
        ))
        .contains("one comment per field"));
        let long = "x".repeat(MAX_COMMENT_CHARS + 1);
        assert!(refused(request(Verdict::Approved, &long, &[])).contains("longer than"));
        let path = format!("/{}", "p".repeat(MAX_PATH_CHARS));
        assert!(
            refused(request(Verdict::ChangesRequested, "", &[(&path, "x")]))
                .contains("JSON pointer")
        );
        let many: Vec<(String, &str)> = (0..=MAX_FIELDS).map(|i| (format!("/f{i}"), "x")).collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(p, c)| (p.as_str(), *c)).collect();
        assert!(refused(request(Verdict::ChangesRequested, "", &many)).contains("at most 50"));
    }

    #[test]
    fn verdict_ids_round_trip() {
        for verdict in [Verdict::Approved, Verdict::ChangesRequested] {
            assert_eq!(Verdict::from_id(verdict.id()), Some(verdict));
        }
        assert_eq!(Verdict::from_id("maybe"), None);
    }
}
