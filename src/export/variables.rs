//! The folder's document variables as a CSV table (see [`crate::vars`] for the file and the
//! import): the same layout `marginalia vars import` reads, so a table can go to a spreadsheet
//! and back.

use crate::error::{Error, ErrorKind};
use crate::export::csv::neutralise;
use crate::vars::Variables;

/// The variables as a CSV table: `document`, then one column per variable; one row per
/// document in `documents` (the folder's, in order), then any other document that has values.
pub fn write(vars: &Variables, documents: &[String], out: &mut dyn std::io::Write) -> Result<(), Error> {
    let fail = |e: csv::Error| Error::new(ErrorKind::Io, format!("cannot write the CSV: {e}"));
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    let mut header = vec!["document".to_owned()];
    header.extend(vars.variables.iter().map(|v| v.name.clone()));
    w.write_record(header.iter().map(|h| neutralise(h).into_owned())).map_err(fail)?;
    let mut rows: Vec<&str> = documents.iter().map(String::as_str).collect();
    rows.extend(vars.documents.keys().map(String::as_str).filter(|d| !documents.iter().any(|x| x == d)));
    for doc in rows {
        let mut rec = vec![neutralise(doc).into_owned()];
        for v in &vars.variables {
            let value = vars.value(doc, &v.name).unwrap_or_default();
            // Numbers stay numbers ("-3" is not a formula); other cells are neutralised.
            rec.push(if v.kind == crate::vars::Kind::Number { value.to_owned() } else { neutralise(value).into_owned() });
        }
        w.write_record(&rec).map_err(fail)?;
    }
    w.flush().map_err(|e| fail(e.into()))
}
