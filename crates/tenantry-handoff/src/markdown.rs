//! GitHub-flavoured Markdown. Every value from the document is escaped, so a client
//! name such as `<img src=x onerror=alert(1)>` or `*bold* | broken` reads as typed
//! and cannot add markup, links or table columns.

use crate::format;
use crate::model::{Block, Cell, Style};
use crate::Handoff;

/// Escapes Markdown's inline syntax (and HTML, which GFM passes through), and the
/// block markers that only count at the start of a line.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    if text.starts_with(['#', '-', '+', '=']) {
        out.push('\\');
    }
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A code span long enough not to be closed by backticks inside `text`; pipes are
/// escaped because GFM splits table cells before it reads code spans.
fn code(text: &str) -> String {
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    let padded = if text.starts_with('`') || text.ends_with('`') {
        format!(" {text} ")
    } else {
        text.to_owned()
    };
    format!("{fence}{}{fence}", padded.replace('|', "\\|"))
}

fn cell(cell: &Cell) -> String {
    match cell.style {
        Style::Text => escape(&cell.text),
        Style::Code => code(&cell.text),
        // `is_web_link` excludes whitespace, quotes and angle brackets, so the
        // autolink cannot be closed early.
        Style::Link => format!("<{}>", cell.text.replace('|', "%7C")),
    }
}

fn table(out: &mut String, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out.push('\n');
}

pub fn render(handoff: &Handoff) -> String {
    let mut out = format!("# Client handoff: {}\n\n", escape(&handoff.client));
    let version = match (&handoff.head, handoff.environment) {
        (Some(head), Some(environment)) => format!(
            "Generated from the signed {} document at change set {}.",
            format::environment(environment),
            code(head)
        ),
        _ => "Generated from a document that is not signed yet.".to_owned(),
    };
    out.push_str(&format!(
        "Tenant {} ({}). {version}\n\n",
        code(&handoff.tenant_id),
        code(&handoff.slug)
    ));
    for (number, section) in handoff.sections.iter().enumerate() {
        out.push_str(&format!("## {}. {}\n\n", number + 1, section.title));
        for block in &section.blocks {
            match block {
                Block::Fields(fields) => table(
                    &mut out,
                    &["Setting", "Value"],
                    fields
                        .iter()
                        .map(|(label, value)| vec![escape(label), cell(value)]),
                ),
                Block::Table { columns, rows } => table(
                    &mut out,
                    columns,
                    rows.iter().map(|row| row.iter().map(cell).collect()),
                ),
                Block::Subheading(text) => out.push_str(&format!("### {}\n\n", escape(text))),
                Block::Note(text) => out.push_str(&format!("{}\n\n", escape(text))),
            }
        }
    }
    out.push_str(&format!("---\n\n{}\n", escape(&handoff.footer())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{healthcare, history};
    use crate::SECTION_TITLES;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(escape("a|b *c* [d](e)"), "a\\|b \\*c\\* \\[d\\](e)");
        assert_eq!(code("a`b|c"), "``a`b\\|c``");
        assert_eq!(escape("# not a heading #2"), "\\# not a heading #2");
    }

    #[test]
    fn render_has_every_section_and_a_table_per_list() {
        let handoff = Handoff::build(&healthcare(), &history()).expect("builds");
        let markdown = render(&handoff);
        assert!(markdown.starts_with("# Client handoff: Cedar Valley Health\n"));
        for (number, title) in SECTION_TITLES.iter().enumerate() {
            assert!(
                markdown.contains(&format!("\n## {}. {title}\n", number + 1)),
                "{title}"
            );
        }
        assert!(markdown.contains("| Vendor | Purpose | Secret reference | State |"));
        assert!(markdown
            .contains("`secret://tenants/01a10b56-13e8-7592-9beb-ccfda2ed045a/medpay/api-key`"));
        assert!(markdown.contains("<https://docs.platform.example/clients/cedar-valley-health>"));
    }

    #[test]
    fn a_hostile_name_cannot_add_markup_or_columns() {
        let mut document = healthcare();
        document.tenant.display_name = "<img src=x onerror=alert(1)> | *x*".to_owned();
        let markdown = render(&Handoff::build(&document, &history()).expect("builds"));
        assert!(!markdown.contains("<img"));
        assert!(markdown.contains("| Client | &lt;img src=x onerror=alert(1)&gt; \\| \\*x\\* |"));
    }
}
