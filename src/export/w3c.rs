//! W3C Web Annotation Data Model (JSON-LD): an `AnnotationCollection` whose `first`
//! `AnnotationPage` embeds every annotation, or one annotation per line with `--jsonl`.
//!
//! Each annotation has the motivation `classifying`; its bodies are the code (a
//! `SpecificResource` with purpose `classifying` whose `source` is `urn:marginalia:code:<id>`
//! labelled with the code's name), the note (a `TextualBody` with purpose `commenting`) and one
//! `TextualBody` with purpose `describing` per attribute (labelled with the attribute's name,
//! its `id` ending in `#attr-<attribute id>`). The target is the document's `file:` URI with a
//! `TextQuoteSelector` and a `TextPositionSelector` counting Unicode code points, as the model
//! requires.

use std::path::Path;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use crate::corpus::Corpus;
use crate::error::Error;
use crate::export::{Options, Row, document_rows, tick};

pub const CONTEXT: &str = "http://www.w3.org/ns/anno.jsonld";
/// The prefix of the URI that names a code in bodies.
pub const CODE_URI_PREFIX: &str = "urn:marginalia:code:";
/// The fragment prefix of an attribute body's id.
pub const ATTRIBUTE_FRAGMENT: &str = "#attr-";

/// Characters left as they are in URI path segments and ids: unreserved ones.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes one URI segment (UTF-8).
pub fn encode_segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Decodes a percent-encoded segment (invalid UTF-8 is replaced).
pub fn decode_segment(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// A `file:` URI for a path (made absolute; each segment percent-encoded).
pub fn file_uri(path: &Path) -> String {
    let abs = path.canonicalize().or_else(|_| std::path::absolute(path)).unwrap_or_else(|_| path.to_path_buf());
    let s = abs.to_string_lossy().replace('\\', "/");
    let s = s.strip_prefix("//?/").unwrap_or(&s).to_owned();
    let encoded: Vec<String> =
        s.split('/').map(|seg| if seg.len() == 2 && seg.ends_with(':') { seg.to_owned() } else { encode_segment(seg) }).collect();
    let joined = encoded.join("/");
    if joined.starts_with('/') { format!("file://{joined}") } else { format!("file:///{joined}") }
}

/// One annotation as a W3C Web Annotation.
pub fn annotation(r: &Row<'_>, source: &str) -> Value {
    let a = r.annotation;
    let mut body = vec![json!({
        "type": "SpecificResource",
        "purpose": "classifying",
        "source": { "id": format!("{CODE_URI_PREFIX}{}", encode_segment(&a.code)), "label": r.code_name },
    })];
    if !a.note.is_empty() {
        body.push(json!({ "type": "TextualBody", "purpose": "commenting", "value": a.note, "format": "text/plain" }));
    }
    let code = r.codebook.code(&a.code);
    for (id, value) in &a.attributes {
        let name =
            code.and_then(|c| c.attributes.iter().find(|d| &d.id == id)).map(|d| d.name.clone()).unwrap_or_else(|| id.clone());
        body.push(json!({
            "id": format!("urn:uuid:{}{ATTRIBUTE_FRAGMENT}{}", a.id, encode_segment(id)),
            "type": "TextualBody",
            "purpose": "describing",
            "label": name,
            "value": value,
            "format": "text/plain",
        }));
    }
    let mut selector = vec![json!({ "type": "TextQuoteSelector", "exact": a.exact, "prefix": a.prefix, "suffix": a.suffix })];
    if let Some(span) = r.span {
        selector.push(json!({ "type": "TextPositionSelector", "start": span.start, "end": span.end }));
    }
    json!({
        "@context": CONTEXT,
        "id": format!("urn:uuid:{}", a.id),
        "type": "Annotation",
        "motivation": "classifying",
        "creator": { "type": "Person", "name": r.coder },
        "created": a.created,
        "modified": a.modified,
        "body": body,
        "target": { "type": "SpecificResource", "source": source, "selector": selector },
    })
}

pub fn render(corpus: &Corpus, options: &Options, progress: &dyn Fn(usize, usize) -> bool) -> Result<String, Error> {
    let mut items = Vec::new();
    let total = corpus.documents.len();
    for (i, d) in corpus.documents.iter().enumerate() {
        let source = file_uri(&d.path);
        for r in document_rows(corpus, i, d) {
            items.push(annotation(&r, &source));
        }
        tick(progress, i + 1, total)?;
    }
    if options.jsonl {
        let mut out = String::new();
        for item in &items {
            out.push_str(&item.to_string());
            out.push('\n');
        }
        return Ok(out);
    }
    let label = corpus
        .root
        .file_name()
        .map(|n| format!("Marginalia annotations of {}", n.to_string_lossy()))
        .unwrap_or_else(|| "Marginalia annotations".to_owned());
    let collection = json!({
        "@context": CONTEXT,
        "id": format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        "type": "AnnotationCollection",
        "label": label,
        "total": items.len(),
        "first": {
            "id": format!("urn:uuid:{}", uuid::Uuid::new_v4()),
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    });
    let mut out = serde_json::to_string_pretty(&collection).unwrap_or_default();
    out.push('\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_are_encoded() {
        let uri = file_uri(Path::new("/tmp/no such dir/Réponse à M. Dubois.txt"));
        assert_eq!(uri, "file:///tmp/no%20such%20dir/R%C3%A9ponse%20%C3%A0%20M.%20Dubois.txt");
        assert_eq!(decode_segment("R%C3%A9ponse%20%C3%A0"), "Réponse à");
    }
}
