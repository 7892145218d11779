//! HTML import: the visible text of a page, one paragraph per block (paragraphs, headings,
//! list items, table rows, line breaks), saved as `page.html.txt` beside the page (or in the
//! target folder). Scripts, styles, templates and the head are dropped (a template that is a
//! declarative shadow root, `<template shadowrootmode="open">`, is shown by browsers, and its
//! text is kept where it stands); images, embedded objects and form controls carry no text and
//! are counted in the summary. The page is parsed with html5ever (through `scraper`), as a
//! browser would.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::Path;

use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use scraper::{Html, HtmlTreeSink, Node};

use crate::error::Error;
use crate::import::{Summary, format_error, inside, read_capped, write_new};

/// Pages whose elements nest deeper than this are refused. Written pages stay far below it (a
/// few dozen levels; browsers stop nesting at 512), and the parser's work per tag grows with
/// the depth, so that a file of nothing but opening tags would take hours.
pub const MAX_NESTING: usize = 256;

/// The parser is fed this many bytes at a time, and the limits are checked in between.
const PIECE: usize = 1024;

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

/// Why a page was not parsed to the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TooComplex {
    /// Elements nest deeper than [`MAX_NESTING`]; the 1-based line where they did.
    Nested { line: u64 },
    /// The parser made far more elements than the page has tags (formatting tags left open
    /// and made again in every later paragraph); the line where the count ran over.
    Amplified { elements: usize, tags: usize, line: u64 },
}

/// Parses a page as a browser does, but stops as soon as it nests deeper than
/// [`MAX_NESTING`] or makes more elements than its size allows.
pub fn parse(html: &str) -> Result<Html, TooComplex> {
    // Each element of a page is written as a tag, and each tag starts with `<`; the parser adds
    // a few of its own (html, head, body, a table's tbody, a formatting tag closed too early and
    // opened again). Twice the tags read so far is far more than real pages need.
    let mut tags = 0usize;
    let guard = Guarded::new(HtmlTreeSink::new(Html::new_document()));
    let mut parser = html5ever::parse_document(guard, Default::default());
    let mut from = 0;
    while from < html.len() {
        let mut to = (from + PIECE).min(html.len());
        while !html.is_char_boundary(to) {
            to += 1;
        }
        tags += html.as_bytes()[from..to].iter().filter(|&&b| b == b'<').count();
        parser.process(StrTendril::from_slice(&html[from..to]));
        from = to;
        let sink = &parser.tokenizer.sink.sink;
        if let Some(line) = sink.too_deep.get() {
            return Err(TooComplex::Nested { line });
        }
        if sink.elements.get() > 2 * tags + 1000 {
            return Err(TooComplex::Amplified { elements: sink.elements.get(), tags, line: sink.line.get() });
        }
    }
    Ok(parser.finish())
}

/// scraper's tree, built while noting each element's depth and the current line.
struct Guarded {
    inner: HtmlTreeSink,
    depth: RefCell<HashMap<<HtmlTreeSink as TreeSink>::Handle, usize>>,
    elements: Cell<usize>,
    line: Cell<u64>,
    too_deep: Cell<Option<u64>>,
}

type Handle = <HtmlTreeSink as TreeSink>::Handle;

impl Guarded {
    fn new(inner: HtmlTreeSink) -> Self {
        Self { inner, depth: RefCell::default(), elements: Cell::new(0), line: Cell::new(1), too_deep: Cell::new(None) }
    }

    fn depth_of(&self, node: &Handle) -> usize {
        self.depth.borrow().get(node).copied().unwrap_or(0)
    }

    /// `child` now sits at `depth`.
    fn placed(&self, child: &NodeOrText<Handle>, depth: usize) {
        if let NodeOrText::AppendNode(node) = child {
            self.depth.borrow_mut().insert(*node, depth);
            if depth > MAX_NESTING && self.too_deep.get().is_none() {
                self.too_deep.set(Some(self.line.get()));
            }
        }
    }
}

impl TreeSink for Guarded {
    type Handle = Handle;
    type Output = Html;
    type ElemName<'a> = <HtmlTreeSink as TreeSink>::ElemName<'a>;

