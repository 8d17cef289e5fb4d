//! The server's HTTP API as the client uses it, with bounded retries: exponential
//! backoff with jitter for network errors, 5xx and 429 (whose `Retry-After` wins).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::SyncError;
use crate::tls;

/// How often and how patiently a request is retried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all (1: no retry).
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The pause before try `attempt + 1` (after `attempt` failures, from 1): the
    /// exponential step, half of it fixed and half random ("equal jitter"), so clients
    /// that failed together do not all come back together.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let step = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let half = step / 2;
        let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(random_below(jitter_ms.saturating_add(1)))
    }
}

/// A random number below `bound` without another dependency: std's hasher keys are
/// random per process and advanced per `RandomState`.
fn random_below(bound: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    if bound <= 1 {
        return 0;
    }
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish() % bound
}

/// The server's error body.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug)]
pub(crate) struct Http {
    client: reqwest::Client,
    base: String,
    token: Option<String>,
    retry: RetryPolicy,
}

/// Normalises a server URL: https (or http to this machine only), no trailing slash, no
/// query, no credentials.
pub fn normalise_url(url: &str) -> Result<String, SyncError> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| SyncError::BadUrl(url.to_owned()))?;
    let Some(host) = parsed.host_str() else {
        return Err(SyncError::BadUrl(url.to_owned()));
    };
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.query().is_some()
        || parsed.fragment().is_some()
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return Err(SyncError::BadUrl(url.to_owned()));
    }
    if parsed.scheme() == "http" && !tls::plain_http_allowed(host) {
        return Err(SyncError::InsecureUrl(url.trim().to_owned()));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

impl Http {
    pub fn new(
        base: &str,
        token: Option<String>,
        retry: RetryPolicy,
        timeout: Duration,
        keep_alive: bool,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Self, SyncError> {
        let base = normalise_url(base)?;
        tls::install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("tenantry-sync/", env!("CARGO_PKG_VERSION")));
        if !keep_alive {
            builder = builder.pool_max_idle_per_host(0);
        }
        if let Some(path) = ca_file {
            // Added to the machine's trust store, not instead of it.
            builder = builder.tls_certs_merge(tls::read_ca_file(path)?);
        }
        let client = builder.build().map_err(|error| SyncError::Unreachable {
            url: base.clone(),
            detail: format!("no HTTP client: {error}"),
        })?;
        Ok(Self {
            client,
            base,
            token,
            retry,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn token(&self) -> Result<&str, SyncError> {
        self.token
            .as_deref()
            .ok_or_else(|| SyncError::MissingToken {
                url: self.base.clone(),
            })
    }

    /// Sends a request, retrying what is worth retrying; returns the final answer's
    /// status and body (any status below 500 other than 429).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        authenticated: bool,
        attempts: Option<u32>,
    ) -> Result<(StatusCode, Vec<u8>), SyncError> {
        let token = if authenticated {
            Some(self.token()?.to_owned())
        } else {
            None
        };
        let url = format!("{}{path}", self.base);
        let attempts = attempts.unwrap_or(self.retry.attempts).max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self.client.request(method.clone(), &url);
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            if let Some(body) = &body {
                request = request
                    .header("content-type", "application/json")
                    .body(body.clone());
            }
            let (error, retry_after) = match request.send().await {
                Err(error) => {
                    // No retry: the certificate will not change in the next seconds.
                    if let Some(detail) = tls::certificate_problem(&error) {
                        return Err(SyncError::UntrustedCertificate {
                            url: self.base.clone(),
                            detail,
                        });
                    }
                    (self.unreachable(&error), None)
                }
                Ok(response) => {
                    let status = response.status();
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|value| value.to_str().ok())
                        .and_then(|text| text.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    match response.bytes().await {
                        // The answer was cut off: whether the server acted is unknown,
                        // and retrying is safe because every write is idempotent.
                        Err(error) => (self.unreachable(&error), None),
                        Ok(bytes) => {
                            if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                                let body: ErrorBody =
                                    serde_json::from_slice(&bytes).unwrap_or_default();
                                (
                                    SyncError::Unavailable {
                                        url: self.base.clone(),
                                        status: status.as_u16(),
                                        message: if body.message.is_empty() {
                                            status.to_string()
                                        } else {
                                            body.message
                                        },
                                    },
                                    retry_after,
                                )
                            } else {
                                return Ok((status, bytes.to_vec()));
                            }
                        }
                    }
                }
            };
            if attempt >= attempts {
                return Err(error);
            }
            let delay = retry_after
                .map(|after| after.min(self.retry.max_delay))
                .unwrap_or_else(|| self.retry.delay(attempt));
            tracing::info!(path, attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    fn unreachable(&self, error: &reqwest::Error) -> SyncError {
        // reqwest's message names the URL, never the token; keep the cause chain short.
        let mut detail = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            detail = format!("{detail}: {cause}");
            source = cause.source();
        }
        SyncError::Unreachable {
            url: self.base.clone(),
            detail,
        }
    }

    /// A JSON answer, or the server's refusal as an error.
    pub async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        authenticated: bool,
    ) -> Result<T, SyncError> {
        let (status, bytes) = self.send(method, path, body, authenticated, None).await?;
        if !status.is_success() {
            return Err(refusal(status, &bytes));
        }
        serde_json::from_slice(&bytes)
            .map_err(|error| SyncError::Protocol(format!("{path}: {error}")))
    }
}

/// The error for a refused request (4xx).
pub(crate) fn refusal(status: StatusCode, bytes: &[u8]) -> SyncError {
    let body: ErrorBody = serde_json::from_slice(bytes).unwrap_or_default();
    let message = if body.message.is_empty() {
        status.to_string()
    } else {
        body.message
    };
    match (status, body.code.as_str()) {
        (StatusCode::UNAUTHORIZED, "key_not_approved") => SyncError::KeyNotApproved { message },
        (StatusCode::UNAUTHORIZED, code) => SyncError::Unauthenticated {
            code: code.to_owned(),
            message,
        },
        (status, code) => SyncError::Refused {
            status: status.as_u16(),
            code: code.to_owned(),
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let policy = RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        };
        for _ in 0..50 {
            let first = policy.delay(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.delay(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let late = policy.delay(30);
            assert!(late >= Duration::from_millis(500) && late <= Duration::from_millis(1000));
        }
        let delays: std::collections::HashSet<Duration> =
            (0..50).map(|_| policy.delay(4)).collect();
        assert!(delays.len() > 1, "jitter varies the delay");
    }

    #[test]
    fn server_urls_are_normalised_and_checked() {
        assert_eq!(
            normalise_url("http://127.0.0.1:8480/").expect("ok"),
            "http://127.0.0.1:8480"
        );
        assert_eq!(
            normalise_url(" https://sync.example.com/base/ ").expect("ok"),
            "https://sync.example.com/base"
        );
        assert!(normalise_url("ftp://x").is_err());
        assert!(normalise_url("not a url").is_err());
        assert!(normalise_url("http://localhost/?a=1").is_err());
        assert!(normalise_url("https://user:secret@sync.example.com").is_err());
        assert!(normalise_url("https://sync.example.com/#x").is_err());
        assert_eq!(
            normalise_url("http://[::1]:8480").expect("loopback v6"),
            "http://[::1]:8480"
        );
        assert!(matches!(
            normalise_url("http://sync.example.com"),
            Err(SyncError::InsecureUrl(_))
        ));
        assert!(matches!(
            normalise_url("http://10.1.2.3:8480"),
            Err(SyncError::InsecureUrl(_))
        ));
    }

    #[test]
    fn refusals_are_told_apart() {
        let body = br#"{"code":"key_not_approved","message":"pending"}"#;
        assert!(matches!(
            refusal(StatusCode::UNAUTHORIZED, body),
            SyncError::KeyNotApproved { .. }
        ));
        let body = br#"{"code":"key_revoked","message":"revoked"}"#;
        assert!(matches!(
            refusal(StatusCode::UNAUTHORIZED, body),
            SyncError::Unauthenticated { .. }
        ));
        assert!(matches!(
            refusal(StatusCode::FORBIDDEN, b"not json"),
            SyncError::Refused { status: 403, .. }
        ));
    }
}
