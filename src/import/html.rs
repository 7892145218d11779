//! HTML import: the visible text of a page, one paragraph per block (paragraphs, headings,
//! list items, table rows, line breaks), saved as `page.html.txt` beside the page (or in the
//! target folder). Scripts, styles, templates and the head are dropped; images, embedded
//! objects and form controls carry no text and are counted in the summary. The page is parsed
//! with html5ever (through `scraper`), as a browser would.

use std::path::Path;

use scraper::{Html, Node};

use crate::error::Error;
use crate::import::{Summary, format_error, inside, read_capped, write_new};

/// Elements whose content is never shown as text.
const HIDDEN: [&str; 8] = ["script", "style", "noscript", "template", "head", "svg", "math", "iframe"];
/// Elements that begin and end a paragraph.
const BLOCKS: [&str; 31] = [
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "figure",
    "figcaption",
    "table",
    "tr",
    "form",
    "fieldset",
    "address",
    "hr",
];
/// Elements that carry no text of their own and are reported.
const EMBEDDED: [&str; 8] = ["img", "video", "audio", "object", "embed", "canvas", "input", "select"];

/// What [`visible_text`] dropped.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub hidden: std::collections::BTreeMap<String, usize>,
    pub embedded: std::collections::BTreeMap<String, usize>,
}

/// The visible text of an HTML page: paragraphs separated by a blank line, white space
/// collapsed as a browser shows it (kept inside `pre`), cells of a row separated by a tab.
pub fn visible_text(html: &str) -> (String, Dropped) {
    let page = Html::parse_document(html);
    let mut dropped = Dropped::default();
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, paragraphs: &mut Vec<String>| {
        let t = current.trim_matches(|c: char| c == ' ' || c == '\n');
        if !t.trim().is_empty() {
            let lines: Vec<&str> = t.split('\n').map(str::trim_end).filter(|l| !l.trim().is_empty()).collect();
            paragraphs.push(lines.join("\n"));
        }
        current.clear();
    };
    // Walk the tree without recursion (pages can nest deeply): (node, entering?).
    let mut stack = vec![(page.tree.root(), true)];
    let mut pre_depth = 0usize;
    while let Some((node, entering)) = stack.pop() {
        match node.value() {
            Node::Text(t) if entering => {
                if pre_depth > 0 {
                    current.push_str(&t.replace("\r\n", "\n"));
                } else {
                    let mut last_space = current.is_empty() || current.ends_with([' ', '\n', '\t']);
                    for ch in t.chars() {
                        if matches!(ch, ' ' | '\t' | '\n' | '\x0C' | '\r') {
                            if !last_space {
                                current.push(' ');
                                last_space = true;
                            }
                        } else {
                            current.push(ch);
                            last_space = false;
                        }
                    }
                }
            }
            Node::Element(e) => {
                let name = e.name().to_ascii_lowercase();
                if entering {
                    if HIDDEN.contains(&name.as_str()) {
                        *dropped.hidden.entry(name).or_default() += 1;
                        continue;
                    }
                    if EMBEDDED.contains(&name.as_str()) {
                        *dropped.embedded.entry(name.clone()).or_default() += 1;
                    }
                    match name.as_str() {
                        "br" => current.push('\n'),
                        "td" | "th" if !current.trim().is_empty() && !current.ends_with('\n') => current.push('\t'),
                        n if BLOCKS.contains(&n) => flush(&mut current, &mut paragraphs),
                        _ => {}
                    }
                    if name == "pre" {
                        pre_depth += 1;
                    }
                    stack.push((node, false));
                    for child in node.children().collect::<Vec<_>>().into_iter().rev() {
                        stack.push((child, true));
                    }
                } else {
                    if name == "pre" {
                        pre_depth = pre_depth.saturating_sub(1);
                    }
                    if BLOCKS.contains(&name.as_str()) {
                        flush(&mut current, &mut paragraphs);
                    }
                }
            }
            Node::Document | Node::Fragment if entering => {
                for child in node.children().collect::<Vec<_>>().into_iter().rev() {
                    stack.push((child, true));
                }
            }
            _ => {}
        }
    }
    flush(&mut current, &mut paragraphs);
    let mut text = paragraphs.join("\n\n");
    if !text.is_empty() {
        text.push('\n');
    }
    (text, dropped)
}

pub fn import(path: &Path, folder: &Path) -> Result<Summary, Error> {
    let bytes = read_capped(path)?;
    let html = match std::str::from_utf8(&bytes) {
        Ok(s) => s.strip_prefix('\u{feff}').unwrap_or(s).to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(&bytes).0.into_owned(),
    };
    let (text, dropped) = visible_text(&html);
    if text.trim().is_empty() {
        return Err(format_error(path, "has no visible text; nothing was written")
            .hint("is the text drawn by a script? save the page's text instead"));
    }
    let name = path.file_name().map(|n| format!("{}.txt", n.to_string_lossy())).unwrap_or_else(|| "page.html.txt".to_owned());
    let out = inside(folder, &name)?;
    let mut summary = Summary::default();
    if write_new(&out, text.as_bytes())? {
        summary.written.push(out.clone());
    }
    let paragraphs = text.split("\n\n").count();
    summary.carried.push(format!("{paragraphs} paragraph(s), {} characters of visible text", text.chars().count()));
    for (what, n) in &dropped.hidden {
        summary.not_carried.push(format!("{n} <{what}> element(s) (not visible text)"));
    }
    for (what, n) in &dropped.embedded {
        summary.not_carried.push(format!("{n} <{what}> element(s) (no text to carry)"));
    }
    summary.carried.push(format!("open {} to annotate it", out.display()));
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_text_keeps_paragraphs_and_drops_scripts() {
        let (text, dropped) = visible_text(
            "<html><head><title>T</title><style>p{}</style></head><body><h1>Café  “Léa”</h1>\n<p>One\n two<br>three</p><script>alert(1)</script><ul><li>a</li><li>b &amp; c</li></ul><pre>x\n  y</pre></body></html>",
        );
        assert_eq!(text, "Café “Léa”\n\nOne two\nthree\n\na\n\nb & c\n\nx\n  y\n");
        assert_eq!(dropped.hidden.get("script"), Some(&1));
        assert_eq!(dropped.hidden.get("head"), Some(&1));
    }
}
