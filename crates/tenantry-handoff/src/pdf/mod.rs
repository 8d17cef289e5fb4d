//! A small PDF writer, just enough for the handoff document, with no dependencies.
//!
//! What it does: A4 pages; the base-14 fonts Helvetica, Helvetica-Bold and Courier in
//! WinAnsiEncoding (nothing embedded: every reader has them); text wrapped to the
//! column using the fonts' AFM widths, breaking over-long words (URLs, hashes)
//! between characters; headings kept with what follows; label/value rows and table rows
//! as wrapped two-column rows that continue on the next page when they must; a footer
//! on every page naming the client and the head change set, with "Page n of N".
//!
//! Its limits, on purpose:
//! - Only WinAnsi (Western European) characters print. Anything else (Greek, Cyrillic,
//!   CJK, emoji…) is printed as '?', and the document ends with a note saying how many
//!   were replaced; the Markdown and HTML versions keep them. Embedding a Unicode font
//!   would add a font parser/subsetter and hundreds of kilobytes per file.
//! - No kerning, ligatures, hyphenation, right-to-left text, images or links.
//! - Content streams are not compressed (no deflate dependency); a handoff is tens of
//!   kilobytes, and tests can read the drawing commands.
//! - No document outline (bookmarks) and no creation date, so the same input always
//!   gives the same bytes.

mod metrics;
mod writer;

pub use metrics::{encode, win_ansi, Font};
pub use writer::{assemble, literal, PAGE_HEIGHT, PAGE_WIDTH};

use crate::format;
use crate::model::{Block, Cell, Style};
use crate::Handoff;

const MARGIN_X: f32 = 56.0;
const TOP: f32 = PAGE_HEIGHT - 60.0;
const BOTTOM: f32 = 62.0;
const FOOTER_Y: f32 = 36.0;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;
const LABEL_WIDTH: f32 = 120.0;
const COLUMN_GAP: f32 = 12.0;
const VALUE_X: f32 = MARGIN_X + LABEL_WIDTH + COLUMN_GAP;
const VALUE_WIDTH: f32 = CONTENT_WIDTH - LABEL_WIDTH - COLUMN_GAP;

const BODY_SIZE: f32 = 9.5;
const CODE_SIZE: f32 = 8.0;
const LEADING: f32 = 12.5;
const ROW_PADDING: f32 = 3.5;

type Rgb = (f32, f32, f32);
const INK: Rgb = (0.08, 0.13, 0.24);
const MUTED: Rgb = (0.36, 0.40, 0.49);
const ACCENT: Rgb = (0.04, 0.43, 0.31);
const RULE: Rgb = (0.85, 0.87, 0.91);

/// Lays the handoff out on A4 pages and writes the PDF file.
pub fn render(handoff: &Handoff) -> Vec<u8> {
    let mut layout = Layout::new();
    layout.title_block(handoff);
    for (number, section) in handoff.sections.iter().enumerate() {
        layout.section_heading(&format!("{}. {}", number + 1, section.title));
        for block in &section.blocks {
            match block {
                Block::Fields(fields) => {
                    for (label, value) in fields {
                        layout.row(&Cell::text(label), value);
                    }
                    layout.gap(6.0);
                }
                // Two columns read as label and value, one row each.
                Block::Table { columns, rows } if columns.len() == 2 => {
                    for row in rows {
                        if let [label, value] = row.as_slice() {
                            layout.row(label, value);
                        }
                    }
                    layout.gap(6.0);
                }
                Block::Table { columns, rows } => {
                    for row in rows {
                        layout.record(columns, row);
                    }
                    layout.gap(4.0);
                }
                Block::Subheading(text) => layout.subheading(text),
                Block::Note(text) => {
                    layout.paragraph(Font::Helvetica, BODY_SIZE, MUTED, text);
                    layout.gap(5.0);
                }
            }
        }
        layout.gap(10.0);
    }
    if layout.replaced > 0 {
        let note = format!(
            "Note: {} character(s) that the PDF's built-in fonts cannot show were printed as '?'. The Markdown and HTML versions of this document show them as written.",
            layout.replaced
        );
        layout.paragraph(Font::Helvetica, BODY_SIZE, MUTED, &note);
    }
    let pages = layout.finish(handoff);
    assemble(&pages, &format!("Client handoff: {}", handoff.client))
}

