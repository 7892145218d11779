//! CSV: one row per annotation, UTF-8, RFC 4180 quoting by the `csv` crate, CRLF line ends.
//!
//! Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or
//! a carriage return) get a leading `'`, so opening the file never runs anything. Those cells
//! then differ from the text by that one character; the JSON lines export keeps the exact text.

use crate::corpus::Corpus;
use crate::error::{Error, ErrorKind};
use crate::export::{Options, attribute_ids, document_rows, tick};

/// The fixed columns before the attribute columns.
pub const LEADING_COLUMNS: [&str; 11] =
    ["document", "coder", "code", "code_name", "code_group", "start", "end", "exact", "prefix", "suffix", "note"];
/// The fixed columns after the attribute columns.
pub const TRAILING_COLUMNS: [&str; 4] = ["status", "created", "modified", "id"];

/// UTF-8 byte-order mark written first with `--excel`.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Makes a cell safe to open in a spreadsheet: a cell that starts like a formula gets a `'`.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// The header: fixed columns, then `attr:<id>` for each attribute id in the corpus.
pub fn header(attributes: &[String]) -> Vec<String> {
    LEADING_COLUMNS
        .iter()
        .map(|s| (*s).to_owned())
        .chain(attributes.iter().map(|a| format!("attr:{a}")))
        .chain(TRAILING_COLUMNS.iter().map(|s| (*s).to_owned()))
        .collect()
}

pub fn render(corpus: &Corpus, options: &Options, progress: &dyn Fn(usize, usize) -> bool) -> Result<Vec<u8>, Error> {
    let attributes = attribute_ids(corpus);
    let mut buf = Vec::new();
    if options.excel {
        buf.extend_from_slice(BOM);
    }
    let fail = |e: csv::Error| Error::new(ErrorKind::Format, format!("cannot write the CSV: {e}"));
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(buf);
    w.write_record(header(&attributes).iter().map(|h| neutralise(h).into_owned())).map_err(fail)?;
    let total = corpus.documents.len();
    for (i, d) in corpus.documents.iter().enumerate() {
        for r in document_rows(corpus, i, d) {
            let a = r.annotation;
            let (start, end) = r.span.map(|s| (s.start.to_string(), s.end.to_string())).unwrap_or_default();
            let mut cells: Vec<String> = vec![
                r.document.clone(),
                r.coder.clone(),
                a.code.clone(),
                r.code_name.clone(),
                r.code_group.clone(),
                start,
                end,
                a.exact.clone(),
                a.prefix.clone(),
                a.suffix.clone(),
                a.note.clone(),
            ];
            cells.extend(attributes.iter().map(|id| a.attributes.get(id).cloned().unwrap_or_default()));
            cells.extend([a.status.label().to_owned(), a.created.clone(), a.modified.clone(), a.id.to_string()]);
            w.write_record(cells.iter().map(|c| neutralise(c).into_owned())).map_err(fail)?;
        }
        tick(progress, i + 1, total)?;
    }
    w.into_inner().map_err(|e| Error::new(ErrorKind::Format, format!("cannot write the CSV: {}", e.error())))
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        assert_eq!(neutralise("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(neutralise("-12"), "'-12");
        assert_eq!(neutralise("@me"), "'@me");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("plain – text"), "plain – text");
        assert_eq!(neutralise(""), "");
    }
}