    fn finish(self) -> Html {
        self.inner.finish()
    }
    fn parse_error(&self, msg: Cow<'static, str>) {
        self.inner.parse_error(msg);
    }
    fn get_document(&self) -> Handle {
        self.inner.get_document()
    }
    fn elem_name<'a>(&'a self, target: &'a Handle) -> Self::ElemName<'a> {
        self.inner.elem_name(target)
    }
    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> Handle {
        self.elements.set(self.elements.get() + 1);
        self.inner.create_element(name, attrs, flags)
    }
    fn create_comment(&self, text: StrTendril) -> Handle {
        self.inner.create_comment(text)
    }
    fn create_pi(&self, target: StrTendril, data: StrTendril) -> Handle {
        self.inner.create_pi(target, data)
    }
    fn append(&self, parent: &Handle, child: NodeOrText<Handle>) {
        self.placed(&child, self.depth_of(parent) + 1);
        self.inner.append(parent, child);
    }
    fn append_based_on_parent_node(&self, element: &Handle, prev_element: &Handle, child: NodeOrText<Handle>) {
        self.placed(&child, self.depth_of(element).max(self.depth_of(prev_element)) + 1);
        self.inner.append_based_on_parent_node(element, prev_element, child);
    }
    fn append_doctype_to_document(&self, name: StrTendril, public_id: StrTendril, system_id: StrTendril) {
        self.inner.append_doctype_to_document(name, public_id, system_id);
    }
    fn mark_script_already_started(&self, node: &Handle) {
        self.inner.mark_script_already_started(node);
    }
    fn pop(&self, node: &Handle) {
        self.inner.pop(node);
    }
    fn get_template_contents(&self, target: &Handle) -> Handle {
        let contents = self.inner.get_template_contents(target);
        // The depth is read before the map is borrowed to write it: both at once would panic.
        let depth = self.depth_of(target) + 1;
        self.depth.borrow_mut().insert(contents, depth);
        contents
    }
    fn same_node(&self, x: &Handle, y: &Handle) -> bool {
        self.inner.same_node(x, y)
    }
    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode);
    }
    fn append_before_sibling(&self, sibling: &Handle, new_node: NodeOrText<Handle>) {
        self.placed(&new_node, self.depth_of(sibling));
        self.inner.append_before_sibling(sibling, new_node);
    }
    fn add_attrs_if_missing(&self, target: &Handle, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs);
    }
    fn associate_with_form(&self, target: &Handle, form: &Handle, nodes: (&Handle, Option<&Handle>)) {
        self.inner.associate_with_form(target, form, nodes);
    }
    fn remove_from_parent(&self, target: &Handle) {
        self.inner.remove_from_parent(target);
    }
    fn reparent_children(&self, node: &Handle, new_parent: &Handle) {
        // The children keep their recorded depth: this happens a bounded number of times per
        // end tag (the adoption agency), so it cannot hide a deep page.
        self.inner.reparent_children(node, new_parent);
    }
    fn is_mathml_annotation_xml_integration_point(&self, handle: &Handle) -> bool {
        self.inner.is_mathml_annotation_xml_integration_point(handle)
    }
    fn set_current_line(&self, line_number: u64) {
        self.line.set(line_number);
        self.inner.set_current_line(line_number);
    }
    fn allow_declarative_shadow_roots(&self, intended_parent: &Handle) -> bool {
        self.inner.allow_declarative_shadow_roots(intended_parent)
    }
    fn attach_declarative_shadow(&self, location: &Handle, template: &Handle, attrs: &[Attribute]) -> bool {
        self.inner.attach_declarative_shadow(location, template, attrs)
    }
}

/// The visible text of an HTML page: paragraphs separated by a blank line, white space
/// collapsed as a browser shows it (kept inside `pre`), cells of a row separated by a tab.
pub fn visible_text(html: &str) -> Result<(String, Dropped), TooComplex> {
    let page = parse(html)?;
    Ok(text_of(&page))
}

