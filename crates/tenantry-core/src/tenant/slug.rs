//! The tenant's slug: the short name in URLs and paths (`apps/client-<slug>`).

use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

pub const MIN_SLUG_CHARS: usize = 2;
pub const MAX_SLUG_CHARS: usize = 40;

/// A slug: 2–40 ASCII lowercase letters, digits and single hyphens, neither starting
/// nor ending with a hyphen.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type,
)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("the slug is empty; use letters, digits and hyphens, e.g. 'acme-health'")]
    Empty,
    #[error("'{found}' (U+{code:04X}) looks like the Latin '{looks_like}' but is not; type the Latin letter")]
    Confusable {
        found: char,
        code: u32,
        looks_like: char,
    },
    #[error("'{found}' (U+{code:04X}) cannot be used in a slug; use a-z, 0-9 and hyphens")]
    UnsupportedCharacter { found: char, code: u32 },
    #[error(
        "the slug is {length} characters long; it must be {MIN_SLUG_CHARS} to {MAX_SLUG_CHARS}"
    )]
    Length { length: usize },
    #[error("a slug does not start or end with a hyphen, or contain two hyphens in a row")]
    BadHyphen,
}

/// Non-Latin letters that look like Latin ones. Such a character in a slug is refused
/// by name, so "аcme" (Cyrillic а) can never pass as "acme".
const CONFUSABLES: &[(char, char)] = &[
    ('а', 'a'),
    ('в', 'b'),
    ('с', 'c'),
    ('ԁ', 'd'),
    ('е', 'e'),
    ('һ', 'h'),
    ('і', 'i'),
    ('ј', 'j'),
    ('к', 'k'),
    ('ӏ', 'l'),
    ('м', 'm'),
    ('п', 'n'),
    ('о', 'o'),
    ('р', 'p'),
    ('ԛ', 'q'),
    ('ѕ', 's'),
    ('т', 't'),
    ('ц', 'u'),
    ('ѵ', 'v'),
    ('ԝ', 'w'),
    ('х', 'x'),
    ('у', 'y'),
    ('α', 'a'),
    ('β', 'b'),
    ('ε', 'e'),
    ('η', 'n'),
    ('ι', 'i'),
    ('κ', 'k'),
    ('ν', 'v'),
    ('ο', 'o'),
    ('ρ', 'p'),
    ('τ', 't'),
    ('υ', 'u'),
    ('χ', 'x'),
    ('ɑ', 'a'),
    ('ɡ', 'g'),
    ('ı', 'i'),
    ('ȷ', 'j'),
    ('ꞵ', 'b'),
    ('ᴄ', 'c'),
    ('ᴏ', 'o'),
    ('ᴠ', 'v'),
];

fn confusable(c: char) -> Option<char> {
    let lower = c.to_lowercase().next().unwrap_or(c);
    CONFUSABLES
        .iter()
        .find(|(found, _)| *found == lower)
        .map(|(_, latin)| *latin)
}

impl Slug {
    /// Checks an exact slug, as typed into a file. No normalisation: what is stored is
    /// what was written.
    pub fn parse(text: &str) -> Result<Self, SlugError> {
        if text.is_empty() {
            return Err(SlugError::Empty);
        }
        if let Some(bad) = text
            .chars()
            .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '-'))
        {
            return Err(refusal(bad));
        }
        let length = text.chars().count();
        if !(MIN_SLUG_CHARS..=MAX_SLUG_CHARS).contains(&length) {
            return Err(SlugError::Length { length });
        }
        if text.starts_with('-') || text.ends_with('-') || text.contains("--") {
            return Err(SlugError::BadHyphen);
        }
        Ok(Self(text.to_owned()))
    }

    /// Derives a slug from a display name: NFKC, lowercase, Latin accents dropped
    /// ("Müller" → "muller"), spaces and punctuation runs become one hyphen. Look-alike
    /// letters from other scripts are refused, not transliterated.
    pub fn from_name(name: &str) -> Result<Self, SlugError> {
        let mut slug = String::new();
        let mut pending_hyphen = false;
        let folded: String = name.nfkc().collect::<String>().to_lowercase();
        for c in folded.nfd().filter(|c| !is_combining_mark(*c)) {
            match c {
                'a'..='z' | '0'..='9' => {
                    if pending_hyphen && !slug.is_empty() {
                        slug.push('-');
                    }
                    pending_hyphen = false;
                    slug.push(c);
                }
                // Spaces, punctuation, dashes and symbols of any script separate words.
                c if !c.is_alphanumeric() => pending_hyphen = true,
                other => return Err(refusal(other)),
            }
        }
        let trimmed: String = slug.chars().take(MAX_SLUG_CHARS).collect();
        Self::parse(trimmed.trim_end_matches('-'))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The slug as it looks: digits and letter pairs that are easily mistaken for each
    /// other collapse to one form, and hyphens vanish. Two slugs with the same skeleton
    /// look alike and must not both exist.
    pub fn skeleton(&self) -> String {
        let collapsed = self
            .0
            .replace("rn", "m")
            .replace("vv", "w")
            .replace("cl", "d");
        collapsed
            .chars()
            .filter(|c| *c != '-')
            .map(|c| match c {
                '0' => 'o',
                '1' | 'i' => 'l',
                '5' => 's',
                '8' => 'b',
                other => other,
            })
            .collect()
    }

    /// True when the two slugs could be mistaken for each other (or are equal).
    pub fn looks_like(&self, other: &Slug) -> bool {
        self.skeleton() == other.skeleton()
    }
}

