//! How values read in the handoff: labels for enums, money, counts, signers.

use tenantry_changeset::diff::label_of;
use tenantry_changeset::Environment;
use tenantry_core::tenant::{ComplianceMode, FlagValue, Regulation, StageStatus};

use crate::Signer;

/// At most this many changed fields are named per change set; the rest are counted.
pub const MAX_PATHS_SHOWN: usize = 6;

pub fn regulation(regulation: Regulation) -> &'static str {
    match regulation {
        Regulation::Hipaa => "HIPAA",
        Regulation::Gdpr => "GDPR",
        Regulation::PciDss => "PCI DSS",
        Regulation::Soc2 => "SOC 2",
        Regulation::Ccpa => "CCPA",
        Regulation::Glba => "GLBA",
        Regulation::Ferpa => "FERPA",
    }
}

pub fn compliance_mode(mode: ComplianceMode) -> &'static str {
    match mode {
        ComplianceMode::Standard => "Standard",
        ComplianceMode::Gdpr => "GDPR",
        ComplianceMode::PciDss => "PCI DSS",
        ComplianceMode::Hipaa => "HIPAA",
    }
}

pub fn environment(environment: Environment) -> &'static str {
    match environment {
        Environment::Draft => "draft",
        Environment::Staging => "staging",
        Environment::Production => "production",
    }
}

pub fn stage_status(status: StageStatus) -> &'static str {
    match status {
        StageStatus::Planned => "planned",
        StageStatus::InProgress => "in progress",
        StageStatus::Verified => "verified",
    }
}

pub fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

/// 2000000 → "2,000,000".
pub fn count(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// US cents → "$1,500.00".
pub fn dollars(cents: u32) -> String {
    format!("${}.{:02}", count(u64::from(cents / 100)), cents % 100)
}

pub fn flag(value: &FlagValue) -> String {
    match value {
        FlagValue::Bool(true) => "on".to_owned(),
        FlagValue::Bool(false) => "off".to_owned(),
        FlagValue::Integer(number) => number.to_string(),
        FlagValue::Text(text) => format!("\"{text}\""),
    }
}

/// "Helen Park (key 1a2b3c4d5e6f)", or the key alone when the mirror has no name for it.
pub fn signer(signer: &Signer) -> String {
    let short: String = signer.key_id.chars().take(12).collect();
    match &signer.label {
        Some(label) if !label.trim().is_empty() => format!("{} (key {short})", label.trim()),
        _ => format!("key {short}"),
    }
}

/// The changed fields in words, deduplicated, at most [`MAX_PATHS_SHOWN`] named.
pub fn changed_paths(paths: &[String]) -> String {
    let mut labels: Vec<String> = Vec::new();
    for path in paths {
        let label = if path.is_empty() {
            "whole document (created)".to_owned()
        } else {
            label_of(path)
        };
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    match labels.len() {
        0 => "nothing".to_owned(),
        n if n <= MAX_PATHS_SHOWN => labels.join("; "),
        n => format!(
            "{}; and {} more",
            labels[..MAX_PATHS_SHOWN].join("; "),
            n - MAX_PATHS_SHOWN
        ),
    }
}

/// Text with every run of whitespace (newlines included) as one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Is `text` a web link a reader may follow (and so may be rendered as one)?
pub fn is_web_link(text: &str) -> bool {
    (text.starts_with("https://") || text.starts_with("http://"))
        && text.len() > "https://".len()
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '\''))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_money_read_like_people_write_them() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(2_000_000), "2,000,000");
        assert_eq!(dollars(150_000), "$1,500.00");
        assert_eq!(dollars(5), "$0.05");
    }

    #[test]
    fn enums_have_readable_labels() {
        assert_eq!(regulation(Regulation::PciDss), "PCI DSS");
        assert_eq!(compliance_mode(ComplianceMode::Hipaa), "HIPAA");
        assert_eq!(environment(Environment::Production), "production");
        assert_eq!(stage_status(StageStatus::InProgress), "in progress");
        assert_eq!(yes_no(true), "yes");
        assert_eq!(flag(&FlagValue::Bool(false)), "off");
        assert_eq!(flag(&FlagValue::Text("images".into())), "\"images\"");
    }

    #[test]
    fn signers_show_their_name_and_a_short_key_id() {
        let named = Signer {
            key_id: "0123456789abcdef".repeat(4),
            label: Some(" Helen Park ".into()),
        };
        assert_eq!(signer(&named), "Helen Park (key 0123456789ab)");
        let unnamed = Signer {
            label: None,
            ..named
        };
        assert_eq!(signer(&unnamed), "key 0123456789ab");
    }

    #[test]
    fn changed_paths_are_named_in_words_and_capped() {
        assert_eq!(changed_paths(&[String::new()]), "whole document (created)");
        assert_eq!(
            changed_paths(&["/ai/tools".into(), "/ai/tools".into()]),
            "ai › tools"
        );
        let many: Vec<String> = (0..9).map(|i| format!("/ai/tools/{i}")).collect();
        assert!(changed_paths(&many).ends_with("; and 3 more"));
        assert_eq!(changed_paths(&[]), "nothing");
    }

    #[test]
    fn only_plain_web_links_are_links() {
        assert!(is_web_link("https://docs.example/x?a=1"));
        assert!(!is_web_link("javascript:alert(1)"));
        assert!(!is_web_link("https://x.example/\"onmouseover=alert(1)"));
        assert!(!is_web_link("https://"));
        assert_eq!(one_line(" a\n b\t c "), "a b c");
    }
}