fn text_of(page: &Html) -> (String, Dropped) {
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
                    // A declarative shadow root (`<template shadowrootmode="open">`) is shown by
                    // a browser: its content is read where it stands.
                    let shadow_root =
                        name == "template" && (e.attr("shadowrootmode").is_some() || e.attr("shadowroot").is_some());
                    if HIDDEN.contains(&name.as_str()) && !shadow_root {
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
    let (text, dropped) = visible_text(&html).map_err(|why| {
        let (line, what) = match why {
            TooComplex::Nested { line } => (line, format!("nests elements more than {MAX_NESTING} levels deep")),
            TooComplex::Amplified { elements, tags, line } => (
                line,
                format!(
                    "makes the parser build {elements} elements from its first {tags} tags (formatting tags left open and made again in every paragraph)"
                ),
            ),
        };
        format_error(path, format!("{what}; no real page does, and nothing was written"))
            .at(line as usize, 1)
            .hint("remove the repeated tags around that line, or save the page's text from a browser and open that")
    })?;
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
        )
        .unwrap();
        assert_eq!(text, "Café “Léa”\n\nOne two\nthree\n\na\n\nb & c\n\nx\n  y\n");
        assert_eq!(dropped.hidden.get("script"), Some(&1));
        assert_eq!(dropped.hidden.get("head"), Some(&1));
    }

    #[test]
    fn a_page_nested_past_the_limit_is_refused_with_its_line() {
        for (open, close) in
            [("<div>", "</div>"), ("<pre>", "</pre>"), ("<ul><li>", "</li></ul>"), ("<span>", "</span>"), ("<table><tr><td>", "")]
        {
            let html = format!(
                "<!doctype html>\n<title>t</title>\n<p>Intro.\n{}deep{}",
                open.repeat(MAX_NESTING + 50),
                close.repeat(10)
            );
            match visible_text(&html) {
                Err(TooComplex::Nested { line }) => assert_eq!(line, 4, "{open}"),
                other => panic!("{open}: {other:?}"),
            }
        }
    }

    #[test]
    fn nesting_within_the_limit_keeps_its_text() {
        let html = format!("<body>{}Au fond — «tout» 😀{}</body>", "<div>".repeat(250), "</div>".repeat(250));
        assert_eq!(visible_text(&html).unwrap().0, "Au fond — «tout» 😀\n");
        let html = format!("<body>{}point{}</body>", "<ul><li>".repeat(120), "</li></ul>".repeat(120));
        assert_eq!(visible_text(&html).unwrap().0, "point\n");
    }

    #[test]
    fn unclosed_paragraphs_and_list_items_are_not_nesting() {
        // Each <p> and <li> closes the one before it: thousands of them are a flat page.
        let html = format!("<body>{}<ul>{}</ul>", "<p>Un paragraphe.\n".repeat(5000), "<li>item\n".repeat(5000));
        let (text, _) = visible_text(&html).unwrap();
        assert_eq!(text.matches("Un paragraphe.").count(), 5000);
        assert_eq!(text.matches("item").count(), 5000);
        let html = format!(
            "<dl>{}</dl><select>{}</select><table>{}</table>",
            "<dt>t<dd>d".repeat(3000),
            "<option>o".repeat(3000),
            "<tr><td>c<td>d".repeat(3000)
        );
        assert!(visible_text(&html).is_ok());
    }

    #[test]
    fn formatting_tags_reopened_in_every_paragraph_are_refused() {
        // 200 distinct <b> left open; each new <p> closes them, and its text makes them again.
        let open: String = (0..200).map(|k| format!("<b id=b{k}>")).collect();
        let html = format!("<body>\n<p>{open}\n{}", "<p>x".repeat(5000));
        match visible_text(&html) {
            Err(TooComplex::Amplified { elements, tags, line }) => {
                assert!(elements > 2 * tags + 1000, "{elements} {tags}");
                assert!(tags < html.matches('<').count() / 4, "stopped early: {tags} tags read");
                assert_eq!(line, 3);
            }
            other => panic!("{other:?}"),
        }
        // A few misnested tags, as real pages have, are fine.
        let (text, _) = visible_text(&"<p><b>gras <i>et</b> italique</i></p>".repeat(2000)).unwrap();
        assert_eq!(text.matches("gras et italique").count(), 2000);
    }

    #[test]
    fn many_character_references_are_read() {
        let (text, _) = visible_text(&format!("<p>{}</p>", "&amp;&eacute;&#x1F600;".repeat(20_000))).unwrap();
        assert_eq!(text, format!("{}\n", "&é😀".repeat(20_000)));
    }

    #[test]
    fn the_refusal_names_the_file_the_line_and_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("deep.html");
        std::fs::write(&page, format!("<html>\n<body>\n<p>ok</p>\n{}", "<div>".repeat(2000))).unwrap();
        let err = import(&page, dir.path()).unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with(&format!("{}:4:1: nests elements more than 256 levels deep", page.display())), "{shown}");
        assert!(shown.contains("save the page's text"), "{shown}");
        assert!(!dir.path().join("deep.html.txt").exists());
    }
}