fn refusal(found: char) -> SlugError {
    let code = u32::from(found);
    match confusable(found) {
        Some(looks_like) => SlugError::Confusable {
            found,
            code,
            looks_like,
        },
        None => SlugError::UnsupportedCharacter { found, code },
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> Self {
        slug.0
    }
}

super::string_schema!(
    Slug,
    r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){1,39}$",
    "2-40 characters: a-z, 0-9 and single hyphens, not at either end."
);

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(text: &str) -> Slug {
        Slug::parse(text).expect("valid slug")
    }

    #[test]
    fn names_become_slugs() {
        for (name, expected) in [
            ("Acme Health GmbH", "acme-health-gmbh"),
            ("  Müller & Söhne  ", "muller-sohne"),
            ("ＡＣＭＥ Corp", "acme-corp"),
            ("Northwind — Bank, Inc.", "northwind-bank-inc"),
            ("3M", "3m"),
        ] {
            let slug = Slug::from_name(name).unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(slug.as_str(), expected, "{name}");
        }
    }

    #[test]
    fn a_cyrillic_look_alike_is_refused_by_name() {
        let error = Slug::from_name("аcme").expect_err("Cyrillic а");
        assert_eq!(
            error,
            SlugError::Confusable {
                found: 'а',
                code: 0x0430,
                looks_like: 'a'
            }
        );
        assert_eq!(
            error.to_string(),
            "'а' (U+0430) looks like the Latin 'a' but is not; type the Latin letter"
        );
        assert!(matches!(
            Slug::parse("аcme"),
            Err(SlugError::Confusable { .. })
        ));
        assert!(matches!(
            Slug::from_name("Αcme"),
            Err(SlugError::Confusable {
                looks_like: 'a',
                ..
            })
        ));
    }

    #[test]
    fn other_scripts_are_refused_plainly() {
        assert!(matches!(
            Slug::from_name("株式会社"),
            Err(SlugError::UnsupportedCharacter { code: 0x682A, .. })
        ));
    }

    #[test]
    fn exact_slugs_are_checked_not_repaired() {
        assert!(Slug::parse("acme-health").is_ok());
        assert_eq!(Slug::parse(""), Err(SlugError::Empty));
        assert!(matches!(
            Slug::parse("Acme"),
            Err(SlugError::UnsupportedCharacter { .. })
        ));
        assert_eq!(Slug::parse("a"), Err(SlugError::Length { length: 1 }));
        assert_eq!(
            Slug::parse(&"a".repeat(41)),
            Err(SlugError::Length { length: 41 })
        );
        assert_eq!(Slug::parse("-acme"), Err(SlugError::BadHyphen));
        assert_eq!(Slug::parse("acme-"), Err(SlugError::BadHyphen));
        assert_eq!(Slug::parse("ac--me"), Err(SlugError::BadHyphen));
        assert!(matches!(
            Slug::parse("ac me"),
            Err(SlugError::UnsupportedCharacter { found: ' ', .. })
        ));
    }

    #[test]
    fn long_names_are_cut_to_the_limit() {
        let slug = Slug::from_name(&"word ".repeat(30)).expect("valid");
        assert!(slug.as_str().len() <= MAX_SLUG_CHARS);
        assert!(!slug.as_str().ends_with('-'));
    }

    #[test]
    fn look_alike_slugs_are_detected() {
        assert!(slug("acme").looks_like(&slug("acrne")));
        assert!(slug("globex").looks_like(&slug("gl0bex")));
        assert!(slug("initech-1").looks_like(&slug("lnitechl")));
        assert!(slug("a-cme").looks_like(&slug("acme")));
        assert!(!slug("acme").looks_like(&slug("acne")));
    }

    #[test]
    fn deserialising_checks_the_slug() {
        let error = serde_json::from_str::<Slug>("\"аcme\"").expect_err("confusable");
        assert!(error.to_string().contains("looks like the Latin 'a'"));
    }
}
