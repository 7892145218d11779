//! Retrieved passages ([`Passage`], what `marginalia retrieve` and the app's Retrieve window
//! list) as a file: CSV (the JSON fields as columns, formula-like cells neutralised as in the
//! annotation CSV), JSON, an Excel workbook (typed cells: positions as numbers, text never a
//! formula) and a self-contained HTML table (every piece of text escaped).

use std::io::Write;

use quick_xml::escape::escape;
use rust_xlsxwriter::{Format as CellFormat, Workbook};

use super::Passage;
use crate::error::{Error, ErrorKind};
use crate::export::csv::neutralise;
use crate::export::xlsx::MAX_CELL_CHARS;

/// The columns, in the order of the JSON fields.
pub const COLUMNS: [&str; 9] = ["document", "coder", "code", "code_name", "start", "end", "exact", "note", "id"];

/// The file formats passages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PassageFormat {
    Csv,
    Json,
    Xlsx,
    Html,
}

impl PassageFormat {
    pub const ALL: [PassageFormat; 4] = [PassageFormat::Csv, PassageFormat::Json, PassageFormat::Xlsx, PassageFormat::Html];

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            PassageFormat::Csv => "csv",
            PassageFormat::Json => "json",
            PassageFormat::Xlsx => "xlsx",
            PassageFormat::Html => "html",
        }
    }

    /// The name people know the format by.
    pub fn label(self) -> &'static str {
        match self {
            PassageFormat::Csv => "CSV",
            PassageFormat::Json => "JSON",
            PassageFormat::Xlsx => "Excel",
            PassageFormat::Html => "HTML",
        }
    }
}

/// CSV with a header row, CRLF line ends.
pub fn write_csv(passages: &[Passage], out: &mut dyn Write) -> std::io::Result<()> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    w.write_record(COLUMNS)?;
    let num = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_default();
    for p in passages {
        w.write_record([
            neutralise(&p.document).as_ref(),
            &neutralise(&p.coder),
            &neutralise(&p.code),
            &neutralise(&p.code_name),
            &num(p.start),
            &num(p.end),
            &neutralise(&p.exact),
            &neutralise(&p.note),
            &p.id,
        ])?;
    }
    w.flush()
}

/// A JSON array of objects with the [`COLUMNS`] as fields (orphans' positions are null).
pub fn write_json(passages: &[Passage], out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, passages)?;
    writeln!(out)
}

