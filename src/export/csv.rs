//! CSV: one row per annotation, UTF-8, RFC 4180 quoting by the `csv` crate, CRLF line ends.
//!
//! Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or
//! a carriage return) get a leading `'`, so opening the file never runs anything. Those cells
//! then differ from the text by that one character; the JSON lines export keeps the exact text.
//! Then `links` lists the links that start at the annotation as `TYPE:TARGET-ID; …`.
//!
//! The document's variables follow as the last columns, `var:NAME` each.

use crate::corpus::Corpus;
use crate::error::{Error, ErrorKind};
use std::io::Write;

use crate::export::{Options, Ticker, attribute_ids, document_rows, outgoing_links_cell, variable_columns, variable_values};

/// The fixed columns before the attribute columns.
pub const LEADING_COLUMNS: [&str; 11] =
    ["document", "coder", "code", "code_name", "code_group", "start", "end", "exact", "prefix", "suffix", "note"];
/// The fixed columns after the attribute columns.
/// `links`: the links that start at the annotation (see [`crate::export::outgoing_links_cell`]).
pub const TRAILING_COLUMNS: [&str; 5] = ["status", "created", "modified", "id", "links"];

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

/// Writes the CSV to `out`, one row per annotation as it goes.
pub fn write<P: FnMut(usize, usize) -> bool>(
    corpus: &Corpus,
    options: &Options,
    out: &mut dyn Write,
    ticker: &mut Ticker<P>,
) -> Result<(), Error> {
    let attributes = attribute_ids(corpus);
    let fail = |e: csv::Error| Error::new(ErrorKind::Io, format!("cannot write the CSV: {e}"));
    if options.excel {
        out.write_all(BOM).map_err(|e| fail(e.into()))?;
    }
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    let mut columns = header(&attributes);
    columns.extend(variable_columns(corpus));
    w.write_record(columns.iter().map(|h| neutralise(h).into_owned())).map_err(fail)?;
    let numbers: Vec<bool> = corpus.variables.variables.iter().map(|v| v.kind == crate::vars::Kind::Number).collect();
    for (i, d) in corpus.documents.iter().enumerate() {
        let values = variable_values(corpus, d);
        for r in document_rows(corpus, i, d) {
            let a = r.annotation;
            let fixed = [r.document.as_str(), &r.coder, &a.code, &r.code_name, &r.code_group];
            for cell in fixed {
                w.write_field(neutralise(cell).as_bytes()).map_err(fail)?;
            }
            match r.span {
                Some(span) => {
                    w.write_field(span.start.to_string()).map_err(fail)?;
                    w.write_field(span.end.to_string()).map_err(fail)?;
                }
                None => {
                    w.write_field("").map_err(fail)?;
                    w.write_field("").map_err(fail)?;
                }
            }
            for cell in [&a.exact, &a.prefix, &a.suffix, &a.note] {
                w.write_field(neutralise(cell).as_bytes()).map_err(fail)?;
            }
            for id in &attributes {
                w.write_field(neutralise(a.attributes.get(id).map_or("", String::as_str)).as_bytes()).map_err(fail)?;
            }
            let id = a.id.to_string();
            let links = outgoing_links_cell(&r);
            for cell in [a.status.label(), &a.created, &a.modified, &id, &links] {
                w.write_field(neutralise(cell).as_bytes()).map_err(fail)?;
            }
            // Numbers stay numbers: "-3" is a value, not a formula.
            for (value, &number) in values.iter().zip(&numbers) {
                let cell = if number { (*value).into() } else { neutralise(value) };
                w.write_field(cell.as_bytes()).map_err(fail)?;
            }
            w.write_record(None::<&[u8]>).map_err(fail)?;
            ticker.annotation()?;
        }
        ticker.report()?;
    }
    w.flush().map_err(|e| fail(e.into()))
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
