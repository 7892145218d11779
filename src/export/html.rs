//! A self-contained, printable HTML report: for each document its title, its text with every
//! annotation highlighted in its code's colour (overlaps show as stacked bands) and marked by
//! a numbered label, which does not rely on colour; a legend with counts per code; the list
//! of annotations with their notes; and the links between annotations, by their numbers. Everything is in one file: no scripts, no external
//! styles, fonts or images. Every piece of text is escaped.

use std::collections::BTreeMap;
use std::fmt::Write;

use quick_xml::escape::escape;

use crate::codebook::{Code, format_colour};
use crate::corpus::Corpus;
use crate::document::Span;
use crate::error::Error;
use crate::export::{Options, Row, Ticker, all_codes, document_rows};

const STYLE: &str = r#"
body { font-family: Georgia, "Times New Roman", serif; max-width: 48em; margin: 2em auto; padding: 0 1em; line-height: 1.7; color: #111; }
h1, h2, h3 { font-family: "Helvetica Neue", Arial, sans-serif; }
.text p { margin: 0 0 0.8em 0; white-space: pre-wrap; }
.hl { -webkit-print-color-adjust: exact; print-color-adjust: exact; border-bottom: 2px solid #333; }
.hl.overlap { border-bottom: 3px double #000; }
.hl.by { border-bottom: none; padding: 2px 0; }
.coder { padding: 0 0.2em; }
sup.m { font-family: Arial, sans-serif; font-size: 0.65em; font-weight: bold; color: #000; background: #fff; border: 1px solid #555; border-radius: 3px; padding: 0 2px; margin: 0 1px; }
sup.e { font-family: Arial, sans-serif; font-size: 0.65em; color: #555; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #999; padding: 0.2em 0.4em; vertical-align: top; text-align: left; }
.swatch { display: inline-block; width: 1.2em; height: 1em; border: 1px solid #333; vertical-align: middle; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.orphan { color: #8a0000; }
section.doc { page-break-before: always; }
section.doc:first-of-type { page-break-before: auto; }
@media print { body { max-width: none; } }
"#;

/// A short label for each code (initials of its name, made unique), shown in the text.
pub fn short_labels(codes: &[Code]) -> BTreeMap<String, String> {
    let mut used = std::collections::BTreeSet::new();
    let mut out = BTreeMap::new();
    for c in codes {
        let initials: String = c
            .name
            .split(|ch: char| !ch.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(3)
            .filter_map(|w| w.chars().next())
            .flat_map(char::to_uppercase)
            .collect();
        let base = if initials.is_empty() { "C".to_owned() } else { initials };
        let mut label = base.clone();
        let mut n = 2;
        while !used.insert(label.clone()) {
            label = format!("{base}{n}");
            n += 1;
        }
        out.insert(c.id.clone(), label);
    }
    out
}

fn colour(codes: &[Code], id: &str) -> String {
    codes.iter().find(|c| c.id == id).map(|c| format_colour(c.rgb())).unwrap_or_else(|| "#999999".to_owned())
}

/// How each coder's marks are drawn when a document has several coders (an answer key and a
/// student, say): a line style per coder, so that whose mark is whose shows without colour and
/// never merges into one band.
const CODER_MARKS: [(&str, &str); 6] = [
    ("border-bottom: 2px solid #222", "solid underline"),
    ("border-top: 2px dashed #222", "dashed overline"),
    ("border-bottom: 3px dotted #222", "dotted underline"),
    ("outline: 1px solid #222", "thin box"),
    ("border-top: 3px double #222", "double overline"),
    ("border-bottom: 3px double #222", "double underline"),
];

/// Writes the report. Documents without annotations are left out unless
/// `options.include_empty`; the text's language is not known, so the page says "und".
pub fn render<P: FnMut(usize, usize) -> bool>(
    corpus: &Corpus,
    options: &Options,
    ticker: &mut Ticker<P>,
) -> Result<String, Error> {
    let codes = all_codes(corpus);
    let labels = short_labels(&codes);
    let title = corpus
        .root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|_| corpus.documents.len() > 1)
        .unwrap_or_else(|| corpus.documents.first().map(|d| d.doc.file_name()).unwrap_or_default());
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut body = String::new();
    let mut shown = 0;
    let mut left_out = 0;
    for (i, d) in corpus.documents.iter().enumerate() {
        let rows = document_rows(corpus, i, d);
        if rows.is_empty() && !options.include_empty {
            left_out += 1;
            continue;
        }
        shown += 1;
        for r in &rows {
            if let Some(c) = codes.iter().find(|c| c.id == r.annotation.code) {
                *counts.entry(c.id.as_str()).or_default() += 1;
            }
        }
        render_document(&mut body, d, &rows, &codes, &labels, i + 1);
        ticker.annotations(rows.len());
        ticker.report()?;
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"und\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(title.as_str()),
        escape(title.as_str())
    );
    let n: usize = counts.values().sum();
    let _ = writeln!(out, "<p>{shown} document(s), {n} annotation(s). Generated by Marginalia.</p>");
    if left_out > 0 {
        let _ = writeln!(
            out,
            "<p>{left_out} document(s) without annotations are left out (export with “include documents without annotations” to list them).</p>"
        );
    }
    out.push_str("<h2>Legend</h2>\n<table class=\"legend\">\n<tr><th>Colour</th><th>Label</th><th>Code</th><th>Group</th><th>Description</th><th>Count</th></tr>\n");
    for c in &codes {
        let group = c.parent.as_deref().and_then(|p| codes.iter().find(|x| x.id == p)).map(|p| p.name.as_str()).unwrap_or("");
        let _ = writeln!(
            out,
            "<tr><td><span class=\"swatch\" style=\"background:{}\"></span></td><td><b>{}</b></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            colour(&codes, &c.id),
            escape(labels[&c.id].as_str()),
            escape(c.name.as_str()),
            escape(group),
            escape(c.description.as_str()),
            counts.get(c.id.as_str()).copied().unwrap_or(0)
        );
    }
    out.push_str("</table>\n");
    out.push_str(&body);
    out.push_str("</body>\n</html>\n");
    Ok(out)
}

fn render_document(
    out: &mut String,
    d: &crate::corpus::CorpusDocument,
    rows: &[Row<'_>],
    codes: &[Code],
    labels: &BTreeMap<String, String>,
    n: usize,
) {
    let doc = &d.doc;
    let _ = writeln!(
        out,
        "<section class=\"doc\" id=\"doc{n}\">\n<h2>{}</h2>",
        escape(rows.first().map(|r| r.document.clone()).unwrap_or_else(|| doc.file_name()).as_str())
    );
    let coders: Vec<&str> =
        rows.iter().map(|r| r.coder.as_str()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let several = coders.len() > 1;
    // With several coders, each has a line style of its own and a name on each mark.
    let mark_of = |coder: &str| coder_mark(&coders, coder);
    if several {
        let list: Vec<String> = coders
            .iter()
            .map(|c| {
                let (style, name) = CODER_MARKS[mark_of(c)];
                format!("<span class=\"coder\" style=\"{style}\">{}</span> ({name})", escape(*c))
            })
            .collect();
        let _ = writeln!(out, "<p>Coders: {}</p>", list.join(", "));
    } else if let Some(c) = coders.first() {
        let _ = writeln!(out, "<p>Coder: {}</p>", escape(*c));
    }
    // Placed annotations in reading order, numbered as in the list below.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| (rows[i].span.map(|s| (s.start, s.end)).unwrap_or((usize::MAX, usize::MAX)), rows[i].annotation.id));
    let number: BTreeMap<usize, usize> = order.iter().enumerate().map(|(k, &i)| (i, k + 1)).collect();
    let placed: Vec<(usize, Span)> =
        order.iter().filter_map(|&i| rows[i].span.filter(|s| !s.is_empty()).map(|s| (i, s))).collect();
    let cuts: Vec<usize> = placed.iter().flat_map(|(_, s)| [s.start, s.end]).collect();
    out.push_str("<div class=\"text\">\n");
    for p in doc.paragraphs() {
        out.push_str("<p>");
        let mut points: Vec<usize> = vec![p.chars.start, p.chars.end];
        points.extend(cuts.iter().copied().filter(|&c| c > p.chars.start && c < p.chars.end));
        points.sort_unstable();
        points.dedup();
        for w in points.windows(2) {
            let seg = Span::new(w[0], w[1]);
            for (i, _) in placed.iter().filter(|(_, s)| s.start == seg.start) {
                let r = &rows[*i];
                let who = if several { format!("&#160;{}", escape(r.coder.as_str())) } else { String::new() };
                let _ = write!(
                    out,
                    "<sup class=\"m\" title=\"{}\">{}&#160;{}{who}</sup>",
                    escape(format!("{} ({})", r.code_name, r.coder).as_str()),
                    number[i],
                    escape(labels.get(&r.annotation.code).map(String::as_str).unwrap_or("?"))
                );
            }
            let covering: Vec<usize> =
                placed.iter().filter(|(_, s)| s.start <= seg.start && seg.end <= s.end).map(|(i, _)| *i).collect();
            let marks = Marks { rows, codes, number: &number, coders: several.then_some(coders.as_slice()) };
            marks.write_segment(out, &escape(doc.slice(seg)), &covering);
            for (i, _) in placed.iter().filter(|(_, s)| s.end == seg.end) {
                let _ = write!(out, "<sup class=\"e\">{}]</sup>", number[i]);
            }
        }
        out.push_str("</p>\n");
    }
    out.push_str("</div>\n<h3>Annotations</h3>\n");
    annotation_table(out, doc, rows, &order, &number, codes, labels);
    render_links(out, d, rows, &number);
    out.push_str("</section>\n");
}

/// What colours and numbers the marks of one document's text: its rows, the codes, the
/// number of each row, and the coders when there are several (each with a line style).
struct Marks<'a, 'r> {
    rows: &'a [Row<'r>],
    codes: &'a [Code],
    number: &'a BTreeMap<usize, usize>,
    coders: Option<&'a [&'a str]>,
}

/// The line style of `coder` among `coders`.
fn coder_mark(coders: &[&str], coder: &str) -> usize {
    coders.iter().position(|c| *c == coder).unwrap_or(0) % CODER_MARKS.len()
}

impl Marks<'_, '_> {
    /// Writes one stretch of text (escaped) under the annotations in `covering` (row indexes):
    /// one colour band per annotation; with several coders, one span per coder, nested, so
    /// that each keeps its own line and colour band and an answer key's mark and a student's
    /// never merge into one.
    fn write_segment(&self, out: &mut String, text: &str, covering: &[usize]) {
        let bands = |anns: &[usize], alpha: &str| -> String {
            let k = anns.len();
            anns.iter()
                .enumerate()
                .map(|(j, i)| {
                    format!(
                        "{}{alpha} {}% {}%",
                        colour(self.codes, &self.rows[*i].annotation.code),
                        j * 100 / k,
                        (j + 1) * 100 / k
                    )
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let nums = |anns: &[usize]| anns.iter().map(|i| self.number[i].to_string()).collect::<Vec<_>>().join(", ");
        let overlap = |anns: &[usize]| if anns.len() > 1 { " overlap" } else { "" };
        if covering.is_empty() {
            out.push_str(text);
            return;
        }
        let Some(coders) = self.coders else {
            let _ = write!(
                out,
                "<span class=\"hl{}\" style=\"background-image:linear-gradient(to bottom,{})\" title=\"{}\">{text}</span>",
                overlap(covering),
                bands(covering, "55"),
                escape(format!("annotation {}", nums(covering)).as_str()),
            );
            return;
        };
        let mut by_coder: Vec<(&str, Vec<usize>)> = Vec::new();
        for &i in covering {
            let c = self.rows[i].coder.as_str();
            match by_coder.iter_mut().find(|(name, _)| *name == c) {
                Some((_, v)) => v.push(i),
                None => by_coder.push((c, vec![i])),
            }
        }
        for (c, anns) in &by_coder {
            let _ = write!(
                out,
                "<span class=\"hl by{}\" style=\"{};background-image:linear-gradient(to bottom,{})\" title=\"{}\">",
                overlap(anns),
                CODER_MARKS[coder_mark(coders, c)].0,
                bands(anns, "40"),
                escape(format!("{c}: annotation {}", nums(anns)).as_str())
            );
        }
        out.push_str(text);
        for _ in &by_coder {
            out.push_str("</span>");
        }
    }
}

/// The table of a document's annotations, in reading order and numbered as in the text.
fn annotation_table(
    out: &mut String,
    doc: &crate::document::Document,
    rows: &[Row<'_>],
    order: &[usize],
    number: &BTreeMap<usize, usize>,
    codes: &[Code],
    labels: &BTreeMap<String, String>,
) {
    if rows.is_empty() {
        out.push_str("<p>No annotations.</p>\n");
    } else {
        out.push_str("<table>\n<tr><th>#</th><th>Code</th><th>Where</th><th>Text</th><th>Note</th><th>Attributes</th><th>Coder</th></tr>\n");
        for &i in order {
            let r = &rows[i];
            let a = r.annotation;
            let place = match r.span {
                Some(s) => {
                    let (line, col) = doc.line_col(s.start);
                    format!("line {line}, col {col} ({}–{})", s.start, s.end)
                }
                None => "<span class=\"orphan\">not found in the current text</span>".to_owned(),
            };
            let attrs: Vec<String> =
                a.attributes.iter().map(|(k, v)| format!("{}: {}", escape(k.as_str()), escape(v.as_str()))).collect();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td><span class=\"swatch\" style=\"background:{}\"></span> <b>{}</b> {}</td><td>{place}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                number[&i],
                colour(codes, &a.code),
                escape(labels.get(&a.code).map(String::as_str).unwrap_or("?")),
                escape(r.code_name.as_str()),
                escape(a.exact.as_str()),
                escape(a.note.as_str()),
                attrs.join("<br>"),
                escape(r.coder.as_str())
            );
        }
        out.push_str("</table>\n");
    }
}

/// The document's links: from which annotation (by its number), of which type, to which.
fn render_links(out: &mut String, d: &crate::corpus::CorpusDocument, rows: &[Row<'_>], number: &BTreeMap<usize, usize>) {
    let number_of = |links: &[crate::link::Link], id: uuid::Uuid| {
        rows.iter()
            .position(|r| r.annotation.id == id && std::ptr::eq(r.links, links))
            .and_then(|i| number.get(&i))
            .map_or_else(|| "?".to_owned(), usize::to_string)
    };
    let mut lines = Vec::new();
    for sc in &d.sidecars {
        let links = sc.sidecar.links.as_slice();
        for l in links {
            let kind = sc.sidecar.codebook.link_type(&l.link_type);
            let name = kind.map_or(l.link_type.as_str(), |t| t.name.as_str());
            let rgb = kind.and_then(|t| crate::codebook::parse_colour(&t.colour)).unwrap_or([0x99, 0x99, 0x99]);
            let coder = if l.coder.trim().is_empty() { sc.sidecar.coder.as_str() } else { l.coder.as_str() };
            let origin = number_of(links, l.origin);
            let target = number_of(links, l.target);
            let key = (origin.parse::<usize>().unwrap_or(usize::MAX), target.parse::<usize>().unwrap_or(usize::MAX), l.id);
            lines.push((
                key,
                format!(
                    "<tr><td>{origin}</td><td><span class=\"swatch\" style=\"background:{}\"></span> {} →</td><td>{target}</td><td>{}</td><td>{}</td></tr>",
                    format_colour(rgb),
                    escape(name),
                    escape(l.note.as_str()),
                    escape(coder)
                ),
            ));
        }
    }
    if lines.is_empty() {
        return;
    }
    lines.sort();
    out.push_str("<h3>Links</h3>\n<table class=\"links\">\n<tr><th>From #</th><th>Link</th><th>To #</th><th>Note</th><th>Coder</th></tr>\n");
    for (_, line) in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("</table>\n");
}
