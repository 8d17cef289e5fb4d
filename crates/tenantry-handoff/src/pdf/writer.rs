//! Assembles a PDF 1.4 file from finished page content streams: catalog, page tree,
//! the three base-14 fonts, an info dictionary, and a cross-reference table whose
//! offsets are the exact byte positions of the objects (readers rely on them).

use super::metrics::Font;

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;

const FONTS: [Font; 3] = [Font::Helvetica, Font::HelveticaBold, Font::Courier];

/// A PDF literal string `( … )` of WinAnsi bytes: the delimiters and backslash escaped,
/// everything outside printable ASCII as an octal escape, so the file stays 7-bit.
pub fn literal(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('(');
    for &byte in bytes {
        match byte {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(char::from(byte));
            }
            0x20..=0x7e => out.push(char::from(byte)),
            _ => out.push_str(&format!("\\{byte:03o}")),
        }
    }
    out.push(')');
    out
}

/// A text string in UTF-16BE with a byte-order mark (for the info dictionary, which
/// readers show in their title bar: any character, not only WinAnsi).
pub fn utf16_hex(text: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in text.encode_utf16() {
        out.push_str(&format!("{unit:04X}"));
    }
    out.push('>');
    out
}

/// The whole file: `pages` are content streams (one per page), `title` goes into the
/// document information.
pub fn assemble(pages: &[String], title: &str) -> Vec<u8> {
    // Object numbers: 1 catalog, 2 page tree, 3–5 fonts, 6 info, then per page its
    // page object and its content stream.
    let first_page = 7;
    let page_ids: Vec<usize> = (0..pages.len()).map(|i| first_page + 2 * i).collect();
    let mut objects: Vec<Vec<u8>> = Vec::with_capacity(6 + 2 * pages.len());
    objects.push(
        b"<< /Type /Catalog /Pages 2 0 R /ViewerPreferences << /DisplayDocTitle true >> >>"
            .to_vec(),
    );
    let kids: Vec<String> = page_ids.iter().map(|id| format!("{id} 0 R")).collect();
    objects.push(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} /MediaBox [0 0 {PAGE_WIDTH:.2} {PAGE_HEIGHT:.2}] >>",
            kids.join(" "),
            pages.len()
        )
        .into_bytes(),
    );
    for font in FONTS {
        objects.push(
            format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>",
                font.base_font()
            )
            .into_bytes(),
        );
    }
    objects.push(
        format!(
            "<< /Title {} /Subject (Client handoff documentation) /Producer (Tenantry) /Creator (Tenantry) >>",
            utf16_hex(title)
        )
        .into_bytes(),
    );
    let font_resources: Vec<String> = FONTS
        .iter()
        .enumerate()
        .map(|(index, font)| format!("/{} {} 0 R", font.resource(), 3 + index))
        .collect();
    for (index, content) in pages.iter().enumerate() {
        let contents_id = page_ids[index] + 1;
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /Resources << /Font << {} >> >> /Contents {contents_id} 0 R >>",
                font_resources.join(" ")
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(content.as_bytes());
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }

    // A binary-marker comment after the header tells transfer tools the file is binary.
    let mut file: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (index, body) in objects.iter().enumerate() {
        offsets.push(file.len());
        file.extend_from_slice(format!("{} 0 obj\n", index + 1).as_bytes());
        file.extend_from_slice(body);
        file.extend_from_slice(b"\nendobj\n");
    }
    let xref = file.len();
    // Each entry is exactly 20 bytes: 10-digit offset, 5-digit generation, type, " \n".
    file.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        file.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    file.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_escapes_delimiters_and_non_ascii() {
        assert_eq!(literal(b"a(b)c\\d"), "(a\\(b\\)c\\\\d)");
        assert_eq!(literal(b"caf\xe9\n"), "(caf\\351\\012)");
    }

    #[test]
    fn utf16_hex_keeps_any_character() {
        assert_eq!(utf16_hex("A€"), "<FEFF004120AC>");
        assert_eq!(utf16_hex("😀"), "<FEFFD83DDE00>");
    }

    #[test]
    fn assemble_writes_exact_xref_offsets() {
        let pages = vec!["BT ET".to_owned(), "BT ET".to_owned()];
        let file = assemble(&pages, "T");
        assert!(file.starts_with(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n"));
        // After the 15-byte header the file is 7-bit text; index it by byte position.
        const HEADER: usize = 15;
        let text = std::str::from_utf8(&file[HEADER..]).expect("ASCII after the header");
        let at = |offset: usize| &text[offset - HEADER..];
        assert!(text.ends_with("%%EOF\n"));
        let startxref: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|rest| rest.lines().next())
            .and_then(|line| line.parse().ok())
            .expect("startxref");
        assert!(at(startxref).starts_with("xref\n0 11\n0000000000 65535 f \n"));
        // Every in-use entry points at "N 0 obj" for its own N.
        let entries: Vec<&str> = at(startxref).split('\n').skip(3).take(10).collect();
        for (index, entry) in entries.iter().enumerate() {
            assert_eq!(
                entry.len(),
                19,
                "entry {entry:?} (20 bytes with its newline)"
            );
            let offset: usize = entry[..10].parse().expect("offset");
            assert!(
                at(offset).starts_with(&format!("{} 0 obj\n", index + 1)),
                "object {}",
                index + 1
            );
        }
        assert!(text.contains("/Count 2"));
        assert!(text.contains("/BaseFont /Courier /Encoding /WinAnsiEncoding"));
    }
}
