//! Who is calling: the `Authorization: Bearer <token>` header, resolved to an approved,
//! unrevoked staff key within its rate limit. A handler that takes a [`Caller`] cannot
//! run without one. [`TokenHolder`] is the one exception: any token the server issued,
//! whatever its key's state, for the endpoint that tells a key where it stands.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use std::time::Instant;

use crate::error::{ApiError, ErrorCode, RETRY_AFTER_FIELD};
use crate::revocation::{record_for_token, KeyRecord};
use crate::staff::{token_digest, Action, KeyState, StaffKey};
use crate::state::AppState;

/// The authenticated caller's key.
#[derive(Clone, Debug)]
pub struct Caller(pub StaffKey);

/// The key of any token the server issued: pending, approved or revoked. Only for
/// `GET /v1/keys/me`, so that a person can learn that their key waits for approval or
/// was revoked; every other endpoint takes a [`Caller`].
#[derive(Clone, Debug)]
pub struct TokenHolder(pub KeyRecord);

fn unauthenticated() -> ApiError {
    ApiError::new(
        ErrorCode::Unauthenticated,
        "this endpoint needs `Authorization: Bearer <token>` with the token you got when your key was registered",
    )
}

fn token_of(parts: &Parts) -> Result<&str, ApiError> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_token)
        .ok_or_else(unauthenticated)
}

/// 429 when `key` has used up its requests.
fn within_rate_limit(state: &AppState, key: &StaffKey) -> Result<(), ApiError> {
    if let Err(wait) = state.rate_limiter().check(&key.key_id, Instant::now()) {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return Err(ApiError::new(
            ErrorCode::RateLimited,
            format!(
                "too many requests by key {}; retry in {seconds} s",
                key.key_id
            ),
        )
        .with(RETRY_AFTER_FIELD, seconds));
    }
    Ok(())
}

impl FromRequestParts<AppState> for TokenHolder {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = token_of(parts)?;
        let record = record_for_token(state.db(), &token_digest(token))
            .await?
            .ok_or_else(unauthenticated)?;
        // Pending and revoked tokens count too: they must not be a free way to load
        // the database.
        within_rate_limit(state, &record.key)?;
        Ok(TokenHolder(record))
    }
}

/// The token in an `Authorization` header value (`Bearer <token>`, scheme in any case).
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = token_of(parts)?;
        let key = state
            .db()
            .key_for_token(&token_digest(token))
            .await?
            .ok_or_else(unauthenticated)?;
        match key.state {
            KeyState::Approved => {
                within_rate_limit(state, &key)?;
                Ok(Caller(key))
            }
            KeyState::Pending => Err(ApiError::new(
                ErrorCode::KeyNotApproved,
                format!(
                    "your key {} is registered but not approved yet; ask an admin to approve it \
                     (GET /v1/keys/me shows its state)",
                    key.key_id
                ),
            )),
            KeyState::Revoked => Err(ApiError::new(
                ErrorCode::KeyRevoked,
                format!(
                    "your key {} was revoked (GET /v1/keys/me shows its state)",
                    key.key_id
                ),
            )),
        }
    }
}

impl Caller {
    /// 403 unless the caller's role may do `action`.
    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        if self.0.role.may(action) {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::ForbiddenRole,
                format!("a {} may not do this", self.0.role.id()),
            )
            .with("role", self.0.role))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staff::Role;
    use tenantry_changeset::SigningKey;

    #[test]
    fn bearer_tokens_are_read_from_the_header() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("abc"), None);
    }

    #[test]
    fn require_refuses_a_role_that_may_not() {
        let key = SigningKey::generate().expect("key");
        let caller = Caller(StaffKey {
            key_id: key.key_id(),
            public_key: key.public(),
            name: "Ana".into(),
            role: Role::ComplianceOfficer,
            state: KeyState::Approved,
            registered_at_ms: 0,
            decided_by: None,
            decided_at_ms: None,
        });
        assert!(caller.require(Action::Read).is_ok());
        assert_eq!(
            caller.require(Action::ManageKeys).map_err(|e| e.code),
            Err(ErrorCode::ForbiddenRole)
        );
    }
}
