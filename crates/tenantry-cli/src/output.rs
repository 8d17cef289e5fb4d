//! Everything the CLI writes: results to stdout, errors to stderr.

use std::io::Write;
use std::process::ExitCode;

/// Prints `error: …` to stderr and returns the failure exit code.
pub fn fail(message: &str) -> ExitCode {
    let mut stderr = std::io::stderr().lock();
    // Nothing sensible is left to do if stderr itself is gone.
    let _ = writeln!(stderr, "error: {message}");
    ExitCode::FAILURE
}

pub fn line(text: &str) -> Result<(), String> {
    write_stdout(&format!("{text}\n"))
}

pub fn json<T: serde::Serialize>(value: &T) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|error| format!("could not encode JSON: {error}"))?;
    write_stdout(&format!("{text}\n"))
}

/// Text exactly as given (it carries its own line breaks).
pub fn text(text: &str) -> Result<(), String> {
    write_stdout(text)
}

/// Left-aligned columns two spaces apart, widths counted in characters.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> Result<(), String> {
    write_stdout(&format_table(header, rows, ""))
}

/// [`table`] as text, each line starting with `indent`.
pub fn format_table(header: &[&str], rows: Vec<Vec<String>>, indent: &str) -> String {
    let mut widths: Vec<usize> = header.iter().map(|title| title.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header = header.iter().map(|title| (*title).to_owned()).collect();
    let mut text = String::new();
    for row in std::iter::once(header).chain(rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        text.push_str(indent);
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

fn write_stdout(text: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        // `tenantry drafts list | head` closing the pipe early is not an error.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|error| format!("could not write the output: {error}")),
    }
}
