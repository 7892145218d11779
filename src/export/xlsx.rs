//! Excel workbook (`.xlsx`), written with `rust_xlsxwriter`: one sheet, "Annotations", with
//! the CSV export's columns (so the `coder` column tells coders apart), one row per annotation.
//!
//! Cells are typed: `start` and `end` are numbers, `created` and `modified` are date-times (in
//! UTC, shown as `yyyy-mm-ddThh:mm:ssZ`, so they read as in the CSV), everything else is text.
//! Text cells are stored as text, never as formulas, so unlike the CSV they keep a leading
//! `=`, `+`, `-` or `@` as it is. The header row is bold, frozen and has filters. The
//! document's variables are the last columns (`var:NAME`): numbers as numbers, dates as dates.
//!
//! A carriage return in a cell (a CRLF line end of the document, in a quote or its context) is
//! written as the XML character reference `&#13;`, which every reader (Excel, LibreOffice,
//! openpyxl, pandas, calamine) reads back as a carriage return; see [`carriage_returns_kept`].
//!
//! Not carried: text past Excel's 32,767 characters in one cell (it is cut, and the export
//! says how many cells were); more than 1,048,575 annotations (refused: split the export).

use std::io::Write;

use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook, XlsxError};

use crate::corpus::Corpus;
use crate::error::{Error, ErrorKind};
use crate::export::csv::header;
use crate::export::{Ticker, attribute_ids, document_rows, variable_columns, variable_values};

/// The sheet's name.
pub const SHEET: &str = "Annotations";
/// Excel's limit on the characters of one cell.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Excel's limit on rows (the header takes one).
pub const MAX_ROWS: usize = 1_048_576;
/// How date-times are shown: as the CSV writes them.
pub const DATE_FORMAT: &str = "yyyy-mm-dd\"T\"hh:mm:ss\"Z\"";

fn fail(e: XlsxError) -> Error {
    Error::new(ErrorKind::Io, format!("cannot write the workbook: {e}"))
}

/// An RFC 3339 time as an Excel date-time in UTC, or `None` when it does not parse.
pub fn excel_time(rfc3339: &str) -> Option<ExcelDateTime> {
    let t = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339).ok()?;
    let t = t.to_offset(time::UtcOffset::UTC);
    let seconds = f64::from(t.second()) + f64::from(t.nanosecond()) / 1e9;
    ExcelDateTime::from_ymd(u16::try_from(t.year()).ok()?, u8::from(t.month()), t.day())
        .ok()?
        .and_hms(u16::from(t.hour()), t.minute(), seconds)
        .ok()
}

/// The document's variables from column `col` on: numbers as numbers, dates as dates (`day`'s
/// format), anything else as text.
fn variable_cells(
    sheet: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    mut col: u16,
    vars: &crate::vars::Variables,
    values: &[&str],
    day: &CellFormat,
    cut: &mut usize,
) -> Result<(), XlsxError> {
    use crate::vars::{Kind, parse_date, parse_number};
    for (v, value) in vars.variables.iter().zip(values) {
        match (v.kind, parse_number(value), parse_date(value)) {
            (Kind::Number, Some(n), _) => {
                sheet.write_number(row, col, n)?;
            }
            (Kind::Date, _, Some(d)) => {
                let dt = ExcelDateTime::from_ymd(u16::try_from(d.year()).unwrap_or(1900), u8::from(d.month()), d.day())?;
                sheet.write_datetime_with_format(row, col, &dt, day)?;
            }
            _ if value.is_empty() => {}
            _ => {
                sheet.write_string(row, col, cell_text(value, cut))?;
            }
        }
        col += 1;
    }
    Ok(())
}

/// Text for one cell: cut at Excel's limit (counted in UTF-16 units, as Excel counts).
fn cell_text(s: &str, cut: &mut usize) -> String {
    if s.encode_utf16().count() <= MAX_CELL_CHARS {
        return s.to_owned();
    }
    *cut += 1;
    let mut units = 0;
    s.chars()
        .take_while(|c| {
            units += c.len_utf16();
            units <= MAX_CELL_CHARS
        })
        .collect()
}

