//! JSON lines: one JSON object per annotation per line, with the same fields as the CSV and
//! the exact text (nothing neutralised). Attributes are an object; orphans have `null`
//! positions. `links` lists the links that start at the annotation (id, type, type name,
//! target annotation id, note), as `marginalia list --format json` does.
//! `variables` holds the document's variables (numbers as numbers).

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::corpus::Corpus;
use crate::error::{Error, ErrorKind};
use crate::export::{Row, Ticker, document_rows};

/// One annotation as a JSON lines record.
#[derive(Serialize)]
pub struct Record<'a> {
    pub document: &'a str,
    pub coder: &'a str,
    pub code: &'a str,
    pub code_name: &'a str,
    pub code_group: &'a str,
    pub start: Option<usize>,
    pub end: Option<usize>,
    pub exact: &'a str,
    pub prefix: &'a str,
    pub suffix: &'a str,
    pub note: &'a str,
    pub attributes: &'a BTreeMap<String, String>,
    pub status: &'a str,
    pub created: &'a str,
    pub modified: &'a str,
    pub id: String,
    pub links: Vec<LinkRecord<'a>>,
    /// The document's variables: numbers as JSON numbers, other kinds as strings; unset ones
    /// left out (and the field too when there are none).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<&'a str, serde_json::Value>,
}

/// A link that starts at the record's annotation.
#[derive(Serialize)]
pub struct LinkRecord<'a> {
    pub id: String,
    #[serde(rename = "type")]
    pub link_type: &'a str,
    pub type_name: &'a str,
    pub target: String,
    pub note: &'a str,
}

impl<'a> LinkRecord<'a> {
    /// The links that start at the row's annotation.
    pub fn outgoing(r: &Row<'a>) -> Vec<Self> {
        r.links
            .iter()
            .filter(|l| l.origin == r.annotation.id)
            .map(|l| LinkRecord {
                id: l.id.to_string(),
                link_type: &l.link_type,
                type_name: r.codebook.link_type(&l.link_type).map_or("", |t| t.name.as_str()),
                target: l.target.to_string(),
                note: &l.note,
            })
            .collect()
    }
}

impl<'a> Record<'a> {
    /// The record of `r`, with the links that start at it.
    pub fn of(r: &'a Row<'a>) -> Self {
        let a = r.annotation;
        Record {
            document: &r.document,
            coder: &r.coder,
            code: &a.code,
            code_name: &r.code_name,
            code_group: &r.code_group,
            start: r.span.map(|s| s.start),
            end: r.span.map(|s| s.end),
            exact: &a.exact,
            prefix: &a.prefix,
            suffix: &a.suffix,
            note: &a.note,
            attributes: &a.attributes,
            status: a.status.label(),
            created: &a.created,
            modified: &a.modified,
            id: a.id.to_string(),
            links: LinkRecord::outgoing(r),
            variables: BTreeMap::new(),
        }
    }

    /// The record with the variables of its document.
    pub fn with_variables(mut self, variables: &BTreeMap<&'a str, serde_json::Value>) -> Self {
        self.variables = variables.clone();
        self
    }
}

/// The variables of a document as JSON values (numbers as numbers).
pub fn variables_of<'a>(corpus: &'a Corpus, d: &crate::corpus::CorpusDocument) -> BTreeMap<&'a str, serde_json::Value> {
    let key = Corpus::variable_key(d);
    let vars = &corpus.variables;
    vars.variables
        .iter()
        .filter_map(|v| {
            let value = vars.value(&key, &v.name)?;
            let json = match vars.typed(v, value) {
                // Whole numbers as integers (4, not 4.0), as they were written.
                crate::vars::Typed::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Some(serde_json::Value::from(n as i64)),
                crate::vars::Typed::Number(n) => serde_json::Number::from_f64(n).map(serde_json::Value::Number),
                crate::vars::Typed::Text(_) => None,
            };
            Some((v.name.as_str(), json.unwrap_or_else(|| serde_json::Value::String(value.to_owned()))))
        })
        .collect()
}

/// Writes one line per annotation to `out`.
pub fn write<P: FnMut(usize, usize) -> bool>(corpus: &Corpus, out: &mut dyn Write, ticker: &mut Ticker<P>) -> Result<(), Error> {
    for (i, d) in corpus.documents.iter().enumerate() {
        let variables = variables_of(corpus, d);
        for r in document_rows(corpus, i, d) {
            line(out, &Record::of(&r).with_variables(&variables))?;
            ticker.annotation()?;
        }
        ticker.report()?;
    }
    Ok(())
}

/// Writes `value` as one line of JSON.
pub(crate) fn line(out: &mut dyn Write, value: &impl Serialize) -> Result<(), Error> {
    serde_json::to_writer(&mut *out, value).map_err(json_failed)?;
    out.write_all(b"\n").map_err(json_failed)
}

/// A failed JSON write (in practice: the disk).
pub(crate) fn json_failed(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Io, format!("cannot write the file: {e}"))
}