/// An Excel workbook with one sheet, "Passages": a bold, frozen header with filters, positions
/// as numbers, everything else as text (cut at Excel's limit on one cell).
pub fn xlsx_bytes(passages: &[Passage]) -> Result<Vec<u8>, Error> {
    let fail = |e: rust_xlsxwriter::XlsxError| Error::new(ErrorKind::Io, format!("cannot write the workbook: {e}"));
    if passages.len() >= crate::export::xlsx::MAX_ROWS {
        return Err(Error::usage(format!("{} passages are more than one Excel sheet holds", passages.len()))
            .hint("narrow the query, or write CSV"));
    }
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Passages").map_err(fail)?;
    let bold = CellFormat::new().set_bold();
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &bold).map_err(fail)?;
    }
    let cut =
        |s: &str| -> String { if s.len() > MAX_CELL_CHARS { s.chars().take(MAX_CELL_CHARS).collect() } else { s.to_owned() } };
    for (i, p) in passages.iter().enumerate() {
        let r = i as u32 + 1;
        for (c, text) in
            [(0, &p.document), (1, &p.coder), (2, &p.code), (3, &p.code_name), (6, &p.exact), (7, &p.note), (8, &p.id)]
        {
            sheet.write_string(r, c, cut(text)).map_err(fail)?;
        }
        for (c, n) in [(4, p.start), (5, p.end)] {
            if let Some(n) = n {
                sheet.write_number(r, c, n as f64).map_err(fail)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    sheet.autofilter(0, 0, passages.len() as u32, COLUMNS.len() as u16 - 1).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

/// A self-contained HTML page: `title`, how many passages in how many documents, and a table
/// of them (an orphan's place reads "orphaned").
pub fn html(passages: &[Passage], title: &str) -> String {
    use std::fmt::Write as _;
    let documents = passages.iter().map(|p| &p.document).collect::<std::collections::HashSet<_>>().len();
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n<style>\n\
         body {{ font-family: Georgia, serif; margin: 2em; color: #111; }}\n\
         table {{ border-collapse: collapse; width: 100%; font-size: 0.95em; }}\n\
         th, td {{ border: 1px solid #999; padding: 0.2em 0.4em; vertical-align: top; text-align: left; }}\n\
         .orphan {{ color: #8a0000; }}\n</style>\n</head>\n<body>\n<h1>{t}</h1>\n<p>{} passage(s) in {documents} document(s)</p>\n\
         <table>\n<thead><tr><th>Document</th><th>Coder</th><th>Code</th><th>Place</th><th>Passage</th><th>Note</th></tr></thead>\n<tbody>\n",
        passages.len(),
        t = escape(title),
    );
    for p in passages {
        let place = match (p.start, p.end) {
            (Some(a), Some(b)) => format!("{a}&#8211;{b}"),
            _ => "<span class=\"orphan\">orphaned</span>".to_owned(),
        };
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{place}</td><td>{}</td><td>{}</td></tr>",
            escape(&p.document),
            escape(&p.coder),
            escape(&p.code_name),
            escape(&p.exact),
            escape(&p.note)
        );
    }
    s.push_str("</tbody>\n</table>\n</body>\n</html>\n");
    s
}

/// The passages as the bytes of a file in `format`; `title` heads the HTML page.
pub fn to_bytes(passages: &[Passage], format: PassageFormat, title: &str) -> Result<Vec<u8>, Error> {
    let written = |r: std::io::Result<()>| r.map_err(|e| Error::new(ErrorKind::Io, format!("cannot write the passages: {e}")));
    let mut out = Vec::new();
    match format {
        PassageFormat::Csv => written(write_csv(passages, &mut out))?,
        PassageFormat::Json => written(write_json(passages, &mut out))?,
        PassageFormat::Xlsx => out = xlsx_bytes(passages)?,
        PassageFormat::Html => out = html(passages, title).into_bytes(),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passage(document: &str, exact: &str, start: Option<usize>) -> Passage {
        Passage {
            document: document.into(),
            coder: "ana".into(),
            code: "demand".into(),
            code_name: "Demand".into(),
            start,
            end: start.map(|s| s + exact.chars().count()),
            exact: exact.into(),
            note: "=SUM(A1)".into(),
            id: "00000000-0000-0000-0000-000000000001".into(),
        }
    }

    #[test]
    fn every_format_carries_every_passage_and_escapes_what_it_must() {
        let ps = vec![passage("a.txt", "<b>rents & fares</b>", Some(4)), passage("b.txt", "lost words", None)];
        let csv = String::from_utf8(to_bytes(&ps, PassageFormat::Csv, "t").unwrap()).unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][6], "<b>rents & fares</b>");
        assert_eq!(&rows[0][7], "'=SUM(A1)", "a formula is neutralised");
        assert_eq!(&rows[1][4], "", "an orphan has no start");
        let json: serde_json::Value = serde_json::from_slice(&to_bytes(&ps, PassageFormat::Json, "t").unwrap()).unwrap();
        assert_eq!(json[1]["start"], serde_json::Value::Null);
        assert_eq!(json[0]["exact"], "<b>rents & fares</b>");
        let html = html(&ps, "Demand & more");
        assert!(html.contains("&lt;b&gt;rents &amp; fares&lt;/b&gt;") && !html.contains("<b>rents"));
        assert!(html.contains("<title>Demand &amp; more</title>") && html.contains("2 passage(s) in 2 document(s)"));
        let xlsx = to_bytes(&ps, PassageFormat::Xlsx, "t").unwrap();
        assert!(xlsx.starts_with(b"PK"), "a zip container");
    }
}