/// Writes the workbook to `out`. Returns notes on what was cut.
pub fn write<P: FnMut(usize, usize) -> bool>(
    corpus: &Corpus,
    out: &mut dyn Write,
    ticker: &mut Ticker<P>,
) -> Result<Vec<String>, Error> {
    if ticker.total() + 1 > MAX_ROWS {
        return Err(Error::usage(format!(
            "{} annotations do not fit in one sheet ({} rows at most)",
            ticker.total(),
            MAX_ROWS - 1
        ))
        .hint("export a smaller folder, or use --format csv"));
    }
    let attributes = attribute_ids(corpus);
    let mut columns = header(&attributes);
    columns.extend(variable_columns(corpus));
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET).map_err(fail)?;
    let bold = CellFormat::new().set_bold();
    let date = CellFormat::new().set_num_format(DATE_FORMAT);
    let day = CellFormat::new().set_num_format("yyyy-mm-dd");
    for (c, h) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold).map_err(fail)?;
    }
    let mut cut = 0usize;
    let mut row: u32 = 0;
    for (i, d) in corpus.documents.iter().enumerate() {
        let values = variable_values(corpus, d);
        for r in document_rows(corpus, i, d) {
            row += 1;
            let a = r.annotation;
            let mut col: u16 = 0;
            let mut text = |sheet: &mut rust_xlsxwriter::Worksheet, col: &mut u16, s: &str| -> Result<(), Error> {
                if !s.is_empty() {
                    sheet.write_string(row, *col, cell_text(s, &mut cut)).map_err(fail)?;
                }
                *col += 1;
                Ok(())
            };
            for cell in [r.document.as_str(), &r.coder, &a.code, &r.code_name, &r.code_group] {
                text(sheet, &mut col, cell)?;
            }
            for n in [r.span.map(|s| s.start), r.span.map(|s| s.end)] {
                if let Some(n) = n {
                    sheet.write_number(row, col, n as f64).map_err(fail)?;
                }
                col += 1;
            }
            for cell in [&a.exact, &a.prefix, &a.suffix, &a.note] {
                text(sheet, &mut col, cell)?;
            }
            for id in &attributes {
                text(sheet, &mut col, a.attributes.get(id).map_or("", String::as_str))?;
            }
            text(sheet, &mut col, a.status.label())?;
            for t in [&a.created, &a.modified] {
                match excel_time(t) {
                    Some(dt) => {
                        sheet.write_datetime_with_format(row, col, &dt, &date).map_err(fail)?;
                        col += 1;
                    }
                    None => text(sheet, &mut col, t)?,
                }
            }
            text(sheet, &mut col, &a.id.to_string())?;
            text(sheet, &mut col, &crate::export::outgoing_links_cell(&r))?;
            variable_cells(sheet, row, col, &corpus.variables, &values, &day, &mut cut).map_err(fail)?;
            ticker.annotation()?;
        }
        ticker.report()?;
    }
    let last_col = (columns.len() - 1) as u16;
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    sheet.autofilter(0, 0, row, last_col).map_err(fail)?;
    sheet.set_column_width(7, 40).map_err(fail)?;
    sheet.set_column_width(10, 30).map_err(fail)?;
    let bytes = carriage_returns_kept(workbook.save_to_buffer().map_err(fail)?)?;
    out.write_all(&bytes).map_err(|e| Error::new(ErrorKind::Io, format!("cannot write the workbook: {e}")))?;
    let mut notes = Vec::new();
    if cut > 0 {
        notes.push(format!(
            "{cut} cell(s) held more than Excel's {MAX_CELL_CHARS} characters and were cut; the CSV and JSON lines exports keep them whole"
        ));
    }
    Ok(notes)
}

/// The workbook's shared strings, where the text of the cells is.
const SHARED_STRINGS: &str = "xl/sharedStrings.xml";

/// The workbook with each carriage return in a cell written as `&#13;`. rust_xlsxwriter
/// writes one as Excel's own escape, `_x000D_`, which Excel and calamine decode but openpyxl
/// (and so pandas) shows as those seven characters; a character reference is decoded by every
/// XML reader (a raw carriage return would be read as a line feed). Text that itself looks
/// like `_x000D_` is written by rust_xlsxwriter as `_x005F_x000D_` and stays as it is. A
/// workbook without carriage returns is returned unchanged.
pub fn carriage_returns_kept(book: Vec<u8>) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let broken = |e: &dyn std::fmt::Display| Error::new(ErrorKind::Io, format!("cannot write the workbook: {e}"));
    let strings = {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(book.as_slice())).map_err(|e| broken(&e))?;
        let mut strings = String::new();
        match archive.by_name(SHARED_STRINGS) {
            Ok(mut f) => f.read_to_string(&mut strings).map_err(|e| broken(&e))?,
            Err(_) => 0,
        };
        strings
    };
    if !strings.contains("_x000D_") {
        return Ok(book);
    }
    // A cell's text is what it holds, white space included: read as it is (a reader trims a
    // `<t>` without `xml:space="preserve"`, which would drop a carriage return that starts it).
    let strings = decode_carriage_returns(&strings).replace("<t>", "<t xml:space=\"preserve\">");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(book.as_slice())).map_err(|e| broken(&e))?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(book.len())));
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| broken(&e))?;
        if entry.name() == SHARED_STRINGS {
            drop(entry);
            let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            out.start_file(SHARED_STRINGS, options).map_err(|e| broken(&e))?;
            out.write_all(strings.as_bytes()).map_err(|e| broken(&e))?;
        } else {
            out.raw_copy_file(entry).map_err(|e| broken(&e))?;
        }
    }
    Ok(out.finish().map_err(|e| broken(&e))?.into_inner())
}

/// `xml` with Excel's `_x000D_` escapes written as `&#13;`, read from left to right as Excel
/// reads escapes (so the `_x000D_` in `_x005F_x000D_`, an escaped underscore and then text, is
/// left alone).
fn decode_carriage_returns(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(at) = rest.find("_x") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let escape = rest.as_bytes().get(..7).filter(|e| e[6] == b'_' && e[2..6].iter().all(u8::is_ascii_hexdigit));
        match escape {
            Some(e) if e[2..6].eq_ignore_ascii_case(b"000D") => out.push_str("&#13;"),
            Some(_) => out.push_str(&rest[..7]),
            None => {
                out.push_str("_x");
                rest = &rest[2..];
                continue;
            }
        }
        rest = &rest[7..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carriage_return_escapes_become_character_references_and_typed_escapes_stay() {
        assert_eq!(decode_carriage_returns("<t>a_x000D_\nb</t>"), "<t>a&#13;\nb</t>");
        assert_eq!(decode_carriage_returns("<t>_x005F_x000D_</t>"), "<t>_x005F_x000D_</t>");
        assert_eq!(decode_carriage_returns("_x_x000d__x0009_"), "_x&#13;_x0009_");
        assert_eq!(decode_carriage_returns("é_x000D"), "é_x000D");
    }
}
