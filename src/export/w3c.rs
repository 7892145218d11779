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

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::ser::{Error as _, SerializeSeq};

use crate::corpus::Corpus;
use crate::error::{Error, ErrorKind};
use crate::export::jsonl::{json_failed, line};
use crate::export::{Options, Row, Ticker, document_rows};

pub const CONTEXT: &str = "http://www.w3.org/ns/anno.jsonld";
/// The prefix of the URI that names a code in bodies.
pub const CODE_URI_PREFIX: &str = "urn:marginalia:code:";
/// The prefix of the URI that names a link type in a link's bodies.
pub const LINK_TYPE_URI_PREFIX: &str = "urn:marginalia:link-type:";
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

/// A Web Annotation as exports write it, borrowing from the annotation.
#[derive(Serialize)]
pub struct WebAnnotation<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    motivation: &'static str,
    creator: Creator<'a>,
    created: &'a str,
    modified: &'a str,
    body: Vec<Body<'a>>,
    target: Target<'a>,
}

#[derive(Serialize)]
struct Creator<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'a str,
}

/// A body: the code (`SpecificResource` with a `source`), the note or an attribute (both
/// `TextualBody`).
#[derive(Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    purpose: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<CodeSource<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<&'static str>,
}

#[derive(Serialize)]
struct CodeSource<'a> {
    id: String,
    label: &'a str,
}

#[derive(Serialize)]
struct Target<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    source: &'a str,
    selector: Vec<Selector<'a>>,
}

#[derive(Serialize)]
#[serde(tag = "type")]
enum Selector<'a> {
    TextQuoteSelector { exact: &'a str, prefix: &'a str, suffix: &'a str },
    TextPositionSelector { start: usize, end: usize },
}

/// A link as a Web Annotation: `linking` from the origin annotation (its target) to the
/// target annotation (its first body).
#[derive(Serialize)]
pub struct WebLink<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    motivation: &'static str,
    creator: Creator<'a>,
    created: &'a str,
    modified: &'a str,
    body: Vec<LinkBody<'a>>,
    target: String,
}

#[derive(Serialize)]
#[serde(untagged)]
enum LinkBody<'a> {
    /// The target annotation, by its URI.
    Annotation(String),
    Described(Body<'a>),
}

impl<'a> WebLink<'a> {
    pub fn of(link: &'a crate::link::Link, type_name: &'a str, coder: &'a str) -> Self {
        let mut body = vec![
            LinkBody::Annotation(format!("urn:uuid:{}", link.target)),
            LinkBody::Described(Body {
                id: None,
                kind: "SpecificResource",
                purpose: "classifying",
                source: Some(CodeSource {
                    id: format!("{LINK_TYPE_URI_PREFIX}{}", encode_segment(&link.link_type)),
                    label: type_name,
                }),
                label: None,
                value: None,
                format: None,
            }),
        ];
        if !link.note.is_empty() {
            body.push(LinkBody::Described(Body {
                id: None,
                kind: "TextualBody",
                purpose: "commenting",
                source: None,
                label: None,
                value: Some(&link.note),
                format: Some("text/plain"),
            }));
        }
        WebLink {
            context: CONTEXT,
            id: format!("urn:uuid:{}", link.id),
            kind: "Annotation",
            motivation: "linking",
            creator: Creator { kind: "Person", name: if link.coder.trim().is_empty() { coder } else { &link.coder } },
            created: &link.created,
            modified: &link.modified,
            body,
            target: format!("urn:uuid:{}", link.origin),
        }
    }
}

