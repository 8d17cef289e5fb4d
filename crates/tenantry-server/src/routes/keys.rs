//! Staff keys: register (anyone, with a proof of possession), list (any approved key),
//! approve and revoke (admins), and "who am I" for any token the server issued.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use tenantry_changeset::keys::{KeyId, PublicKey};
use tenantry_core::Timestamp;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Caller, TokenHolder};
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{json, ApiPath, Body};
use crate::revocation::{self, KeyRecord, Revocation};
use crate::staff::{
    new_token, proof_is_valid, token_digest, Action, KeyState, Role, StaffKey, REGISTRATION_CONTEXT,
};
use crate::state::AppState;

/// Longest display name a key may carry.
const MAX_NAME_CHARS: usize = 200;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register_key, list_keys))
        .routes(routes!(approve_key))
        .routes(routes!(revoke_key))
        .routes(routes!(own_key))
}

/// A staff member asks for their key to be registered.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterKeyRequest {
    /// The person's name, as colleagues know them (1–200 characters).
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    /// The role asked for; an admin decides by approving or revoking.
    pub role: Role,
    /// The ed25519 public key: 64 lowercase hex characters (32 bytes).
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub public_key: String,
    /// Proof of possession: standard base64 (with padding) of the key's ed25519
    /// signature over the ASCII text
    /// `tenantry-key-registration-v1 <organisation> <public_key>` (single spaces, the
    /// server's organisation id, the same 64 hex characters as `public_key`).
    #[schema(pattern = "^[A-Za-z0-9+/]{86}==$")]
    pub proof: String,
}

/// A key just registered, with its bearer token. The token is shown only here.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct RegisteredKey {
    /// securesystemslib key id: SHA-256 of the key's canonical JSON (see
    /// docs/changeset-format.md).
    pub key_id: String,
    pub role: Role,
    pub state: KeyState,
    /// Bearer token for `Authorization: Bearer <token>`. Shown once; the server keeps
    /// only its SHA-256. It opens nothing until an admin approves the key.
    pub token: String,
}

/// A registered key, as listed.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct KeyView {
    pub key_id: String,
    /// 64 lowercase hex characters.
    pub public_key: String,
    pub name: String,
    pub role: Role,
    pub state: KeyState,
    /// Unix milliseconds.
    pub registered_at_ms: i64,
    /// The admin who approved or revoked the key.
    pub decided_by: Option<String>,
    pub decided_at_ms: Option<i64>,
    /// Set exactly when the key is revoked: the global sequence number up to which
    /// change sets signed by this key were accepted. Change sets it signed with a
    /// number up to this one are valid history; none after it was accepted, and a
    /// client must refuse one that claims otherwise.
    #[schema(minimum = 0)]
    pub revoked_after_seq: Option<i64>,
}

impl From<&KeyRecord> for KeyView {
    fn from(record: &KeyRecord) -> Self {
        let key = &record.key;
        Self {
            key_id: key.key_id.to_string(),
            public_key: key.public_key.to_hex(),
            name: key.name.clone(),
            role: key.role,
            state: key.state,
            registered_at_ms: key.registered_at_ms,
            decided_by: key.decided_by.clone(),
            decided_at_ms: key.decided_at_ms,
            revoked_after_seq: record.revoked_after_seq,
        }
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct KeyList {
    pub keys: Vec<KeyView>,
}

/// Checks a display name: trimmed, 1–200 characters, no control characters.
pub fn check_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::new(
            ErrorCode::MalformedRequest,
            format!(
                "the name must be 1 to {MAX_NAME_CHARS} characters, without control characters"
            ),
        ));
    }
    Ok(name.to_owned())
}

/// Reads a public key given as hex.
pub fn parse_public_key(text: &str) -> Result<PublicKey, ApiError> {
    PublicKey::from_hex(text.trim())
        .map_err(|error| ApiError::new(ErrorCode::MalformedRequest, format!("public_key: {error}")))
}

fn parse_key_id(text: &str) -> Result<KeyId, ApiError> {
    KeyId::parse(text).map_err(|error| ApiError::new(ErrorCode::NotFound, error.to_string()))
}

