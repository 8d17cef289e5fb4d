//! One self-contained, print-ready HTML page: inline CSS, no script, no external
//! resource, and a Content-Security-Policy that forbids both, so even a value that
//! slipped through escaping could not run or fetch anything. Every value is escaped.

use crate::format;
use crate::model::{Block, Cell, Style};
use crate::Handoff;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light; --ink: #14213d; --muted: #5c677d; --rule: #d9dee7; --accent: #0b6e4f; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 2rem 1.5rem 3rem; font: 10.5pt/1.45 "Helvetica Neue", Helvetica, Arial, sans-serif; color: var(--ink); }
header.cover { border-bottom: 3px solid var(--accent); padding-bottom: 1rem; margin-bottom: 1.5rem; }
.kicker { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-size: 9pt; color: var(--muted); }
h1 { margin: .2rem 0 .6rem; font-size: 22pt; line-height: 1.15; overflow-wrap: anywhere; }
h2 { font-size: 14pt; margin: 0 0 .75rem; padding-bottom: .25rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 11pt; margin: 1.1rem 0 .4rem; }
section { margin-bottom: 2rem; }
table { width: 100%; border-collapse: collapse; margin: .25rem 0 .9rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid var(--rule); overflow-wrap: anywhere; }
thead th { background: #f1f4f8; font-size: 9pt; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
table.fields th { width: 30%; font-weight: 600; }
code { font: 9pt/1.3 "SFMono-Regular", Menlo, Consolas, "Courier New", monospace; overflow-wrap: anywhere; }
p.note { color: var(--muted); margin: .25rem 0 .9rem; }
.meta { color: var(--muted); margin: 0; }
a { color: var(--accent); }
footer { margin-top: 2rem; padding-top: .5rem; border-top: 1px solid var(--rule); color: var(--muted); font-size: 8.5pt; overflow-wrap: anywhere; }
@page { size: A4; margin: 16mm 14mm 18mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  section { break-before: page; margin: 0; }
  h2, h3 { break-after: avoid; }
  tr, p.note { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// `text` as a CSS string literal: everything but letters, digits and spaces as a hex
/// escape, so no value can end the string, the rule or the `<style>` element.
fn css_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == ' ' {
            out.push(c);
        } else {
            out.push_str(&format!("\\{:06x}", u32::from(c)));
        }
    }
    out.push('"');
    out
}

fn cell(cell: &Cell) -> String {
    match cell.style {
        Style::Text => escape(&cell.text),
        Style::Code => format!("<code>{}</code>", escape(&cell.text)),
        Style::Link => format!(
            "<a href=\"{0}\" rel=\"noreferrer noopener\">{0}</a>",
            escape(&cell.text)
        ),
    }
}

pub fn render(handoff: &Handoff) -> String {
    let client = escape(&handoff.client);
    let mut out = String::with_capacity(32 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; base-uri 'none'\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>Client handoff: {client}</title>\n"));
    // Running footer on every printed page, where the browser supports page margin boxes.
    let page_footer = format!(
        "@page {{ @bottom-left {{ content: {}; font-size: 7.5pt; color: #5c677d; }} @bottom-right {{ content: \"Page \" counter(page) \" of \" counter(pages); font-size: 7.5pt; color: #5c677d; }} }}",
        css_string(&handoff.footer())
    );
    out.push_str(&format!(
        "<style>{STYLE}{page_footer}\n</style>\n</head>\n<body>\n"
    ));
    out.push_str("<header class=\"cover\">\n<p class=\"kicker\">Client handoff</p>\n");
    out.push_str(&format!("<h1>{client}</h1>\n"));
    let version = match (&handoff.head, handoff.environment) {
        (Some(head), Some(environment)) => format!(
            "Generated from the signed {} document at change set <code>{}</code>.",
            format::environment(environment),
            escape(head)
        ),
        _ => "Generated from a document that is <strong>not signed yet</strong>.".to_owned(),
    };
    out.push_str(&format!(
        "<p class=\"meta\">Tenant <code>{}</code> (<code>{}</code>). {version}</p>\n</header>\n",
        escape(&handoff.tenant_id),
        escape(&handoff.slug)
    ));
    out.push_str("<main>\n");
    for (number, section) in handoff.sections.iter().enumerate() {
        let id = section.title.to_lowercase().replace(' ', "-");
        out.push_str(&format!(
            "<section id=\"{id}\">\n<h2>{}. {}</h2>\n",
            number + 1,
            escape(section.title)
        ));
        for block in &section.blocks {
            match block {
                Block::Fields(fields) => {
                    out.push_str("<table class=\"fields\">\n<tbody>\n");
                    for (label, value) in fields {
                        out.push_str(&format!(
                            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n",
                            escape(label),
                            cell(value)
                        ));
                    }
                    out.push_str("</tbody>\n</table>\n");
                }
                Block::Table { columns, rows } => {
                    out.push_str("<table>\n<thead><tr>");
                    for column in columns {
                        out.push_str(&format!("<th scope=\"col\">{}</th>", escape(column)));
                    }
                    out.push_str("</tr></thead>\n<tbody>\n");
                    for row in rows {
                        out.push_str("<tr>");
                        for value in row {
                            out.push_str(&format!("<td>{}</td>", cell(value)));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</tbody>\n</table>\n");
                }
                Block::Subheading(text) => out.push_str(&format!("<h3>{}</h3>\n", escape(text))),
                Block::Note(text) => {
                    out.push_str(&format!("<p class=\"note\">{}</p>\n", escape(text)))
                }
            }
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n");
    out.push_str(&format!(
        "<footer>{}</footer>\n</body>\n</html>\n",
        escape(&handoff.footer())
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{healthcare, history};
    use crate::SECTION_TITLES;

    #[test]
    fn escape_covers_content_and_attributes() {
        assert_eq!(
            escape(r#"<a href="x" onclick='y'>&"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;"
        );
    }

    #[test]
    fn css_strings_cannot_break_out() {
        assert_eq!(css_string("a b"), "\"a b\"");
        let hostile = css_string("\"; } </style><script>");
        assert!(
            !hostile[1..hostile.len() - 1].contains(['"', '<', '}', ';']),
            "{hostile}"
        );
        assert!(hostile.starts_with("\"\\000022"));
    }

    #[test]
    fn render_is_one_self_contained_printable_page() {
        let html = render(&Handoff::build(&healthcare(), &history()).expect("builds"));
        assert!(html.starts_with("<!DOCTYPE html>"));
        for (number, title) in SECTION_TITLES.iter().enumerate() {
            assert!(
                html.contains(&format!("<h2>{}. {title}</h2>", number + 1)),
                "{title}"
            );
        }
        assert!(html.contains("@media print"));
        assert!(html.contains("section { break-before: page;"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("src="));
        assert!(!html.contains("<link"));
        assert!(html.contains(
            "<a href=\"https://docs.platform.example/clients/cedar-valley-health\" rel=\"noreferrer noopener\">"
        ));
    }

    #[test]
    fn hostile_values_are_escaped_and_never_links() {
        let mut document = healthcare();
        document.tenant.display_name = "<img src=x onerror=alert(1)>".to_owned();
        document.handoff.configuration_doc = Some("javascript:alert(1)".to_owned());
        document.overrides[0].documentation =
            "https://x.example/\"><script>alert(1)</script>".to_owned();
        let html = render(&Handoff::build(&document, &history()).expect("builds"));
        assert!(!html.contains("<img"), "unescaped name");
        assert!(html.contains("<h1>&lt;img src=x onerror=alert(1)&gt;</h1>"));
        assert!(html.contains("<title>Client handoff: &lt;img src=x onerror=alert(1)&gt;</title>"));
        assert!(!html.contains("href=\"javascript:"));
        assert!(!html.contains("<script"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}
