//! JSON lines: one JSON object per annotation per line, with the same fields as the CSV and
//! the exact text (nothing neutralised). Attributes are an object; orphans have `null`
//! positions.

use serde_json::{Value, json};

use crate::corpus::Corpus;
use crate::error::Error;
use crate::export::{Row, document_rows, tick};

/// One annotation as a JSON object.
pub fn object(r: &Row<'_>) -> Value {
    let a = r.annotation;
    json!({
        "document": r.document,
        "coder": r.coder,
        "code": a.code,
        "code_name": r.code_name,
        "code_group": r.code_group,
        "start": r.span.map(|s| s.start),
        "end": r.span.map(|s| s.end),
        "exact": a.exact,
        "prefix": a.prefix,
        "suffix": a.suffix,
        "note": a.note,
        "attributes": a.attributes,
        "status": a.status.label(),
        "created": a.created,
        "modified": a.modified,
        "id": a.id.to_string(),
    })
}

pub fn render(corpus: &Corpus, progress: &dyn Fn(usize, usize) -> bool) -> Result<String, Error> {
    let mut out = String::new();
    let total = corpus.documents.len();
    for (i, d) in corpus.documents.iter().enumerate() {
        for r in document_rows(corpus, i, d) {
            out.push_str(&object(&r).to_string());
            out.push('\n');
        }
        tick(progress, i + 1, total)?;
    }
    Ok(out)
}