fn token_or_500() -> Result<String, ApiError> {
    new_token().map_err(|error| {
        tracing::error!(error = %error, "no randomness for a token");
        ApiError::internal()
    })
}

/// Register a staff key
///
/// Anyone may register; the key stays `pending` (its token opens nothing) until an
/// admin approves it.
#[utoipa::path(
    post,
    path = "/v1/keys",
    tag = "keys",
    request_body = RegisterKeyRequest,
    responses(
        (status = 202, description = "Registered, pending approval", body = RegisteredKey),
        (status = 400, description = "Malformed request, bad public key or proof", body = ErrorBody),
        (status = 409, description = "The key is registered already", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
    ),
    security(())
)]
async fn register_key(
    State(state): State<AppState>,
    Body(body): Body,
) -> Result<(StatusCode, Json<RegisteredKey>), ApiError> {
    let request: RegisterKeyRequest = json(&body)?;
    let name = check_name(&request.name)?;
    let public_key = parse_public_key(&request.public_key)?;
    let organisation = &state.config().organisation;
    if !proof_is_valid(organisation, &public_key, &request.proof) {
        return Err(ApiError::new(
            ErrorCode::InvalidSignature,
            format!(
                "proof is not a valid signature by this key over \"{REGISTRATION_CONTEXT} {organisation} {}\"; \
                 this server is for organisation '{organisation}': a client set up for another \
                 organisation (TENANTRY_ORGANISATION) cannot register here",
                public_key.to_hex()
            ),
        ));
    }
    let token = token_or_500()?;
    let key = StaffKey {
        key_id: public_key.key_id(),
        public_key,
        name,
        role: request.role,
        state: KeyState::Pending,
        registered_at_ms: Timestamp::now().unix_millis(),
        decided_by: None,
        decided_at_ms: None,
    };
    if !state.db().register_key(&key, &token_digest(&token)).await? {
        return Err(ApiError::new(
            ErrorCode::KeyExists,
            format!("the key {} is registered already", key.key_id),
        ));
    }
    tracing::info!(key_id = %key.key_id, role = key.role.id(), "key registered, pending approval");
    Ok((
        StatusCode::ACCEPTED,
        Json(RegisteredKey {
            key_id: key.key_id.to_string(),
            role: key.role,
            state: key.state,
            token,
        }),
    ))
}

