//! Who is calling: the `Authorization: Bearer <token>` header, resolved to an approved,
//! unrevoked staff key within its rate limit. A handler that takes a [`Caller`] cannot
//! run without one.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use std::time::Instant;

use crate::error::{ApiError, ErrorCode, RETRY_AFTER_FIELD};
use crate::staff::{token_digest, Action, KeyState, StaffKey};
use crate::state::AppState;

/// The authenticated caller's key.
#[derive(Clone, Debug)]
pub struct Caller(pub StaffKey);

/// The token in an `Authorization` header value (`Bearer <token>`, scheme in any case).
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthenticated = || {
            ApiError::new(
                ErrorCode::Unauthenticated,
                "this endpoint needs `Authorization: Bearer <token>` with the token you got when your key was registered",
            )
        };
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(bearer_token)
            .ok_or_else(unauthenticated)?;
        let key = state
            .db()
            .key_for_token(&token_digest(token))
            .await?
            .ok_or_else(unauthenticated)?;
        match key.state {
            KeyState::Approved => {
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
                Ok(Caller(key))
            }
            KeyState::Pending => Err(ApiError::new(
                ErrorCode::KeyNotApproved,
                format!(
                    "your key {} is registered but not approved yet; ask an admin to approve it",
                    key.key_id
                ),
            )),
            KeyState::Revoked => Err(ApiError::new(
                ErrorCode::KeyRevoked,
                format!("your key {} was revoked", key.key_id),
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
