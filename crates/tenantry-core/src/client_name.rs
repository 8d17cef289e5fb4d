//! The client's display name, as a person types it in the first onboarding form.

use std::fmt;

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

/// Longest accepted name, in characters. Legal names of real companies stay well under
/// this; anything longer is a paste accident and would break every table it appears in.
pub const MAX_CLIENT_NAME_CHARS: usize = 120;

/// A client name that passed [`ClientName::parse`]: NFC-normalised, trimmed, free of
/// control and invisible formatting characters, and of a sensible length.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ClientName(String);

/// Why a name was refused; [`fmt::Display`] is the message shown next to the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClientNameError {
    #[error("Enter the client's name.")]
    Empty,
    #[error("The name is {length} characters long; the limit is {MAX_CLIENT_NAME_CHARS}.")]
    TooLong { length: usize },
    #[error("The name contains a control character ({}) such as a tab or line break; remove it.", code_point(*.found))]
    ControlCharacter { found: char },
    #[error("The name contains an invisible formatting character ({}) that can disguise how it reads; remove it.", code_point(*.found))]
    InvisibleCharacter { found: char },
    #[error("The name needs at least one letter or digit.")]
    NoLetterOrDigit,
}

fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Characters that render as nothing or reorder text: bidirectional overrides and
/// isolates, zero-width joiners and spaces, the byte-order mark. They let two names that
/// look identical differ, or make a name read differently from what it is.
fn is_invisible_formatting(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{061C}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}'
    )
}

impl ClientName {
    pub fn parse(raw: &str) -> Result<Self, ClientNameError> {
        // Check for control characters before trimming: a trailing newline pasted from a
        // spreadsheet is still worth telling the user about rather than hiding.
        if let Some(found) = raw.chars().find(|c| c.is_control()) {
            return Err(ClientNameError::ControlCharacter { found });
        }
        if let Some(found) = raw.chars().find(|c| is_invisible_formatting(*c)) {
            return Err(ClientNameError::InvisibleCharacter { found });
        }
        let normalised: String = raw.nfc().collect();
        let trimmed = normalised.trim();
        if trimmed.is_empty() {
            return Err(ClientNameError::Empty);
        }
        let length = trimmed.chars().count();
        if length > MAX_CLIENT_NAME_CHARS {
            return Err(ClientNameError::TooLong { length });
        }
        if !trimmed.chars().any(char::is_alphanumeric) {
            return Err(ClientNameError::NoLetterOrDigit);
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for ClientName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_name_is_kept_as_typed() {
        let name = ClientName::parse("Acme Health GmbH").expect("valid");
        assert_eq!(name.as_str(), "Acme Health GmbH");
        assert_eq!(name.to_string(), "Acme Health GmbH");
        assert_eq!(name.into_string(), "Acme Health GmbH");
    }

    #[test]
    fn surrounding_spaces_are_trimmed() {
        assert_eq!(
            ClientName::parse("  Acme  ").expect("valid").as_str(),
            "Acme"
        );
    }

    #[test]
    fn names_are_stored_in_composed_form() {
        // "é" typed as e + combining acute accent is stored as the single code point.
        let name = ClientName::parse("Caf\u{0065}\u{0301} Ltd").expect("valid");
        assert_eq!(name.as_str(), "Caf\u{00E9} Ltd");
    }

    #[test]
    fn non_latin_names_are_welcome() {
        assert!(ClientName::parse("株式会社アクメ").is_ok());
        assert!(ClientName::parse("Ärzte-Verbund Süd").is_ok());
    }

    #[test]
    fn empty_and_blank_names_are_refused() {
        assert_eq!(ClientName::parse(""), Err(ClientNameError::Empty));
        assert_eq!(ClientName::parse("     "), Err(ClientNameError::Empty));
        // No-break and ideographic spaces are blank too.
        assert_eq!(
            ClientName::parse("\u{00A0}\u{3000}"),
            Err(ClientNameError::Empty)
        );
    }

    #[test]
    fn a_ten_thousand_character_name_is_refused_with_its_length() {
        let error = ClientName::parse(&"a".repeat(10_000)).expect_err("too long");
        assert_eq!(error, ClientNameError::TooLong { length: 10_000 });
        assert_eq!(
            error.to_string(),
            "The name is 10000 characters long; the limit is 120."
        );
    }

    #[test]
    fn the_limit_counts_characters_not_bytes() {
        assert!(ClientName::parse(&"ä".repeat(MAX_CLIENT_NAME_CHARS)).is_ok());
        assert!(ClientName::parse(&"ä".repeat(MAX_CLIENT_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn control_characters_are_refused_and_named() {
        for (raw, found) in [
            ("Acme\nCorp", '\n'),
            ("Acme\tCorp", '\t'),
            ("Acme\0", '\0'),
            ("Acme\u{7F}", '\u{7F}'),
            ("Acme\r\n", '\r'),
        ] {
            assert_eq!(
                ClientName::parse(raw),
                Err(ClientNameError::ControlCharacter { found }),
                "{raw:?}"
            );
        }
        assert_eq!(
            ClientName::parse("Acme\nCorp").expect_err("control").to_string(),
            "The name contains a control character (U+000A) such as a tab or line break; remove it."
        );
    }

    #[test]
    fn invisible_and_bidi_characters_are_refused() {
        assert_eq!(
            ClientName::parse("Acme\u{202E}gnp.exe"),
            Err(ClientNameError::InvisibleCharacter { found: '\u{202E}' })
        );
        assert_eq!(
            ClientName::parse("Ac\u{200B}me"),
            Err(ClientNameError::InvisibleCharacter { found: '\u{200B}' })
        );
    }

    #[test]
    fn punctuation_alone_is_not_a_name() {
        assert_eq!(
            ClientName::parse("---"),
            Err(ClientNameError::NoLetterOrDigit)
        );
        assert!(ClientName::parse("3M").is_ok());
    }
}
