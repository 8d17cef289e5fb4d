//! The PDF base-14 fonts as this writer uses them: WinAnsiEncoding (Windows-1252) and
//! the advance widths of Adobe's Helvetica and Helvetica-Bold AFM files (Courier is
//! monospaced at 600/1000 em). The widths are what lets text be wrapped to the page:
//! a reader draws the base-14 fonts with exactly these metrics.

/// A font the writer can use; each is one of the 14 fonts every PDF reader has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Font {
    Helvetica,
    HelveticaBold,
    Courier,
}

impl Font {
    /// The resource name in page dictionaries.
    pub fn resource(self) -> &'static str {
        match self {
            Font::Helvetica => "F1",
            Font::HelveticaBold => "F2",
            Font::Courier => "F3",
        }
    }

    pub fn base_font(self) -> &'static str {
        match self {
            Font::Helvetica => "Helvetica",
            Font::HelveticaBold => "Helvetica-Bold",
            Font::Courier => "Courier",
        }
    }

    /// Advance width of a WinAnsi byte in 1/1000 em.
    pub fn advance(self, byte: u8) -> u16 {
        let index = usize::from(byte.saturating_sub(32));
        match self {
            Font::Courier => 600,
            _ if byte < 32 => 0,
            Font::Helvetica => HELVETICA[index],
            Font::HelveticaBold => HELVETICA_BOLD[index],
        }
    }

    /// Width of WinAnsi `text` at `size` points.
    pub fn width(self, text: &[u8], size: f32) -> f32 {
        let units: u32 = text.iter().map(|&byte| u32::from(self.advance(byte))).sum();
        units as f32 * size / 1000.0
    }
}

/// The character PDF readers are told to draw for a character WinAnsi lacks.
pub const REPLACEMENT: u8 = b'?';

/// The WinAnsi byte for `c`, if the encoding has it.
pub fn win_ansi(c: char) -> Option<u8> {
    let code = u32::from(c);
    match code {
        0x20..=0x7e | 0xa0..=0xff => u8::try_from(code).ok(),
        _ => Some(match c {
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8a,
            '‹' => 0x8b,
            'Œ' => 0x8c,
            'Ž' => 0x8e,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9a,
            '›' => 0x9b,
            'œ' => 0x9c,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            _ => return None,
        }),
    }
}

/// `text` in WinAnsi, and how many characters had to be replaced by '?'.
///
/// The base-14 fonts only carry the ~220 glyphs of WinAnsi; embedding a font that has
/// the others (CJK, Cyrillic, emoji…) would make the writer and every file far larger.
/// A replaced character is counted so the document can say that it happened, rather
/// than print a wrong glyph silently. The Markdown and HTML versions keep every
/// character.
pub fn encode(text: &str) -> (Vec<u8>, usize) {
    let mut replaced = 0;
    let bytes = text
        .chars()
        .map(|c| {
            win_ansi(c).unwrap_or_else(|| {
                replaced += 1;
                REPLACEMENT
            })
        })
        .collect();
    (bytes, replaced)
}

/// Advance widths (1/1000 em) of WinAnsi codes 32–255, from Adobe's Helvetica AFM
/// (Helvetica.afm, version 002.000, 1997). Codes WinAnsi leaves undefined are 0 and
/// never produced by [`encode`].
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
    0, 556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 222, 222,
    333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556,
    260, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 556, 537, 278, 333,
    333, 365, 556, 834, 834, 834, 611, 667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667,
    278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, 556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

/// The same for Helvetica-Bold (Helvetica-Bold.afm).
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
    0, 556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 278, 278,
    500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556,
    280, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 611, 556, 278, 333,
    333, 365, 556, 834, 834, 834, 611, 722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667,
    278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, 556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, 611, 611,
    611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_match_the_afm_files() {
        // Spot checks against Helvetica.afm and Helvetica-Bold.afm.
        assert_eq!(Font::Helvetica.advance(b' '), 278);
        assert_eq!(Font::Helvetica.advance(b'@'), 1015);
        assert_eq!(Font::Helvetica.advance(b'i'), 222);
        assert_eq!(Font::HelveticaBold.advance(b'i'), 278);
        assert_eq!(Font::HelveticaBold.advance(b'@'), 975);
        assert_eq!(Font::Helvetica.advance(0x97), 1000); // emdash
        assert_eq!(Font::HelveticaBold.advance(0xe6), 889); // ae
        assert_eq!(Font::Courier.advance(b'W'), 600);
        assert!((Font::Helvetica.width(b"Hello", 10.0) - 22.78).abs() < 0.001);
        assert!((Font::Courier.width(b"abc", 10.0) - 18.0).abs() < 0.001);
    }

    #[test]
    fn every_encodable_character_has_a_width() {
        for code in 0x20..=0x10ffff {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            if let Some(byte) = win_ansi(c) {
                assert!(Font::Helvetica.advance(byte) > 0, "U+{code:04X}");
                assert!(Font::HelveticaBold.advance(byte) > 0, "U+{code:04X}");
            }
        }
    }

    #[test]
    fn encode_maps_win_ansi_and_counts_what_it_replaces() {
        assert_eq!(encode("Café – 5 €"), (b"Caf\xe9 \x96 5 \x80".to_vec(), 0));
        assert_eq!(encode("ai › tools"), (b"ai \x9b tools".to_vec(), 0));
        assert_eq!(encode("Клиника 北京"), (b"??????? ??".to_vec(), 9));
        assert_eq!(win_ansi('\n'), None);
        assert_eq!(win_ansi('\u{7f}'), None);
    }
}
