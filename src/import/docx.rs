//! .docx import: the text of `word/document.xml`, one paragraph (`w:p`) per paragraph with a
//! blank line between, `w:tab` as a tab and `w:br` as a line break, saved as `name.docx.txt`.
//! Deleted revisions, field codes, images, footnotes, comments, headers and footers are not
//! carried and are counted in the summary.
//!
//! The archive is read through [`crate::untrusted::Archive`], which checks entry names, sizes
//! and expansion ratios; word/document.xml may expand to [`MAX_EXPANDED`] bytes. XML with a
//! DOCTYPE is refused ([`crate::untrusted::doctype_refused`]): Word never writes one, and it
//! is how entity attacks begin.

use std::collections::BTreeMap;
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use crate::error::Error;
use crate::import::{Summary, format_error, inside, read_capped, write_new};
use crate::untrusted::{Archive, doctype_refused};

/// The largest word/document.xml read.
pub const MAX_EXPANDED: u64 = 200 * 1024 * 1024;

const W: &[u8] = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main";
/// Elements nested deeper than this in word/document.xml are refused. Word nests a few dozen
/// levels (tables in tables); resolving a prefix costs a walk over every namespace declared
/// by the elements around it, so endless nesting with declarations would take hours.
pub const MAX_NESTING: usize = 256;

/// What was not carried, by kind.
pub type Dropped = BTreeMap<&'static str, usize>;

/// Reads the paragraphs of a .docx held in memory, through the one zip guard
/// ([`crate::untrusted::Archive`]).
pub fn docx_text(path: &Path, bytes: &[u8]) -> Result<(String, Dropped), Error> {
    let mut zip = Archive::open(std::io::Cursor::new(bytes), "a .docx (zip) file", "save the document from Word as .docx")
        .map_err(|e| e.in_file(path))?;
    let mut dropped = Dropped::new();
    for (name, _) in zip.names() {
        if name.starts_with("word/footnotes") || name.starts_with("word/endnotes") {
            *dropped.entry("footnotes and endnotes parts").or_default() += 1;
        } else if name.starts_with("word/comments") {
            *dropped.entry("comments parts").or_default() += 1;
        } else if name.starts_with("word/header") || name.starts_with("word/footer") {
            *dropped.entry("headers and footers").or_default() += 1;
        }
    }
    let part = zip.find("word/document.xml").ok_or_else(|| {
        format_error(path, "has no word/document.xml, so it is not a Word document").hint("save it from Word as .docx")
    })?;
    let xml = zip.read(part, MAX_EXPANDED).map_err(|e| e.in_file(path))?;
    let text = paragraphs(path, &xml, &mut dropped)?;
    Ok((text, dropped))
}