/// One item of the export: an annotation or a link.
#[derive(Serialize)]
#[serde(untagged)]
enum Item<'a> {
    Annotation(WebAnnotation<'a>),
    Link(WebLink<'a>),
}

/// How many links the corpus holds.
fn link_count(corpus: &Corpus) -> usize {
    corpus.documents.iter().flat_map(|d| &d.sidecars).map(|s| s.sidecar.links.len()).sum()
}

impl<'a> WebAnnotation<'a> {
    pub fn of(r: &'a Row<'a>, source: &'a str) -> Self {
        let a = r.annotation;
        let mut body = vec![Body {
            id: None,
            kind: "SpecificResource",
            purpose: "classifying",
            source: Some(CodeSource { id: format!("{CODE_URI_PREFIX}{}", encode_segment(&a.code)), label: &r.code_name }),
            label: None,
            value: None,
            format: None,
        }];
        if !a.note.is_empty() {
            body.push(Body {
                id: None,
                kind: "TextualBody",
                purpose: "commenting",
                source: None,
                label: None,
                value: Some(&a.note),
                format: Some("text/plain"),
            });
        }
        let code = r.codebook.code(&a.code);
        for (id, value) in &a.attributes {
            let name = code.and_then(|c| c.attributes.iter().find(|d| &d.id == id)).map_or(id.as_str(), |d| d.name.as_str());
            body.push(Body {
                id: Some(format!("urn:uuid:{}{ATTRIBUTE_FRAGMENT}{}", a.id, encode_segment(id))),
                kind: "TextualBody",
                purpose: "describing",
                source: None,
                label: Some(name),
                value: Some(value),
                format: Some("text/plain"),
            });
        }
        let mut selector = vec![Selector::TextQuoteSelector { exact: &a.exact, prefix: &a.prefix, suffix: &a.suffix }];
        if let Some(span) = r.span {
            selector.push(Selector::TextPositionSelector { start: span.start, end: span.end });
        }
        WebAnnotation {
            context: CONTEXT,
            id: format!("urn:uuid:{}", a.id),
            kind: "Annotation",
            motivation: "classifying",
            creator: Creator { kind: "Person", name: &r.coder },
            created: &a.created,
            modified: &a.modified,
            body,
            target: Target { kind: "SpecificResource", source, selector },
        }
    }
}

/// Writes the corpus to `out`: one `AnnotationCollection` (pretty-printed) or, with
/// `options.jsonl`, one annotation per line. Annotations are serialised one at a time.
pub fn write<P: FnMut(usize, usize) -> bool>(
    corpus: &Corpus,
    options: &Options,
    out: &mut dyn Write,
    ticker: &mut Ticker<P>,
) -> Result<(), Error> {
    if options.jsonl {
        for_each(corpus, ticker, |item| line(out, item))?;
        return Ok(());
    }
    let label = corpus
        .root
        .file_name()
        .map(|n| format!("Marginalia annotations of {}", n.to_string_lossy()))
        .unwrap_or_else(|| "Marginalia annotations".to_owned());
    let total = ticker.total() + link_count(corpus);
    let items = Items { corpus, ticker: RefCell::new(ticker), failure: RefCell::new(None) };
    let collection = Collection {
        context: CONTEXT,
        id: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        kind: "AnnotationCollection",
        label,
        total,
        first: Page { id: format!("urn:uuid:{}", uuid::Uuid::new_v4()), kind: "AnnotationPage", start_index: 0, items: &items },
    };
    let written = serde_json::to_writer_pretty(&mut *out, &collection);
    if let Some(e) = items.failure.borrow_mut().take() {
        return Err(e);
    }
    written.map_err(json_failed)?;
    out.write_all(b"\n").map_err(json_failed)
}

/// Calls `each` with every annotation of the corpus as a Web Annotation, then its document's
/// links, ticking as it goes.
fn for_each<P: FnMut(usize, usize) -> bool>(
    corpus: &Corpus,
    ticker: &mut Ticker<P>,
    mut each: impl FnMut(&Item<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    for (i, d) in corpus.documents.iter().enumerate() {
        let source = file_uri(&d.path);
        for r in document_rows(corpus, i, d) {
            each(&Item::Annotation(WebAnnotation::of(&r, &source)))?;
            ticker.annotation()?;
        }
        for sc in &d.sidecars {
            for l in &sc.sidecar.links {
                let name = sc.sidecar.codebook.link_type(&l.link_type).map_or(l.link_type.as_str(), |t| t.name.as_str());
                each(&Item::Link(WebLink::of(l, name, &sc.sidecar.coder)))?;
            }
        }
        ticker.report()?;
    }
    Ok(())
}

#[derive(Serialize)]
#[serde(bound(serialize = "P: FnMut(usize, usize) -> bool"))]
struct Collection<'a, P> {
    #[serde(rename = "@context")]
    context: &'static str,
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    label: String,
    total: usize,
    first: Page<'a, P>,
}

#[derive(Serialize)]
#[serde(bound(serialize = "P: FnMut(usize, usize) -> bool"))]
struct Page<'a, P> {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "startIndex")]
    start_index: usize,
    items: &'a Items<'a, P>,
}

/// The page's items, serialised straight from the corpus. A cancel (or any error of ours) is
/// kept in `failure` and surfaces as a serde error that stops the writer.
struct Items<'a, P> {
    corpus: &'a Corpus,
    ticker: RefCell<&'a mut Ticker<P>>,
    failure: RefCell<Option<Error>>,
}

impl<P: FnMut(usize, usize) -> bool> Serialize for Items<'_, P> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut ticker = self.ticker.borrow_mut();
        let mut seq = serializer.serialize_seq(Some(ticker.total()))?;
        let mut inner = None;
        let result = for_each(self.corpus, &mut ticker, |item| {
            seq.serialize_element(item).map_err(|e| {
                let message = e.to_string();
                inner = Some(e);
                Error::new(ErrorKind::Io, message)
            })
        });
        match result {
            Ok(()) => seq.end(),
            Err(e) => Err(inner.unwrap_or_else(|| {
                let error = S::Error::custom(&e.message);
                *self.failure.borrow_mut() = Some(e);
                error
            })),
        }
    }
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
