//! Recognises text that looks like a credential, so that a secret pasted into any field
//! is refused before it is stored, signed or synced. Secrets belong in the platform's
//! secrets manager; the tenant document only ever holds a reference to them.

/// What kind of credential a piece of text looks like; `Display` names it for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialKind {
    PrivateKey,
    AwsAccessKey,
    GitHubToken,
    SlackToken,
    StripeKey,
    GoogleApiKey,
    JsonWebToken,
    BearerToken,
    PasswordInUrl,
    Assignment,
}

impl std::fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CredentialKind::PrivateKey => "a private key",
            CredentialKind::AwsAccessKey => "an AWS access key",
            CredentialKind::GitHubToken => "a GitHub token",
            CredentialKind::SlackToken => "a Slack token",
            CredentialKind::StripeKey => "a Stripe secret key",
            CredentialKind::GoogleApiKey => "a Google API key",
            CredentialKind::JsonWebToken => "a JSON Web Token",
            CredentialKind::BearerToken => "a bearer token",
            CredentialKind::PasswordInUrl => "a URL with a password in it",
            CredentialKind::Assignment => "a password or key assignment",
        })
    }
}

fn token_after(text: &str, prefix: &str, min_len: usize, allowed: impl Fn(char) -> bool) -> bool {
    text.match_indices(prefix).any(|(start, _)| {
        text[start + prefix.len()..]
            .chars()
            .take_while(|c| allowed(*c))
            .count()
            >= min_len
    })
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn looks_like_jwt(text: &str) -> bool {
    text.split(|c: char| !(is_token_char(c) || c == '.'))
        .any(|word| {
            let parts: Vec<&str> = word.split('.').collect();
            parts.len() == 3
                && parts[0].starts_with("eyJ")
                && parts
                    .iter()
                    .all(|part| part.len() >= 8 && part.chars().all(is_token_char))
        })
}

fn password_in_url(text: &str) -> bool {
    text.match_indices("://").any(|(start, _)| {
        let rest = &text[start + 3..];
        let authority = rest.split(['/', ' ', '?', '#']).next().unwrap_or_default();
        match authority.rsplit_once('@') {
            Some((credentials, _host)) => credentials
                .split_once(':')
                .is_some_and(|(_, password)| !password.is_empty()),
            None => false,
        }
    })
}

fn secret_assignment(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "pwd",
        "secret",
        "api_key",
        "apikey",
        "access_key",
        "token",
        "client_secret",
    ]
    .iter()
    .any(|key| {
        lower.match_indices(key).any(|(start, _)| {
            // A whole word only: "secret" in "nosecret=" or "secrets" is not the key.
            let starts_word = lower[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_ascii_alphanumeric());
            let rest = lower[start + key.len()..].trim_start_matches([' ', '"', '\'']);
            let value = rest
                .strip_prefix('=')
                .or_else(|| rest.strip_prefix(':'))
                // "secret://…" is a reference, not an assignment.
                .filter(|value| !value.starts_with("//"))
                .map(|value| value.trim_start_matches([' ', '"', '\'']));
            starts_word
                && value.is_some_and(|value| {
                    value.chars().take_while(|c| !c.is_whitespace()).count() >= 6
                })
        })
    })
}

/// The kind of credential `text` contains, if it contains one.
pub fn detect(text: &str) -> Option<CredentialKind> {
    if text.contains("-----BEGIN") && text.contains("PRIVATE KEY") {
        return Some(CredentialKind::PrivateKey);
    }
    let upper_alnum = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit();
    if token_after(text, "AKIA", 16, upper_alnum) || token_after(text, "ASIA", 16, upper_alnum) {
        return Some(CredentialKind::AwsAccessKey);
    }
    if ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"]
        .iter()
        .any(|prefix| token_after(text, prefix, 20, is_token_char))
    {
        return Some(CredentialKind::GitHubToken);
    }
    if ["xoxb-", "xoxp-", "xoxa-", "xoxs-", "xapp-"]
        .iter()
        .any(|prefix| token_after(text, prefix, 10, is_token_char))
    {
        return Some(CredentialKind::SlackToken);
    }
    if ["sk_live_", "rk_live_", "sk_test_"]
        .iter()
        .any(|prefix| token_after(text, prefix, 16, is_token_char))
    {
        return Some(CredentialKind::StripeKey);
    }
    if token_after(text, "AIza", 35, is_token_char) {
        return Some(CredentialKind::GoogleApiKey);
    }
    if looks_like_jwt(text) {
        return Some(CredentialKind::JsonWebToken);
    }
    if token_after(text, "Bearer ", 20, |c| is_token_char(c) || c == '.') {
        return Some(CredentialKind::BearerToken);
    }
    if password_in_url(text) {
        return Some(CredentialKind::PasswordInUrl);
    }
    if secret_assignment(text) {
        return Some(CredentialKind::Assignment);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_common_credentials() {
        let cases = [
            ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=", CredentialKind::PrivateKey),
            ("AKIAIOSFODNN7EXAMPLE", CredentialKind::AwsAccessKey),
            ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", CredentialKind::GitHubToken),
            ("xoxb-123456789012-abcdefghij", CredentialKind::SlackToken),
            ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", CredentialKind::StripeKey),
            ("AIzaSyA-1234567890abcdefghijklmnopqrstu", CredentialKind::GoogleApiKey),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                CredentialKind::JsonWebToken,
            ),
            ("Authorization: Bearer abcdefghijklmnopqrstuvwxyz123456", CredentialKind::BearerToken),
            ("postgres://app:hunter2@db.internal/tenants", CredentialKind::PasswordInUrl),
            ("password = correct-horse-battery", CredentialKind::Assignment),
            ("api_key: 9f8e7d6c5b4a", CredentialKind::Assignment),
        ];
        for (text, kind) in cases {
            assert_eq!(detect(text), Some(kind), "{text}");
        }
    }

    #[test]
    fn ordinary_text_is_not_a_credential() {
        for text in [
            "Acme Health GmbH",
            "secret://tenants/01937c5e-8f3a-7b2c-9d4e-5f6a7b8c9d0e/stripe",
            "https://docs.example.com/clients/acme",
            "postgres://app@db.internal/tenants",
            "Rotate the password every 90 days",
            "01937c5e-8f3a-7b2c-9d4e-5f6a7b8c9d0e",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "token budget: 50000 per day",
            "",
        ] {
            assert_eq!(detect(text), None, "{text}");
        }
    }

    #[test]
    fn every_kind_has_a_readable_name() {
        assert_eq!(
            CredentialKind::AwsAccessKey.to_string(),
            "an AWS access key"
        );
    }
}