/// The paragraphs of a WordprocessingML document part.
// Long on purpose: one streaming event loop whose arms share the open paragraphs, the run and
// text depth and the skipped revisions; split up, each part would take all of them.
pub fn paragraphs(path: &Path, xml: &[u8], dropped: &mut Dropped) -> Result<String, Error> {
    let bad = |m: String| format_error(path, m);
    let mut reader = NsReader::from_reader(xml);
    let mut buf = Vec::new();
    let mut paragraphs: Vec<String> = Vec::new();
    // Paragraphs can nest (text boxes): a stack of open paragraphs.
    let mut open: Vec<String> = Vec::new();
    let mut in_text = 0usize;
    let mut in_run = 0usize;
    let mut skipping = 0usize;
    let mut depth = 0usize;
    loop {
        let position = reader.buffer_position();
        let (ns, event) = reader.read_resolved_event_into(&mut buf).map_err(|e| {
            // The parser's message quotes names from the file: keep it short.
            let e = crate::document::excerpt(&e.to_string(), 4 * crate::document::QUOTE_CHARS);
            bad(format!("has malformed XML in word/document.xml after byte {position}: {e}"))
        })?;
        match &event {
            Event::Start(_) => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(bad(format!(
                        "nests elements more than {MAX_NESTING} levels deep in word/document.xml (at byte {position}); Word never does, and nothing was written"
                    ))
                    .hint("open the document in Word and save it again, or save its text and open that"));
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        let is_w = matches!(ns, ResolveResult::Bound(n) if n.as_ref() == W);
        match event {
            Event::DocType(_) => return Err(doctype_refused("word/document.xml").in_file(path)),
            Event::Start(e) if is_w => match e.local_name().as_ref() {
                b"p" => open.push(String::new()),
                b"r" => in_run += 1,
                b"t" => in_text += 1,
                b"delText" | b"instrText" => {
                    skipping += 1;
                    let what = if e.local_name().as_ref() == b"delText" { "deleted revisions" } else { "field codes" };
                    *dropped.entry(what).or_default() += 1;
                }
                b"drawing" | b"pict" | b"object" => *dropped.entry("images and embedded objects").or_default() += 1,
                _ => {}
            },
            Event::Empty(e) if is_w => match e.local_name().as_ref() {
                b"p" => paragraphs.push(String::new()),
                b"tab" if in_run > 0 => {
                    if let Some(p) = open.last_mut() {
                        p.push('\t');
                    }
                }
                b"br" | b"cr" if in_run > 0 => {
                    if let Some(p) = open.last_mut() {
                        p.push('\n');
                    }
                }
                b"footnoteReference" | b"endnoteReference" => *dropped.entry("footnote references").or_default() += 1,
                b"commentReference" => *dropped.entry("comment references").or_default() += 1,
                _ => {}
            },
            Event::End(e) if is_w => match e.local_name().as_ref() {
                b"p" => {
                    if let Some(p) = open.pop() {
                        paragraphs.push(p);
                    }
                }
                b"r" => in_run = in_run.saturating_sub(1),
                b"t" => in_text = in_text.saturating_sub(1),
                b"delText" | b"instrText" => skipping = skipping.saturating_sub(1),
                _ => {}
            },
            Event::Text(t) if in_text > 0 && skipping == 0 => {
                let s = t.xml10_content().map_err(|e| bad(format!("has text that is not UTF-8: {e}")))?;
                if let Some(p) = open.last_mut() {
                    p.push_str(&s);
                }
            }
            Event::CData(t) if in_text > 0 && skipping == 0 => {
                let s = t.decode().map_err(|e| bad(format!("has text that is not UTF-8: {e}")))?;
                if let Some(p) = open.last_mut() {
                    p.push_str(&s);
                }
            }
            Event::GeneralRef(r) if in_text > 0 && skipping == 0 => {
                let ch = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = r.decode().map_err(|e| bad(format!("has a bad entity: {e}")))?;
                        quick_xml::escape::resolve_xml_entity(&name)
                            .ok_or_else(|| {
                                bad(format!("uses the undefined entity &{name}; and was refused; nothing was written"))
                            })?
                            .to_owned()
                    }
                    Err(e) => return Err(bad(format!("has a bad character reference: {e}"))),
                };
                if let Some(p) = open.last_mut() {
                    p.push_str(&ch);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let kept: Vec<String> = paragraphs.into_iter().map(|p| p.trim_end().to_owned()).filter(|p| !p.trim().is_empty()).collect();
    let mut text = kept.join("\n\n");
    if !text.is_empty() {
        text.push('\n');
    }
    Ok(text)
}

pub fn import(path: &Path, folder: &Path) -> Result<Summary, Error> {
    let bytes = read_capped(path)?;
    let (text, dropped) = docx_text(path, &bytes)?;
    if text.trim().is_empty() {
        return Err(format_error(path, "has no text in word/document.xml; nothing was written"));
    }
    let name = path.file_name().map(|n| format!("{}.txt", n.to_string_lossy())).unwrap_or_else(|| "document.docx.txt".to_owned());
    let out = inside(folder, &name)?;
    let mut summary = Summary::default();
    if write_new(&out, text.as_bytes())? {
        summary.written.push(out.clone());
    }
    summary.carried.push(format!("{} paragraph(s), {} characters", text.split("\n\n").count(), text.chars().count()));
    for (what, n) in dropped {
        summary.not_carried.push(format!("{n} {what}"));
    }
    summary.carried.push(format!("open {} to annotate it", out.display()));
    Ok(summary)
}

#[cfg(test)]
mod nesting_tests {
    use super::*;

    fn body(inner: &str) -> Vec<u8> {
        format!("<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{inner}</w:body></w:document>").into_bytes()
    }

    #[test]
    fn nesting_past_the_limit_is_refused_and_within_it_read() {
        let deep = format!(
            "{}<w:p><w:r><w:t>fond</w:t></w:r></w:p>{}",
            "<w:sdt xmlns:x=\"u\">".repeat(MAX_NESTING),
            "</w:sdt>".repeat(MAX_NESTING)
        );
        let err = paragraphs(Path::new("deep.docx"), &body(&deep), &mut Dropped::new()).unwrap_err();
        assert!(
            err.to_string().starts_with("deep.docx: nests elements more than 256 levels deep in word/document.xml (at byte "),
            "{err}"
        );
        let fine = format!("{}<w:p><w:r><w:t>fond</w:t></w:r></w:p>{}", "<w:sdt>".repeat(100), "</w:sdt>".repeat(100));
        assert_eq!(paragraphs(Path::new("ok.docx"), &body(&fine), &mut Dropped::new()).unwrap(), "fond\n");
        // Many paragraphs side by side are not nesting.
        let flat = "<w:p><w:r><w:t>un</w:t></w:r></w:p>".repeat(5000);
        assert_eq!(paragraphs(Path::new("flat.docx"), &body(&flat), &mut Dropped::new()).unwrap().matches("un").count(), 5000);
    }

    #[test]
    fn a_long_mismatched_name_is_quoted_short() {
        let name = "x".repeat(100_000);
        let err = paragraphs(Path::new("bad.docx"), &body(&format!("<w:{name}></w:other>")), &mut Dropped::new()).unwrap_err();
        assert!(err.to_string().len() < 600, "{} bytes", err.to_string().len());
    }
}
