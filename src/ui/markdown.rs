//! Markdown as assignments' instructions use it, drawn with plain labels: headings,
//! paragraphs, emphasis and lists. Parsed by `pulldown-cmark` (CommonMark); what these blocks
//! cannot show (links, code, quotes) is kept as its text.

use egui::Ui;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

/// A run of text with its emphasis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub strong: bool,
    pub italic: bool,
}

/// A block of Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading(u8, Vec<Run>),
    Paragraph(Vec<Run>),
    /// A list item: its marker ("-" or "1."), its text.
    Item(String, Vec<Run>),
}

/// Splits Markdown into blocks, with the emphasis of their text.
pub fn parse_markdown(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut runs: Vec<Run> = Vec::new();
    let (mut strong, mut italic) = (0usize, 0usize);
    // The next number of each open list (`None`: bulleted), and the markers of open items.
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut items: Vec<String> = Vec::new();
    let add = |runs: &mut Vec<Run>, text: &str, strong: bool, italic: bool| match runs.last_mut() {
        Some(last) if last.strong == strong && last.italic == italic => last.text.push_str(text),
        _ => runs.push(Run { text: text.to_owned(), strong, italic }),
    };
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::List(first)) => lists.push(first),
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                // A list inside an item: the outer item's text so far is a block of its own.
                if let Some(outer) = items.last()
                    && !runs.is_empty()
                {
                    blocks.push(Block::Item(outer.clone(), std::mem::take(&mut runs)));
                }
                let marker = match lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}.", *n - 1)
                    }
                    _ => "-".to_owned(),
                };
                items.push(marker);
            }
            Event::End(TagEnd::Item) => {
                let marker = items.pop().unwrap_or_else(|| "-".to_owned());
                if !runs.is_empty() {
                    blocks.push(Block::Item(marker, std::mem::take(&mut runs)));
                }
            }
            Event::End(TagEnd::Heading(level)) => {
                let level = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                };
                blocks.push(Block::Heading(level, std::mem::take(&mut runs)));
            }
            // A paragraph inside an item is the item's text (ended with the item).
            Event::End(TagEnd::Paragraph) if items.is_empty() => {
                if !runs.is_empty() {
                    blocks.push(Block::Paragraph(std::mem::take(&mut runs)));
                }
            }
            Event::End(TagEnd::Paragraph) if !runs.is_empty() => add(&mut runs, " ", strong > 0, italic > 0),
            Event::Start(Tag::Strong) => strong += 1,
            Event::End(TagEnd::Strong) => strong = strong.saturating_sub(1),
            Event::Start(Tag::Emphasis) => italic += 1,
            Event::End(TagEnd::Emphasis) => italic = italic.saturating_sub(1),
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                add(&mut runs, &t, strong > 0, italic > 0);
            }
            Event::SoftBreak | Event::HardBreak => add(&mut runs, " ", strong > 0, italic > 0),
            Event::End(TagEnd::CodeBlock | TagEnd::BlockQuote(_) | TagEnd::HtmlBlock) if items.is_empty() => {
                if !runs.is_empty() {
                    blocks.push(Block::Paragraph(std::mem::take(&mut runs)));
                }
            }
            _ => {}
        }
    }
    if !runs.is_empty() {
        blocks.push(Block::Paragraph(runs));
    }
    // Trailing spaces left by paragraphs inside items.
    for block in &mut blocks {
        let (Block::Heading(_, runs) | Block::Paragraph(runs) | Block::Item(_, runs)) = block;
        if let Some(last) = runs.last_mut() {
            let kept = last.text.trim_end().len();
            last.text.truncate(kept);
        }
        runs.retain(|r| !r.text.is_empty());
    }
    blocks
}

/// Draws Markdown with plain labels.
pub fn markdown_ui(ui: &mut Ui, text: &str) {
    for block in parse_markdown(text) {
        match block {
            Block::Heading(level, runs) => {
                let size = match level {
                    1 => 21.0,
                    2 => 18.0,
                    _ => 16.0,
                };
                ui.add_space(4.0);
                ui.label(layout(ui, &runs, size, true));
            }
            Block::Paragraph(runs) => {
                let size = ui.style().text_styles[&egui::TextStyle::Body].size;
                ui.label(layout(ui, &runs, size, false));
                ui.add_space(4.0);
            }
            Block::Item(marker, runs) => {
                let size = ui.style().text_styles[&egui::TextStyle::Body].size;
                ui.horizontal_wrapped(|ui| {
                    ui.add_space(12.0);
                    ui.label(marker);
                    ui.label(layout(ui, &runs, size, false));
                });
            }
        }
    }
}

fn layout(ui: &Ui, runs: &[Run], size: f32, heading: bool) -> egui::text::LayoutJob {
    let mut job = egui::text::LayoutJob::default();
    let font = egui::FontId::proportional(size);
    for run in runs {
        let strong = run.strong || heading;
        let color = if strong { ui.visuals().strong_text_color() } else { ui.visuals().text_color() };
        let format = egui::TextFormat { font_id: font.clone(), color, italics: run.italic, ..Default::default() };
        job.append(&run.text, 0.0, format);
    }
    job.wrap.max_width = ui.available_width();
    job
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Run {
        Run { text: text.to_owned(), strong: false, italic: false }
    }

    #[test]
    fn markdown_blocks_and_emphasis() {
        let blocks = parse_markdown(
            "# Week 1\n\nMark every *claim* and\n**all** evidence.\n\n- first\n- second_item\n  goes on\n2. then\n",
        );
        assert_eq!(blocks[0], Block::Heading(1, vec![plain("Week 1")]));
        assert_eq!(
            blocks[1],
            Block::Paragraph(vec![
                plain("Mark every "),
                Run { text: "claim".into(), strong: false, italic: true },
                plain(" and "),
                Run { text: "all".into(), strong: true, italic: false },
                plain(" evidence."),
            ])
        );
        assert_eq!(blocks[2], Block::Item("-".into(), vec![plain("first")]));
        assert_eq!(blocks[3], Block::Item("-".into(), vec![plain("second_item goes on")]));
        assert_eq!(blocks[4], Block::Item("2.".into(), vec![plain("then")]));
        assert_eq!(blocks.len(), 5);
    }

    #[test]
    fn an_unclosed_marker_is_text() {
        assert_eq!(parse_markdown("5 * 3 = 15"), vec![Block::Paragraph(vec![plain("5 * 3 = 15")])]);
    }

    #[test]
    fn nested_lists_keep_their_items_in_order() {
        let blocks = parse_markdown("1. one\n   - a\n   - b\n2. two\n");
        let markers: Vec<&str> = blocks.iter().map(|b| if let Block::Item(m, _) = b { m.as_str() } else { "?" }).collect();
        assert_eq!(markers, ["1.", "-", "-", "2."]);
    }
}