/// List staff keys
#[utoipa::path(
    get,
    path = "/v1/keys",
    tag = "keys",
    responses(
        (status = 200, description = "Every registered key, oldest first", body = KeyList),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Too many requests by this key; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Database unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn list_keys(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<KeyList>, ApiError> {
    caller.require(Action::Read)?;
    let keys = revocation::records(state.db()).await?;
    Ok(Json(KeyList {
        keys: keys.iter().map(KeyView::from).collect(),
    }))
}

/// The caller's own key
///
/// Answers for any token the server issued, whatever its key's state, so a client can
/// tell "waiting for an admin to approve your key" and "your key was revoked" apart
/// (every other endpoint refuses those tokens with 401).
#[utoipa::path(
    get,
    path = "/v1/keys/me",
    tag = "keys",
    responses(
        (status = 200, description = "The key this token stands for, in any state", body = KeyView),
        (status = 401, description = "No token, or one this server never issued", body = ErrorBody),
        (status = 429, description = "Too many requests by this key; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Database unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn own_key(holder: TokenHolder) -> Json<KeyView> {
    Json(KeyView::from(&holder.0))
}

/// The key an admin decides on: it exists and is not the admin's own.
async fn decidable(
    state: &AppState,
    caller: &Caller,
    key_id: &str,
) -> Result<(KeyId, StaffKey), ApiError> {
    caller.require(Action::ManageKeys)?;
    let key_id = parse_key_id(key_id)?;
    let Some(key) = state.db().key(&key_id).await? else {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no key {key_id} is registered"),
        ));
    };
    if key.key_id == caller.0.key_id {
        return Err(ApiError::new(
            ErrorCode::KeyState,
            "an admin cannot approve or revoke their own key",
        ));
    }
    Ok((key_id, key))
}

fn cannot_become(key_id: &KeyId, state: KeyState, to: KeyState) -> ApiError {
    ApiError::new(
        ErrorCode::KeyState,
        format!(
            "the key {key_id} is {}; it cannot become {}",
            state.id(),
            to.id()
        ),
    )
    .with("state", state)
}

async fn decide(
    state: &AppState,
    caller: &Caller,
    key_id: &str,
    from: &[KeyState],
    to: KeyState,
) -> Result<Json<KeyView>, ApiError> {
    let (key_id, key) = decidable(state, caller, key_id).await?;
    let decided = state
        .db()
        .decide_key(
            &key_id,
            from,
            to,
            &caller.0.key_id,
            Timestamp::now().unix_millis(),
        )
        .await?;
    if !decided {
        return Err(cannot_become(&key_id, key.state, to));
    }
    tracing::info!(key_id = %key_id, state = to.id(), by = %caller.0.key_id, "key decided");
    let record = revocation::record(state.db(), &key_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    Ok(Json(KeyView::from(&record)))
}

/// Approve a pending key (admins)
#[utoipa::path(
    post,
    path = "/v1/keys/{key_id}/approve",
    tag = "keys",
    params(("key_id" = String, Path, description = "The key id (64 lowercase hex)")),
    responses(
        (status = 200, description = "Approved", body = KeyView),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The caller is not an admin", body = ErrorBody),
        (status = 404, description = "No such key", body = ErrorBody),
        (status = 409, description = "The key is not pending, or it is the caller's own", body = ErrorBody),
        (status = 429, description = "Too many requests by this key; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Database unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn approve_key(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(key_id): ApiPath<String>,
) -> Result<Json<KeyView>, ApiError> {
    decide(
        &state,
        &caller,
        &key_id,
        &[KeyState::Pending],
        KeyState::Approved,
    )
    .await
}

/// Revoke a key (admins)
///
/// A revoked key's token opens nothing but `GET /v1/keys/me`, and envelopes it signs
/// are refused from now on. The answer's `revoked_after_seq` is the sequence number up
/// to which its change sets were accepted: the revocation waits for pushes in progress
/// and is numbered after them.
#[utoipa::path(
    post,
    path = "/v1/keys/{key_id}/revoke",
    tag = "keys",
    params(("key_id" = String, Path, description = "The key id (64 lowercase hex)")),
    responses(
        (status = 200, description = "Revoked", body = KeyView),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The caller is not an admin", body = ErrorBody),
        (status = 404, description = "No such key", body = ErrorBody),
        (status = 409, description = "The key is revoked already, or it is the caller's own", body = ErrorBody),
        (status = 429, description = "Too many requests by this key; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "Database unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn revoke_key(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(key_id): ApiPath<String>,
) -> Result<Json<KeyView>, ApiError> {
    let (key_id, _) = decidable(&state, &caller, &key_id).await?;
    let now = Timestamp::now().unix_millis();
    match revocation::revoke(state.db(), &key_id, &caller.0.key_id, now).await? {
        Revocation::Revoked(record) => {
            tracing::info!(
                key_id = %key_id,
                state = KeyState::Revoked.id(),
                revoked_after_seq = record.revoked_after_seq,
                by = %caller.0.key_id,
                "key decided"
            );
            Ok(Json(KeyView::from(&record)))
        }
        Revocation::AlreadyRevoked(record) => {
            Err(cannot_become(&key_id, record.key.state, KeyState::Revoked))
        }
        Revocation::NotFound => Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no key {key_id} is registered"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("  Ana Lima ").expect("ok"), "Ana Lima");
        assert!(check_name("   ").is_err());
        assert!(check_name(&"x".repeat(201)).is_err());
        assert!(check_name("Ana\nLima").is_err());
    }

    #[test]
    fn public_keys_must_be_valid_points() {
        let key = tenantry_changeset::SigningKey::generate().expect("key");
        assert_eq!(
            parse_public_key(&key.public().to_hex()).expect("valid"),
            key.public()
        );
        assert_eq!(
            parse_public_key("abcd").map_err(|e| e.code),
            Err(ErrorCode::MalformedRequest)
        );
        assert_eq!(
            parse_key_id("nope").map_err(|e| e.code),
            Err(ErrorCode::NotFound)
        );
    }
}