/// The lines `text` (WinAnsi) wraps to in `width` points: greedy at spaces; a word
/// wider than the column is broken between characters. Never returns no lines.
pub fn wrap(font: Font, size: f32, text: &[u8], width: f32) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in text
        .split(|&byte| byte == b' ')
        .filter(|word| !word.is_empty())
    {
        let mut candidate = line.clone();
        if !candidate.is_empty() {
            candidate.push(b' ');
        }
        candidate.extend_from_slice(word);
        if font.width(&candidate, size) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // The word starts a line; break it while it does not fit, after the last '/'
        // or '-' that fits when there is one (URLs and references read better so).
        for &byte in word {
            line.push(byte);
            if font.width(&line, size) > width && line.len() > 1 {
                line.pop();
                let cut = line
                    .iter()
                    .rposition(|&b| b == b'/' || b == b'-')
                    .map_or(line.len(), |at| at + 1);
                let rest = line.split_off(cut);
                lines.push(std::mem::replace(&mut line, rest));
                line.push(byte);
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The fonts and sizes of a label/value row.
fn row_fonts(label: &Cell, value: &Cell) -> (Font, f32, Font, f32) {
    let (label_font, label_size) = match label.style {
        Style::Code => (Font::Courier, CODE_SIZE),
        _ => (Font::HelveticaBold, 8.5),
    };
    let (value_font, value_size) = match value.style {
        Style::Code => (Font::Courier, CODE_SIZE),
        Style::Text | Style::Link => (Font::Helvetica, BODY_SIZE),
    };
    (label_font, label_size, value_font, value_size)
}

/// The height [`Layout::row`] will take for this row.
fn row_height(label: &Cell, value: &Cell) -> f32 {
    let (label_font, label_size, value_font, value_size) = row_fonts(label, value);
    let labels = wrap(label_font, label_size, &encode(&label.text).0, LABEL_WIDTH).len();
    let values = wrap(value_font, value_size, &encode(&value.text).0, VALUE_WIDTH).len();
    labels.max(values) as f32 * LEADING + 2.0 * ROW_PADDING
}

struct Layout {
    pages: Vec<String>,
    page: String,
    /// Top of the next line box, in points from the page bottom.
    y: f32,
    /// Characters printed as '?' so far.
    replaced: usize,
}

impl Layout {
    fn new() -> Self {
        Self {
            pages: Vec::new(),
            page: String::new(),
            y: TOP,
            replaced: 0,
        }
    }

    fn encode(&mut self, text: &str) -> Vec<u8> {
        let (bytes, replaced) = encode(text);
        self.replaced += replaced;
        bytes
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.page));
        self.y = TOP;
    }

    /// Starts a new page unless `height` more points fit on this one (or the page is
    /// still empty: then nothing would fit better on the next).
    fn ensure(&mut self, height: f32) {
        if self.y - height < BOTTOM && self.y < TOP {
            self.new_page();
        }
    }

    fn gap(&mut self, points: f32) {
        // Space at the top of a page is wasted, not carried over.
        if self.y < TOP {
            self.y -= points;
        }
    }

    fn draw(&mut self, font: Font, size: f32, color: Rgb, x: f32, baseline: f32, text: &[u8]) {
        if text.is_empty() {
            return;
        }
        self.page.push_str(&format!(
            "BT /{} {size:.1} Tf {:.3} {:.3} {:.3} rg {x:.2} {baseline:.2} Td {} Tj ET\n",
            font.resource(),
            color.0,
            color.1,
            color.2,
            literal(text)
        ));
    }

    fn rule(&mut self, x1: f32, x2: f32, y: f32, color: Rgb, width: f32) {
        self.page.push_str(&format!(
            "{:.3} {:.3} {:.3} RG {width:.2} w {x1:.2} {y:.2} m {x2:.2} {y:.2} l S\n",
            color.0, color.1, color.2
        ));
    }

    /// Full-width wrapped text, breaking pages between lines.
    fn paragraph(&mut self, font: Font, size: f32, color: Rgb, text: &str) {
        let bytes = self.encode(text);
        let leading = size * 1.32;
        for line in wrap(font, size, &bytes, CONTENT_WIDTH) {
            self.ensure(leading);
            let baseline = self.y - size;
            self.draw(font, size, color, MARGIN_X, baseline, &line);
            self.y -= leading;
        }
    }

    fn title_block(&mut self, handoff: &Handoff) {
        self.paragraph(Font::HelveticaBold, 9.0, MUTED, "CLIENT HANDOFF");
        self.y -= 4.0;
        self.paragraph(Font::HelveticaBold, 22.0, INK, &handoff.client);
        self.y -= 4.0;
        let tenant = format!("Tenant {} ({})", handoff.tenant_id, handoff.slug);
        self.paragraph(Font::Helvetica, BODY_SIZE, MUTED, &tenant);
        let version = match (&handoff.head, handoff.environment) {
            (Some(head), Some(environment)) => format!(
                "Generated from the signed {} document at change set {head}.",
                format::environment(environment)
            ),
            _ => "Generated from a document that is NOT SIGNED YET.".to_owned(),
        };
        self.paragraph(Font::Helvetica, BODY_SIZE, MUTED, &version);
        self.y -= 8.0;
        let y = self.y;
        self.rule(MARGIN_X, MARGIN_X + CONTENT_WIDTH, y, ACCENT, 2.0);
        self.y -= 18.0;
    }

    fn section_heading(&mut self, text: &str) {
        // Keep the heading with at least three lines of what follows.
        self.ensure(24.0 + 3.0 * LEADING);
        self.gap(6.0);
        let bytes = self.encode(text);
        let baseline = self.y - 14.0;
        self.draw(Font::HelveticaBold, 14.0, INK, MARGIN_X, baseline, &bytes);
        self.y -= 20.0;
        let y = self.y;
        self.rule(MARGIN_X, MARGIN_X + CONTENT_WIDTH, y, RULE, 0.8);
        self.y -= 8.0;
    }

    fn subheading(&mut self, text: &str) {
        self.ensure(20.0 + 2.0 * LEADING);
        self.gap(8.0);
        self.paragraph(Font::HelveticaBold, 11.0, INK, text);
        self.y -= 3.0;
    }

    /// One label/value row: the label in the left column, the value wrapped in the right.
    fn row(&mut self, label: &Cell, value: &Cell) {
        let (label_font, label_size, value_font, value_size) = row_fonts(label, value);
        let value_color = if value.style == Style::Link {
            ACCENT
        } else {
            INK
        };
        let label_bytes = self.encode(&label.text);
        let value_bytes = self.encode(&value.text);
        let labels = wrap(label_font, label_size, &label_bytes, LABEL_WIDTH);
        let values = wrap(value_font, value_size, &value_bytes, VALUE_WIDTH);
        let lines = labels.len().max(values.len());
        let height = lines as f32 * LEADING + 2.0 * ROW_PADDING;
        // A row that fits on a page is never split; a longer one continues line by line.
        if height <= TOP - BOTTOM {
            self.ensure(height);
        }
        self.y -= ROW_PADDING;
        for index in 0..lines {
            self.ensure(LEADING + ROW_PADDING);
            let baseline = self.y - 9.5;
            if let Some(line) = labels.get(index) {
                self.draw(label_font, label_size, MUTED, MARGIN_X, baseline, line);
            }
            if let Some(line) = values.get(index) {
                self.draw(value_font, value_size, value_color, VALUE_X, baseline, line);
            }
            self.y -= LEADING;
        }
        self.y -= ROW_PADDING;
        let y = self.y;
        self.rule(MARGIN_X, MARGIN_X + CONTENT_WIDTH, y, RULE, 0.5);
    }

    /// A table row as a small record: the first cell as its title, the others as rows.
    fn record(&mut self, columns: &[&str], cells: &[Cell]) {
        let Some((first, rest)) = cells.split_first() else {
            return;
        };
        let title = match columns.first() {
            Some(&"#") => format!("#{}", first.text),
            _ => first.text.clone(),
        };
        let (font, size) = match first.style {
            Style::Code => (Font::Courier, 9.5),
            _ => (Font::HelveticaBold, 9.5),
        };
        // A record that fits on a page is kept together.
        let (measured, _) = encode(&title);
        let height = 4.0
            + wrap(font, size, &measured, CONTENT_WIDTH).len() as f32 * (LEADING + 1.0)
            + columns
                .iter()
                .skip(1)
                .zip(rest)
                .map(|(column, cell)| row_height(&Cell::text(column), cell))
                .sum::<f32>();
        self.ensure(height.min(TOP - BOTTOM));
        self.gap(4.0);
        let bytes = self.encode(&title);
        for line in wrap(font, size, &bytes, CONTENT_WIDTH) {
            self.ensure(LEADING);
            let baseline = self.y - 10.0;
            self.draw(font, size, ACCENT, MARGIN_X, baseline, &line);
            self.y -= LEADING + 1.0;
        }
        for (column, cell) in columns.iter().skip(1).zip(rest) {
            self.row(&Cell::text(column), cell);
        }
    }

    /// Closes the last page and adds every page's footer, now that the count is known.
    fn finish(mut self, handoff: &Handoff) -> Vec<String> {
        self.pages.push(std::mem::take(&mut self.page));
        let total = self.pages.len();
        let size = 7.5;
        let head = match &handoff.head {
            Some(hash) => format!(" \u{b7} change set {hash}"),
            None => " \u{b7} not signed yet".to_owned(),
        };
        let (head, _) = encode(&head);
        let (name, _) = encode(&handoff.client);
        let mut pages = Vec::with_capacity(total);
        for (index, mut page) in self.pages.into_iter().enumerate() {
            let (number, _) = encode(&format!("Page {} of {total}", index + 1));
            let number_width = Font::Helvetica.width(&number, size);
            // The hash is kept whole; a long client name is shortened to fit.
            let room = CONTENT_WIDTH - number_width - 16.0 - Font::Helvetica.width(&head, size);
            let mut left = name.clone();
            if Font::Helvetica.width(&left, size) > room {
                while !left.is_empty() && Font::Helvetica.width(&left, size) + 7.5 > room {
                    left.pop();
                }
                left.push(0x85); // "…"
            }
            left.extend_from_slice(&head);
            let mut footer = Layout {
                pages: Vec::new(),
                page: String::new(),
                y: 0.0,
                replaced: 0,
            };
            footer.rule(
                MARGIN_X,
                MARGIN_X + CONTENT_WIDTH,
                FOOTER_Y + 11.0,
                RULE,
                0.5,
            );
            footer.draw(Font::Helvetica, size, MUTED, MARGIN_X, FOOTER_Y, &left);
            let right = MARGIN_X + CONTENT_WIDTH - number_width;
            footer.draw(Font::Helvetica, size, MUTED, right, FOOTER_Y, &number);
            page.push_str(&footer.page);
            pages.push(page);
        }
        pages
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{healthcare, history};

    #[test]
    fn wrap_fits_the_width_and_breaks_long_words() {
        let text = b"the quick brown fox jumps over the lazy dog";
        let lines = wrap(Font::Helvetica, 10.0, text, 100.0);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(Font::Helvetica.width(line, 10.0) <= 100.0);
        }
        assert_eq!(lines.join(&b' '), text.to_vec());

        let lines = wrap(
            Font::Courier,
            10.0,
            b"https://example.com/aaaa/bbbbbbbb",
            120.0,
        );
        assert_eq!(
            lines,
            vec![b"https://example.com/".to_vec(), b"aaaa/bbbbbbbb".to_vec()]
        );

        let hash = [b'a'; 64];
        let lines = wrap(Font::Courier, 10.0, &hash, 100.0);
        assert!(lines
            .iter()
            .all(|line| Font::Courier.width(line, 10.0) <= 100.0));
        assert_eq!(lines.concat(), hash.to_vec());
        assert_eq!(
            wrap(Font::Helvetica, 10.0, b"", 100.0),
            vec![Vec::<u8>::new()]
        );
    }

    #[test]
    fn render_draws_every_section_and_numbers_the_pages() {
        let pdf = render(&Handoff::build(&healthcare(), &history()).expect("builds"));
        let text = String::from_utf8_lossy(&pdf);
        for (number, title) in crate::SECTION_TITLES.iter().enumerate() {
            assert!(
                text.contains(&format!("({}. {title}) Tj", number + 1)),
                "{title}"
            );
        }
        let pages = text.matches("/Type /Page ").count();
        assert!(pages >= 3, "{pages} pages");
        assert!(text.contains(&format!("(Page {pages} of {pages}) Tj")));
        assert!(text.contains(&format!("change set {}", "b".repeat(64))));
        assert!(!text.contains("printed as '?'"));
    }

    #[test]
    fn characters_outside_win_ansi_are_replaced_and_reported() {
        let mut document = healthcare();
        document.tenant.display_name = "Клиника Cedar".to_owned();
        let pdf = render(&Handoff::build(&document, &history()).expect("builds"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("(??????? Cedar) Tj"));
        // Seven letters in the title block and seven in the "Client" row.
        assert!(text.contains("(Note: 14 character\\(s\\) that the PDF's built-in fonts"));
    }
}
