//! The document view: a reading column that lays out only the paragraphs on screen, draws
//! highlights in their codes' colours with a stacked underline cue per code, and handles its own
//! pointer and keyboard selection in code points (snapped to graphemes when tagging).
//!
//! Cost follows what is visible: paragraph heights are estimated until a paragraph is first
//! laid out, their running sum is kept in a prefix array, and the visible range is found by
//! binary search. Annotation lookups go through the index in [`crate::edits::Edits`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::text::{CCursor, LayoutJob, TextFormat};
use egui::{Color32, FontId, Galley, Id, Key, Modifiers, Pos2, Rect, Sense, Stroke, pos2, vec2};
use uuid::Uuid;

use crate::codebook::{Codebook, Cue};
use crate::document::{Document, Span};
use crate::edits::Edits;

mod links;
pub use links::{DrawnLinks, link_colour};

/// A caret with an anchor; the selection is the span between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    pub anchor: usize,
    pub caret: usize,
}

impl Selection {
    pub fn caret(pos: usize) -> Self {
        Self { anchor: pos, caret: pos }
    }
    pub fn span(&self) -> Span {
        Span::new(self.anchor, self.caret)
    }
}

/// What the view asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum DocEvent {
    /// The reader clicked an annotation's highlight.
    SelectAnnotation(Uuid),
    /// The reader clicked plain text.
    ClearAnnotation,
    /// The reader clicked a link's stub at the edge: go to the annotation at its other end.
    FollowLink(Uuid),
}

/// How the view draws this frame.
pub struct ViewStyle {
    pub font_size: f32,
    pub line_width: f32,
    pub dark: bool,
}

/// A paragraph laid out this frame (for hit-testing).
struct Placed {
    para: usize,
    pos: Pos2,
    galley: Arc<Galley>,
    /// Highlighted passages of the paragraph (code points from its start) and their colours,
    /// painted behind the text.
    backgrounds: Vec<(usize, usize, Color32)>,
    /// The part of the text selection in this paragraph (code points from its start).
    selection: Option<(usize, usize)>,
    /// Which code points run right to left (empty: none; the rows were not reordered).
    rtl: super::bidi::Directions,
    /// Flags (pairs of regional indicators), drawn as one labelled cell: (code point from the
    /// paragraph's start, the two letters).
    flags: Vec<(usize, String)>,
}

impl Placed {
    /// Each row's rect and the x ranges that code points `s..e` cover.
    fn segments(&self, s: usize, e: usize) -> Vec<(Rect, f32, f32)> {
        if self.rtl.is_empty() { row_segments(&self.galley, s, e) } else { super::bidi::segments(&self.galley, s, e) }
    }
}

#[derive(Default)]
pub struct DocView {
    /// Right-to-left galleys put in visual order: (as laid out, as shown, directions).
    reordered: Vec<(Arc<Galley>, Arc<Galley>, super::bidi::Directions)>,
    heights: Vec<f32>,
    measured: Vec<bool>,
    tops: Vec<f32>,
    tops_dirty: bool,
    /// (font size, width, document fingerprint): when it changes, estimates are redone.
    layout_key: Option<(u32, u32, String)>,
    pub selection: Option<Selection>,
    /// A code point to bring into view on the next frame.
    pub scroll_to: Option<usize>,
    /// A code point whose paragraph goes to the very top on the next frame (reopening a
    /// document where its reader left it; 0 for the top).
    pub scroll_to_top: Option<usize>,
    /// The paragraph at the top of the view in the last frame.
    top_paragraph: usize,
    /// A span that flashes briefly (after jumping to an annotation).
    pub flash: Option<(Span, Instant)>,
    pub find_matches: Vec<Span>,
    pub find_current: Option<usize>,
    placed: Vec<Placed>,
    click_count: (Option<Instant>, usize, usize),
    /// The first and last paragraph drawn in the last frame (for tests and benchmarks).
    pub visible_paragraphs: (usize, usize),
    pub has_focus: bool,
    links: links::LinkLayer,
    /// The links drawn in the last frame (for tests and benchmarks).
    pub drawn_links: DrawnLinks,
    /// The annotation proposed as a new link's target (outlined while a link is being made
    /// with the keyboard).
    pub link_candidate: Option<Uuid>,
    /// The last `scroll_to` and how many more frames it is kept while the paragraphs around
    /// it are measured (estimated heights would otherwise leave the target off screen).
    settling: Option<(usize, u8)>,
    /// The height of the view in the last frame.
    viewport_height: f32,
    /// What each paragraph's text alone decides (its right-to-left analysis, its emoji
    /// clusters), by paragraph, for the document of `text_of`: worked out once when the
    /// paragraph first shows, not in every frame.
    text_info: std::collections::HashMap<usize, Arc<TextInfo>>,
    /// The fingerprint of the document `text_info` describes.
    text_of: String,
}

/// What a paragraph's text alone decides for its layout.
struct TextInfo {
    bidi: Option<super::bidi::Analysis>,
    clusters: Vec<Cluster>,
}

/// Paragraphs whose [`TextInfo`] is kept (a few screens' worth; beyond, the cache starts over).
const TEXT_INFO_KEPT: usize = 2_000;

const FLASH: Duration = Duration::from_millis(900);

pub fn view_id() -> Id {
    Id::unique("marginalia-document-view")
}

impl DocView {
    /// The selection as a non-empty span, if there is one.
    pub fn selected_span(&self) -> Option<Span> {
        self.selection.map(|s| s.span()).filter(|s| !s.is_empty())
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Where the code points of `span` are drawn (one rect per stretch of a row), if their
    /// paragraph was drawn in the last frame. Right-to-left text makes several stretches.
    pub fn span_rects(&self, doc: &Document, span: Span) -> Vec<Rect> {
        let p = doc.paragraph_at(span.start);
        let Some(placed) = self.placed.iter().find(|pl| pl.para == p) else { return Vec::new() };
        let start = doc.paragraphs()[p].chars.start;
        placed
            .segments(span.start - start, span.end - start)
            .into_iter()
            .map(|(row, x0, x1)| Rect::from_x_y_ranges(x0..=x1, row.y_range()).translate(placed.pos.to_vec2()))
            .collect()
    }

    /// The most characters on one visual row drawn in the last frame (the reading measure).
    pub fn widest_visible_row(&self) -> usize {
        self.placed.iter().flat_map(|p| p.galley.rows.iter()).map(|r| r.row.char_count_excluding_newline().0).max().unwrap_or(0)
    }

    /// The first code point of the paragraph at the top of the view (where reading resumes).
    pub fn top_position(&self, doc: &Document) -> usize {
        doc.paragraphs().get(self.top_paragraph).map_or(0, |p| p.chars.start)
    }

    fn prepare(&mut self, ui: &egui::Ui, doc: &Document, style: &ViewStyle, width: f32) {
        let key = (style.font_size.to_bits(), width.round() as u32, doc.fingerprint().to_owned());
        if self.layout_key.as_ref() == Some(&key) && self.heights.len() == doc.paragraphs().len() {
            return;
        }
        let font = FontId::proportional(style.font_size);
        let sample = "The quick brown fox jumps over the lazy dog, and “quotes” — too.";
        let galley = ui.painter().layout_no_wrap(sample.to_owned(), font.clone(), Color32::WHITE);
        let char_w = galley.size().x / sample.chars().count() as f32;
        let row_h = galley.size().y;
        let gap = paragraph_gap(style.font_size);
        let per_row = (width / char_w).max(1.0);
        self.heights = doc.paragraphs().iter().map(|p| (p.chars.len() as f32 / per_row).ceil().max(1.0) * row_h + gap).collect();
        self.measured = vec![false; self.heights.len()];
        self.tops_dirty = true;
        self.layout_key = Some(key);
    }

    fn recompute_tops(&mut self) {
        if !self.tops_dirty && self.tops.len() == self.heights.len() + 1 {
            return;
        }
        self.tops.clear();
        self.tops.reserve(self.heights.len() + 1);
        let mut y = 0.0;
        self.tops.push(0.0);
        for h in &self.heights {
            y += h;
            self.tops.push(y);
        }
        self.tops_dirty = false;
    }

    /// Draws the document. Returns events for the app.
    ///
    /// Longer than most functions here on purpose: it is one pass over the visible paragraphs
    /// (scroll, lay out, paint, hit-test), and splitting it would pass the same half-dozen
    /// borrows through every piece.
    #[allow(clippy::too_many_arguments)]
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        doc: &Document,
        edits: &Edits,
        selected: Option<Uuid>,
        filter: Option<&str>,
        style: &ViewStyle,
    ) -> Vec<DocEvent> {
        let mut events = Vec::new();
        // Links are drawn in the margin right of the text: keep room for their names.
        let gutter = if edits.links().is_empty() { 24.0 } else { 110.0 };
        let width = style.line_width.min(ui.available_width() - gutter).max(120.0);
        self.prepare(ui, doc, style, width);
        self.recompute_tops();
        let total = *self.tops.last().unwrap_or(&0.0);

        let mut scroll = egui::ScrollArea::vertical().id_salt("document-scroll").auto_shrink([false, false]);
        if let Some(pos) = self.scroll_to.take() {
            self.settling = match self.settling {
                Some((at, left)) if at == pos => Some((at, left)),
                _ => Some((pos, 6)),
            };
            let p = doc.paragraph_at(pos);
            // Not past the end: the scroll area would pull the view back over a few frames.
            let y = (self.tops.get(p).copied().unwrap_or(0.0) - 80.0).min(total - self.viewport_height).max(0.0);
            scroll = scroll.vertical_scroll_offset(y);
        } else if let Some(pos) = self.scroll_to_top.take() {
            let p = doc.paragraph_at(pos.min(doc.len_chars()));
            scroll = scroll.vertical_scroll_offset(self.tops.get(p).copied().unwrap_or(0.0));
        }
        let codebook = edits.codebook();
        let output = scroll.show_viewport(ui, |ui, viewport| {
            ui.set_height(total);
            let left_pad = ((ui.available_width() - width) / 2.0).max(8.0);
            let origin = ui.max_rect().min + vec2(left_pad, 0.0);
            let first = self.tops.partition_point(|&t| t <= viewport.min.y).saturating_sub(1);
            self.top_paragraph = first;
            self.placed.clear();
            let mut p = first;
            let mut changed = false;
            while p < doc.paragraphs().len() && self.tops[p] < viewport.max.y {
                let info = self.text_info(doc, p);
                let (galley, backgrounds, flags) =
                    self.layout_paragraph(&info, ui, doc, edits, p, style, width, selected, filter);
                let para = doc.paragraphs()[p];
                let (galley, rtl) = self.visual(ui, galley, &doc.text()[para.bytes.0..para.bytes.1], info.bidi.as_ref());
                let gap = paragraph_gap(style.font_size);
                let h = galley.size().y.max(style.font_size) + gap;
                if !self.measured[p] || (self.heights[p] - h).abs() > 0.5 {
                    self.heights[p] = h;
                    self.measured[p] = true;
                    changed = true;
                }
                let pos = origin + vec2(0.0, self.tops[p]);
                let para = doc.paragraphs()[p].chars;
                let selection = self
                    .selected_span()
                    .filter(|s| s.overlaps(&para))
                    .map(|s| (s.start.max(para.start) - para.start, s.end.min(para.end) - para.start));
                self.placed.push(Placed { para: p, pos, galley, backgrounds, selection, rtl, flags });
                p += 1;
            }
            self.visible_paragraphs = (first, p.saturating_sub(1));
            if changed {
                self.tops_dirty = true;
                ui.ctx().request_repaint();
            }
            self.viewport_height = viewport.height();
            // Measuring moved the text: scroll to the same place again, a few frames at most.
            self.settling = match self.settling.take() {
                Some((pos, left)) if left > 0 && (changed || !(first..p).contains(&doc.paragraph_at(pos))) => {
                    self.scroll_to = Some(pos);
                    Some((pos, left - 1))
                }
                _ => None,
            };
            // Interaction over the whole visible column.
            let rect = Rect::from_min_max(
                pos2(ui.max_rect().min.x, origin.y + viewport.min.y),
                pos2(ui.max_rect().max.x, origin.y + viewport.max.y),
            );
            let response = ui.interact(rect, view_id(), Sense::click_and_drag());
            response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Document text"));
            self.paint(ui, doc, edits, codebook, selected, filter);
            self.handle_pointer(ui, &response, doc, edits, &mut events);
            self.paint_links(ui, doc, edits, selected, (origin.x, origin.x + width), &mut events);
            if response.has_focus() {
                ui.memory_mut(|m| {
                    m.set_focus_lock_filter(
                        view_id(),
                        egui::EventFilter { horizontal_arrows: true, vertical_arrows: true, tab: false, escape: false },
                    )
                });
            }
            self.has_focus = response.has_focus();
            if self.has_focus {
                // Focus is seen: a ring around the reading column, and a caret to move from.
                if self.selection.is_none() {
                    self.selection = Some(Selection::caret(self.top_position(doc)));
                }
                let ring = Rect::from_min_max(
                    pos2(origin.x - 6.0, origin.y + viewport.min.y + 2.0),
                    pos2(origin.x + width + 6.0, origin.y + viewport.max.y - 2.0),
                );
                ui.painter().rect_stroke(ring, 4.0, ui.visuals().selection.stroke, egui::StrokeKind::Inside);
            }
            if response.hovered()
                && let Some(pos) = ui.ctx().pointer_hover_pos().and_then(|p| self.char_at_doc(doc, p))
            {
                let here: Vec<_> = edits.at(pos).collect();
                if !here.is_empty() {
                    response.on_hover_ui_at_pointer(|ui| {
                        for a in here.iter().take(6) {
                            let name = codebook.code(&a.code).map(|c| c.name.as_str()).unwrap_or(&a.code);
                            ui.strong(name);
                            if !a.note.is_empty() {
                                ui.label(&a.note);
                            }
                        }
                    });
                }
            }
        });
        let _ = output;
        events
    }

    /// Lays out paragraph `p` and works out its highlights. The text is laid out with one
    /// format (split only where find matches change the text colour), so a paragraph's layout
    /// does not depend on its annotations: egui's galley cache keeps it while annotations are
    /// added, and shaping costs the same however many annotations cover the text. Highlights
    /// come back as background spans that [`Self::paint`] draws behind the text.
    ///
    /// Kept in one piece: it walks the paragraph's text once, cutting runs where highlights
    /// begin and end, and the cut points are the state that a split would have to share.
    #[allow(clippy::too_many_arguments)]
    /// The paragraph's [`TextInfo`], worked out on first use.
    fn text_info(&mut self, doc: &Document, p: usize) -> Arc<TextInfo> {
        if self.text_of != doc.fingerprint() || self.text_info.len() >= TEXT_INFO_KEPT {
            self.text_info.clear();
            doc.fingerprint().clone_into(&mut self.text_of);
        }
        let para = doc.paragraphs()[p];
        let text = &doc.text()[para.bytes.0..para.bytes.1];
        Arc::clone(
            self.text_info
                .entry(p)
                .or_insert_with(|| Arc::new(TextInfo { bidi: super::bidi::Analysis::of(text), clusters: emoji_clusters(text) })),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn layout_paragraph(
        &self,
        info: &TextInfo,
        ui: &egui::Ui,
        doc: &Document,
        edits: &Edits,
        p: usize,
        style: &ViewStyle,
        width: f32,
        selected: Option<Uuid>,
        filter: Option<&str>,
    ) -> Laid {
        let para = doc.paragraphs()[p];
        let text = &doc.text()[para.bytes.0..para.bytes.1];
        let font = FontId::proportional(style.font_size);
        let text_colour = ui.visuals().text_color();
        let base =
            TextFormat { font_id: font, color: text_colour, line_height: Some(style.font_size * 1.7), ..Default::default() };
        let span = para.chars;
        // Cut points: every boundary of an annotation, the selection, find matches and flash.
        let anns: Vec<usize> = edits.overlapping(span).collect();
        let mut cuts: Vec<usize> = vec![span.start, span.end];
        let mut push = |s: Span| {
            if s.overlaps(&span) {
                cuts.push(s.start.clamp(span.start, span.end));
                cuts.push(s.end.clamp(span.start, span.end));
            }
        };
        for &i in &anns {
            push(edits.annotations()[i].span());
        }
        if let Some(sel) = self.selected_span() {
            push(sel);
        }
        let matches_here = self.matches_in(span);
        for &m in &matches_here {
            push(self.find_matches[m]);
        }
        if let Some((f, _)) = self.flash {
            push(f);
        }
        cuts.sort_unstable();
        cuts.dedup();
        let flash_on = self.flash.is_some_and(|(_, t)| t.elapsed() < FLASH);
        if let Some((_, t)) = self.flash.filter(|_| flash_on) {
            ui.ctx().request_repaint_after(FLASH.saturating_sub(t.elapsed()));
        }
        let mut backgrounds: Vec<(usize, usize, Color32)> = Vec::new();
        // Sections of the layout: (start byte in the paragraph, text colour), merged while equal.
        let mut colours: Vec<(usize, Color32)> = vec![(0, text_colour)];
        for w in cuts.windows(2) {
            let seg = Span::new(w[0], w[1]);
            if seg.is_empty() {
                continue;
            }
            let mut background = Color32::TRANSPARENT;
            let mut colour = text_colour;
            let covering: Vec<&crate::Annotation> = anns
                .iter()
                .map(|&i| &*edits.annotations()[i])
                .filter(|a| a.span().overlaps(&seg) && filter.is_none_or(|f| a.code == f))
                .collect();
            if !covering.is_empty() {
                background = blend_highlight(covering.iter().map(|a| code_colour(edits.codebook(), &a.code)), style.dark);
                if covering.iter().any(|a| Some(a.id) == selected) {
                    background = strengthen(background, style.dark);
                }
            }
            if let Some(m) = matches_here.iter().find(|&&m| self.find_matches[m].overlaps(&seg)) {
                let strong = Some(*m) == self.find_current;
                background = if strong { Color32::from_rgb(255, 200, 0) } else { Color32::from_rgb(255, 236, 150) };
                colour = Color32::BLACK;
            }
            if flash_on && self.flash.is_some_and(|(f, _)| f.overlaps(&seg)) {
                background = if style.dark { Color32::from_rgb(120, 100, 0) } else { Color32::from_rgb(255, 230, 120) };
            }
            // Text on a highlight stays readable: at least 4.5:1 against what the highlight
            // and the page make together, whatever the code's colour and the theme.
            if background != Color32::TRANSPARENT && colour == text_colour {
                (background, colour) = readable_highlight(background, ui.visuals().panel_fill, text_colour);
            }
            let (s, e) = (seg.start - span.start, seg.end - span.start);
            if background != Color32::TRANSPARENT {
                match backgrounds.last_mut() {
                    Some(last) if last.1 == s && last.2 == background => last.1 = e,
                    _ => backgrounds.push((s, e, background)),
                }
            }
            if colours.last().is_some_and(|&(_, c)| c != colour) {
                colours.push((doc.byte_of(seg.start) - para.bytes.0, colour));
            }
        }
        let mut job = LayoutJob { text: text.to_owned(), ..Default::default() };
        job.wrap.max_width = width;
        let clusters = &info.clusters;
        let bidi = &info.bidi;
        // Section boundaries: colour changes, the edges of hidden parts of emoji clusters, and
        // changes of direction.
        let mut points: Vec<usize> = colours.iter().map(|&(b, _)| b).collect();
        points.extend(bidi.iter().flat_map(|b| b.cuts.iter().copied()));
        points.extend(clusters.iter().flat_map(|c| [c.hidden.start, c.hidden.end]));
        points.push(text.len());
        points.sort_unstable();
        points.dedup();
        let hidden = TextFormat {
            font_id: FontId::proportional(0.01),
            color: Color32::TRANSPARENT,
            line_height: base.line_height,
            ..Default::default()
        };
        for w in points.windows(2) {
            let (from, to) = (w[0], w[1]);
            let colour = colours[colours.partition_point(|&(b, _)| b <= from).saturating_sub(1)].1;
            let format = match clusters.iter().find(|c| c.hidden.start <= from && to <= c.hidden.end) {
                Some(c) if c.flag.is_some() && from == c.hidden.start => {
                    TextFormat { color: Color32::TRANSPARENT, ..base.clone() }
                }
                Some(_) => hidden.clone(),
                None => TextFormat { color: colour, ..base.clone() },
            };
            job.sections.push(egui::text::LayoutSection {
                leading_space: 0.0,
                byte_range: egui::text::ByteIndex(from)..egui::text::ByteIndex(to),
                format,
            });
        }
        let flags = clusters.iter().filter_map(|c| c.flag.clone().map(|f| (text[..c.hidden.start].chars().count(), f))).collect();
        (ui.painter().layout_job(job), backgrounds, flags)
    }

    /// The galley in visual order: reordered once per laid-out galley (egui hands back the same
    /// galley while the paragraph and its sections are unchanged), not in every frame.
    fn visual(
        &mut self,
        ui: &egui::Ui,
        galley: Arc<Galley>,
        text: &str,
        bidi: Option<&super::bidi::Analysis>,
    ) -> (Arc<Galley>, super::bidi::Directions) {
        let Some(analysis) = bidi else { return (galley, Vec::new()) };
        if let Some((_, shown, rtl)) = self.reordered.iter().find(|(laid, ..)| Arc::ptr_eq(laid, &galley)) {
            return (Arc::clone(shown), rtl.clone());
        }
        let painter = ui.painter();
        let (shown, rtl) = super::bidi::reorder(Arc::clone(&galley), text, analysis, &mut |job| painter.layout_job(job));
        if self.reordered.len() >= REORDERED_KEPT {
            self.reordered.remove(0);
        }
        self.reordered.push((galley, Arc::clone(&shown), rtl.clone()));
        (shown, rtl)
    }

    fn matches_in(&self, span: Span) -> Vec<usize> {
        let first = self.find_matches.partition_point(|m| m.end <= span.start);
        (first..self.find_matches.len()).take_while(|&i| self.find_matches[i].start < span.end).collect()
    }

    /// Paints what was laid out: highlights, the selection, the text, underline cues and the
    /// selected annotation's outline, paragraph by paragraph in one pass (the pieces share
    /// each paragraph's galley and position, so they stay together).
    fn paint(
        &self,
        ui: &egui::Ui,
        doc: &Document,
        edits: &Edits,
        codebook: &Codebook,
        selected: Option<Uuid>,
        filter: Option<&str>,
    ) {
        let painter = ui.painter();
        let text_colour = ui.visuals().text_color();
        // Rows of a long paragraph may lie far outside the view: only what is seen is drawn.
        let clip = ui.clip_rect();
        let seen = |placed: &Placed, row: &Rect| {
            let (top, bottom) = (placed.pos.y + row.min.y, placed.pos.y + row.max.y);
            bottom >= clip.min.y && top <= clip.max.y
        };
        for placed in &self.placed {
            // Every highlight of the paragraph in one mesh: one shape, nothing to tessellate.
            let mut mesh = egui::Mesh::default();
            for &(s, e, colour) in &placed.backgrounds {
                for (row_rect, x0, x1) in placed.segments(s, e).into_iter().filter(|(r, ..)| seen(placed, r)) {
                    let rect = Rect::from_x_y_ranges(x0..=x1, row_rect.y_range()).translate(placed.pos.to_vec2());
                    mesh.add_colored_rect(rect, colour);
                }
            }
            if !mesh.is_empty() {
                painter.add(mesh);
            }
            // The text selection: a neutral wash with an outline in the text's own colour, a
            // style no code's highlight has (codes are colours; the selection is not).
            if let Some((s, e)) = placed.selection {
                let wash = text_colour.gamma_multiply(0.22);
                for (row_rect, x0, x1) in placed.segments(s, e).into_iter().filter(|(r, ..)| seen(placed, r)) {
                    let rect = Rect::from_x_y_ranges(x0..=x1, row_rect.y_range()).translate(placed.pos.to_vec2());
                    painter.rect_filled(rect, 0.0, wash);
                    painter.rect_stroke(rect, 0.0, Stroke::new(1.5, text_colour), egui::StrokeKind::Outside);
                }
            }
            painter.galley(placed.pos, placed.galley.clone(), text_colour);
            for (at, letters) in &placed.flags {
                let cell = placed.galley.pos_from_cursor(CCursor::new(*at)).translate(placed.pos.to_vec2());
                let advance = placed.galley.pos_from_cursor(CCursor::new(*at + 1)).min.x - cell.min.x;
                let rect =
                    Rect::from_min_size(cell.min, vec2(advance.max(cell.height() * 0.9), cell.height())).shrink2(vec2(1.0, 3.0));
                painter.rect_stroke(rect, 3.0, Stroke::new(1.0, text_colour), egui::StrokeKind::Inside);
                painter.text(
                    rect.center(),
                    egui::Align2::CENTER_CENTER,
                    letters,
                    FontId::proportional(rect.height() * 0.5),
                    text_colour,
                );
            }
            let para = doc.paragraphs()[placed.para];
            // Underline cues, stacked so overlapping annotations stay distinguishable.
            let anns: Vec<usize> = edits.overlapping(para.chars).collect();
            let levels = stack_levels(edits, &anns);
            let mut cues = egui::Mesh::default();
            for (&i, &level) in anns.iter().zip(&levels) {
                let a = &edits.annotations()[i];
                if filter.is_some_and(|f| a.code != f) {
                    continue;
                }
                let Some(code) = codebook.code(&a.code) else { continue };
                let [r, g, b] = code.rgb();
                let colour = Color32::from_rgb(r, g, b);
                let width = if Some(a.id) == selected { 2.5 } else { 1.5 };
                let s = a.start.max(para.chars.start) - para.chars.start;
                let e = a.end.min(para.chars.end) - para.chars.start;
                for (row_rect, x0, x1) in placed.segments(s, e).into_iter().filter(|(r, ..)| seen(placed, r)) {
                    let y = placed.pos.y + row_rect.max.y - 1.5 - (level % 3) as f32 * 3.5;
                    let x0 = placed.pos.x + x0;
                    let x1 = placed.pos.x + x1;
                    if code.cue == Cue::Box {
                        let r = Rect::from_min_max(
                            pos2(x0, placed.pos.y + row_rect.min.y + 1.0),
                            pos2(x1, placed.pos.y + row_rect.max.y - 1.0),
                        );
                        painter.rect_stroke(r, 2.0, Stroke::new(width, colour), egui::StrokeKind::Inside);
                    } else {
                        draw_cue(&mut cues, code.cue, x0, x1, y, Stroke::new(width, colour));
                    }
                    // A merge left this annotation for someone to settle: dashed lines above
                    // and below in the text's own colour, whatever the code's colour.
                    if a.conflict.is_some() {
                        let stroke = Stroke::new(1.5, text_colour);
                        draw_cue(&mut cues, Cue::Dashed, x0, x1, placed.pos.y + row_rect.min.y + 1.0, stroke);
                        draw_cue(&mut cues, Cue::Dashed, x0, x1, placed.pos.y + row_rect.max.y + 1.5, stroke);
                    }
                }
            }
            if !cues.is_empty() {
                painter.add(cues);
            }
            // The caret.
            if let Some(sel) = self.selection
                && self.has_focus
                && para.chars.start <= sel.caret
                && sel.caret <= para.chars.end
            {
                let rect = placed.galley.pos_from_cursor(CCursor::new(sel.caret - para.chars.start));
                let rect = rect.translate(placed.pos.to_vec2());
                painter.line_segment([rect.left_top(), rect.left_bottom()], Stroke::new(2.0, ui.visuals().strong_text_color()));
            }
        }
    }

    /// The code point under a screen position, if it is over laid-out text.
    pub fn char_at_doc(&self, doc: &Document, pos: Pos2) -> Option<usize> {
        let placed = self.placed.iter().find(|p| pos.y < p.pos.y + p.galley.size().y.max(1.0) + 4.0).or(self.placed.last())?;
        let index = super::bidi::cursor_at(&placed.galley, pos - placed.pos, &placed.rtl);
        let para = doc.paragraphs()[placed.para];
        Some((para.chars.start + index).min(para.chars.end))
    }

    fn handle_pointer(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        doc: &Document,
        edits: &Edits,
        events: &mut Vec<DocEvent>,
    ) {
        let shift = ui.input(|i| i.modifiers.shift);
        let pressed = ui.input(|i| i.pointer.primary_pressed());
        // Where the button went down: read from the event itself, because a tap (press and
        // release in one frame) leaves no press origin behind.
        let press_at = ui.input(|i| {
            i.events
                .iter()
                .find_map(|e| match e {
                    egui::Event::PointerButton { pos, button: egui::PointerButton::Primary, pressed: true, .. } => Some(*pos),
                    _ => None,
                })
                .or(i.pointer.press_origin())
        });
        if pressed
            && response.contains_pointer()
            && let Some(pos) = press_at.and_then(|p| self.char_at_doc(doc, p))
        {
            response.request_focus();
            if shift && self.selection.is_some() {
                if let Some(sel) = &mut self.selection {
                    sel.caret = pos;
                }
            } else {
                // Count clicks for double (word) and triple (paragraph) selection.
                let now = Instant::now();
                let (last, count, last_pos) = self.click_count;
                let quick =
                    last.is_some_and(|t| now.duration_since(t) < Duration::from_millis(450)) && last_pos.abs_diff(pos) <= 1;
                let count = if quick { count + 1 } else { 1 };
                self.click_count = (Some(now), count, pos);
                self.selection = Some(match count {
                    2 => {
                        let w = doc.word_at(pos);
                        Selection { anchor: w.start, caret: w.end }
                    }
                    n if n >= 3 => {
                        let para = doc.paragraphs()[doc.paragraph_at(pos)].chars;
                        Selection { anchor: para.start, caret: para.end }
                    }
                    _ => Selection::caret(pos),
                });
            }
        }
        if response.dragged()
            && let Some(pos) = ui.input(|i| i.pointer.interact_pos()).and_then(|p| self.char_at_doc(doc, p))
            && let Some(sel) = &mut self.selection
        {
            sel.caret = pos;
        }
        if response.clicked() && !shift && self.click_count.1 == 1 && self.selected_span().is_none() {
            // A click (not a drag) on a highlight selects its annotation: the shortest one.
            if let Some(pos) = ui.input(|i| i.pointer.interact_pos()).and_then(|p| self.char_at_doc(doc, p)) {
                let best = edits.at(pos).min_by_key(|a| a.end - a.start).map(|a| a.id);
                events.push(match best {
                    Some(id) => DocEvent::SelectAnnotation(id),
                    None => DocEvent::ClearAnnotation,
                });
            }
        }
        if response.has_focus() {
            self.handle_keys(ui, doc);
        }
    }

    fn handle_keys(&mut self, ui: &egui::Ui, doc: &Document) {
        let caret = self.selection.map_or(0, |s| s.caret);
        let moves: [(Key, bool); 6] = [
            (Key::ArrowLeft, false),
            (Key::ArrowRight, false),
            (Key::ArrowUp, false),
            (Key::ArrowDown, false),
            (Key::Home, false),
            (Key::End, false),
        ];
        for (key, _) in moves {
            for (mods, extend) in [
                (Modifiers::COMMAND | Modifiers::SHIFT, true),
                (Modifiers::SHIFT, true),
                (Modifiers::COMMAND, false),
                (Modifiers::NONE, false),
            ] {
                if !ui.input_mut(|i| i.consume_key(mods, key)) {
                    continue;
                }
                let by_word = mods.command;
                let new = match key {
                    Key::ArrowLeft if by_word => doc.word_at(doc.prev_grapheme(caret)).start,
                    Key::ArrowLeft => doc.prev_grapheme(caret),
                    Key::ArrowRight if by_word => doc.word_at(caret).end,
                    Key::ArrowRight => doc.next_grapheme(caret),
                    Key::ArrowUp | Key::ArrowDown => self.vertical_move(doc, caret, key == Key::ArrowUp),
                    Key::Home => doc.paragraphs()[doc.paragraph_at(caret)].chars.start,
                    _ => doc.paragraphs()[doc.paragraph_at(caret)].chars.end,
                };
                let anchor = if extend { self.selection.map_or(caret, |s| s.anchor) } else { new };
                self.selection = Some(Selection { anchor, caret: new });
                self.keep_caret_visible(doc, new);
            }
        }
        if ui.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::A)) {
            self.selection = Some(Selection { anchor: 0, caret: doc.len_chars() });
        }
    }

    /// Up/Down: the same x on the previous/next visual row (falling back to paragraphs).
    fn vertical_move(&self, doc: &Document, caret: usize, up: bool) -> usize {
        let p = doc.paragraph_at(caret);
        if let Some(placed) = self.placed.iter().find(|pl| pl.para == p) {
            let para = doc.paragraphs()[p];
            let rect = placed.galley.pos_from_cursor(CCursor::new(caret - para.chars.start));
            let target = if up { rect.min.y - 2.0 } else { rect.max.y + 2.0 };
            if target >= 0.0 && target <= placed.galley.size().y {
                return para.chars.start + placed.galley.cursor_from_pos(vec2(rect.min.x, target)).index.0;
            }
            let next = if up { p.checked_sub(1) } else { (p + 1 < doc.paragraphs().len()).then_some(p + 1) };
            return match next {
                Some(n) => {
                    let np = doc.paragraphs()[n];
                    match self.placed.iter().find(|pl| pl.para == n) {
                        Some(pl) => {
                            let y = if up { pl.galley.size().y - 2.0 } else { 2.0 };
                            np.chars.start + pl.galley.cursor_from_pos(vec2(rect.min.x, y)).index.0
                        }
                        None => (np.chars.start + (caret - para.chars.start)).min(np.chars.end),
                    }
                }
                None => caret,
            };
        }
        caret
    }
}

impl DocView {
    /// Where code point `pos` is drawn on screen, if its paragraph was drawn in the last frame.
    pub fn screen_rect_of(&self, doc: &Document, pos: usize) -> Option<Rect> {
        let p = doc.paragraph_at(pos);
        let placed = self.placed.iter().find(|pl| pl.para == p)?;
        let para = doc.paragraphs()[p];
        let rect = placed.galley.pos_from_cursor(CCursor::new(pos.min(para.chars.end) - para.chars.start));
        Some(rect.translate(placed.pos.to_vec2()))
    }

    /// Keeps the caret on screen while moving it with the keyboard.
    fn keep_caret_visible(&mut self, doc: &Document, pos: usize) {
        let p = doc.paragraph_at(pos);
        let (first, last) = self.visible_paragraphs;
        if p < first || p > last {
            self.scroll_to = Some(pos);
        }
    }

    /// Scrolls so that the paragraph holding `pos` is visible if it is not drawn now.
    pub fn ensure_visible(&mut self, doc: &Document, pos: usize) {
        let p = doc.paragraph_at(pos);
        let (first, last) = self.visible_paragraphs;
        if p <= first || p >= last {
            self.scroll_to = Some(pos);
        }
    }
}

/// A paragraph laid out: its galley, highlights, flags and directions (see [`Placed`]).
type Laid = (Arc<Galley>, Vec<(usize, usize, Color32)>, Vec<(usize, String)>);

/// How many reordered right-to-left galleys are kept (a screenful of paragraphs and more).
const REORDERED_KEPT: usize = 64;

/// An emoji sequence that would show as its parts: a ZWJ sequence (a family, a profession), a
/// keycap or a flag. Its extra code points are laid out invisible and nearly zero wide, so that
/// one symbol shows in one cell; positions are untouched.
struct Cluster {
    /// Bytes (from the paragraph's start) drawn invisibly.
    hidden: std::ops::Range<usize>,
    /// For a flag, its two letters: the whole pair is hidden and a labelled cell drawn instead.
    flag: Option<String>,
}

fn emoji_clusters(text: &str) -> Vec<Cluster> {
    use unicode_segmentation::UnicodeSegmentation;
    let regional = |c: char| ('\u{1F1E6}'..='\u{1F1FF}').contains(&c);
    if !text.chars().any(|c| c == '\u{200D}' || c == '\u{20E3}' || regional(c)) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (at, g) in text.grapheme_indices(true) {
        let mut chars = g.char_indices();
        let Some((_, first)) = chars.next() else { continue };
        let Some((second_at, _)) = chars.next() else { continue };
        if regional(first) {
            let letters: String =
                g.chars().filter(|&c| regional(c)).map(|c| char::from(b'A' + (c as u32 - 0x1F1E6) as u8)).collect();
            // The first indicator keeps its cell (invisible); the rest takes no room.
            out.push(Cluster { hidden: at..at + first.len_utf8(), flag: Some(letters) });
            out.push(Cluster { hidden: at + second_at..at + g.len(), flag: None });
        } else if g.contains('\u{200D}') || g.contains('\u{20E3}') {
            out.push(Cluster { hidden: at + second_at..at + g.len(), flag: None });
        }
    }
    out
}

/// Underline levels for overlapping annotations: each takes the lowest level that no earlier
/// annotation it overlaps uses, so nested and crossing spans get separate lines.
fn stack_levels(edits: &Edits, anns: &[usize]) -> Vec<usize> {
    let mut levels: Vec<usize> = Vec::with_capacity(anns.len());
    for (k, &i) in anns.iter().enumerate() {
        let span = edits.annotations()[i].span();
        let mut level = 0;
        while anns[..k].iter().zip(&levels).any(|(&j, &l)| l == level && edits.annotations()[j].span().overlaps(&span)) {
            level += 1;
        }
        levels.push(level);
    }
    levels
}

fn paragraph_gap(font_size: f32) -> f32 {
    font_size * 0.35
}

/// The colour of a code (grey when unknown).
pub fn code_colour(codebook: &Codebook, code: &str) -> Color32 {
    let [r, g, b] = codebook.code(code).map(|c| c.rgb()).unwrap_or([0x99, 0x99, 0x99]);
    Color32::from_rgb(r, g, b)
}

/// A translucent background mixing the colours of every annotation covering a passage.
fn blend_highlight(colours: impl Iterator<Item = Color32>, dark: bool) -> Color32 {
    let (mut r, mut g, mut b, mut n) = (0u32, 0u32, 0u32, 0u32);
    for c in colours {
        r += c.r() as u32;
        g += c.g() as u32;
        b += c.b() as u32;
        n += 1;
    }
    if n == 0 {
        return Color32::TRANSPARENT;
    }
    let (r, g, b) = ((r / n) as u8, (g / n) as u8, (b / n) as u8);
    // More layers, more opaque, so nesting reads as darker.
    let alpha = (if dark { 80 } else { 60 } + 35 * (n.min(4) - 1)) as u8;
    Color32::from_rgba_unmultiplied(r, g, b, alpha)
}

/// The relative luminance of an sRGB colour (WCAG 2).
fn luminance(c: Color32) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.03928 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
}

/// The contrast ratio of two opaque colours (WCAG 2), from 1 to 21.
pub fn contrast(a: Color32, b: Color32) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `over` (with its alpha) painted on the opaque `page`.
pub fn composite(over: Color32, page: Color32) -> Color32 {
    let [r, g, b, a] = over.to_srgba_unmultiplied();
    let t = f32::from(a) / 255.0;
    let mix = |o: u8, p: u8| (f32::from(o) * t + f32::from(p) * (1.0 - t)).round() as u8;
    Color32::from_rgb(mix(r, page.r()), mix(g, page.g()), mix(b, page.b()))
}

/// The contrast text needs on a highlight (WCAG AA for body text).
pub const TEXT_CONTRAST: f64 = 4.5;

/// A highlight `background` (translucent) on `page`, and the colour of the text on it, such
/// that the text has at least [`TEXT_CONTRAST`] against the two together: the theme's text
/// colour when it has, else a near-black or near-white text; when neither has (a mid-tone
/// colour), the highlight is made lighter until one does.
pub fn readable_highlight(background: Color32, page: Color32, text: Color32) -> (Color32, Color32) {
    let [r, g, b, a] = background.to_srgba_unmultiplied();
    let candidates = [text, Color32::from_gray(16), Color32::from_gray(245)];
    let mut alpha = a;
    loop {
        let bg = Color32::from_rgba_unmultiplied(r, g, b, alpha);
        let seen = composite(bg, page);
        if let Some(t) = candidates.iter().find(|&&t| contrast(t, seen) >= TEXT_CONTRAST) {
            return (bg, *t);
        }
        if alpha <= 12 {
            return (bg, text);
        }
        alpha = alpha.saturating_sub(12);
    }
}

fn strengthen(c: Color32, dark: bool) -> Color32 {
    let [r, g, b, a] = c.to_srgba_unmultiplied();
    Color32::from_rgba_unmultiplied(r, g, b, a.saturating_add(if dark { 70 } else { 60 }))
}

/// For the chars `s..e` of a galley: each row's rect with the x range covered.
pub(super) fn row_segments(galley: &Galley, s: usize, e: usize) -> Vec<(Rect, f32, f32)> {
    let mut out = Vec::new();
    let mut row_start = 0usize;
    for row in &galley.rows {
        let n = row.row.char_count_excluding_newline().0;
        let row_end = row_start + n;
        let (a, b) = (s.max(row_start), e.min(row_end));
        if a < b {
            let x0 = row.pos.x + row.row.x_offset(egui::epaint::text::CharIndex(a - row_start));
            let x1 = row.pos.x + row.row.x_offset(egui::epaint::text::CharIndex(b - row_start));
            out.push((row.rect(), x0, x1));
        }
        row_start = row_end + usize::from(row.ends_with_newline);
    }
    out
}

/// Draws a horizontal underline in the pattern of a cue. Straight strokes and dots go into
/// `mesh` as rectangles (a page of text has hundreds of them, and one mesh costs what one
/// shape does).
fn draw_cue(mesh: &mut egui::Mesh, cue: Cue, x0: f32, x1: f32, y: f32, stroke: Stroke) {
    let colour = stroke.color;
    let mut line = |a: f32, b: f32, y: f32, width: f32| {
        mesh.add_colored_rect(Rect::from_min_max(pos2(a, y - width / 2.0), pos2(b, y + width / 2.0)), colour);
    };
    match cue {
        Cue::Solid | Cue::Box => line(x0, x1, y, stroke.width),
        Cue::Thick => line(x0, x1, y, stroke.width * 2.0),
        Cue::Dashed => {
            let mut x = x0;
            while x < x1 {
                line(x, (x + 6.0).min(x1), y, stroke.width);
                x += 10.0;
            }
        }
        Cue::Dotted => {
            // Square dots: at this size they look round.
            let half = 0.9 * stroke.width;
            let mut x = x0 + 1.0;
            while x < x1 {
                line(x - half, x + half, y, 2.0 * half);
                x += 4.0;
            }
        }
        Cue::Double => {
            line(x0, x1, y, 1.0);
            line(x0, x1, y - 2.5, 1.0);
        }
        Cue::Wavy => {
            // A zigzag as a strip of triangles, each point widened vertically.
            let half = stroke.width / 2.0;
            let mut x = x0;
            let mut up = true;
            while x <= x1 {
                let at = if up { y - 1.5 } else { y + 1.0 };
                let i = mesh.vertices.len() as u32;
                mesh.colored_vertex(pos2(x, at - half), colour);
                mesh.colored_vertex(pos2(x, at + half), colour);
                if x > x0 {
                    mesh.add_triangle(i - 2, i - 1, i);
                    mesh.add_triangle(i - 1, i, i + 1);
                }
                x += 3.0;
                up = !up;
            }
        }
        Cue::DashDot => {
            let half = 0.8 * stroke.width;
            let mut x = x0;
            while x < x1 {
                line(x, (x + 7.0).min(x1), y, stroke.width);
                if x + 10.0 < x1 {
                    line(x + 10.0 - half, x + 10.0 + half, y, 2.0 * half);
                }
                x += 14.0;
            }
        }
    }
}

/// A small sample of a code's cue (for chips in the panel and legend).
pub fn cue_sample(ui: &mut egui::Ui, codebook: &Codebook, code_id: &str) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(vec2(26.0, 16.0), Sense::hover());
    if let Some(code) = codebook.code(code_id) {
        let [r, g, b] = code.rgb();
        let colour = Color32::from_rgb(r, g, b);
        let painter = ui.painter();
        painter.rect_filled(rect.shrink2(vec2(0.0, 3.0)), 3.0, colour.gamma_multiply(0.45));
        if code.cue == Cue::Box {
            painter.rect_stroke(rect.shrink2(vec2(0.0, 3.0)), 3.0, Stroke::new(1.5, colour), egui::StrokeKind::Inside);
        } else {
            let mut mesh = egui::Mesh::default();
            let (x0, x1, y) = (rect.min.x + 1.0, rect.max.x - 1.0, rect.max.y - 2.0);
            draw_cue(&mut mesh, code.cue, x0, x1, y, Stroke::new(1.5, colour));
            painter.add(mesh);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text on any highlight the app draws is readable: every colour of the built-in codebooks
    /// and of the palette new codes take, alone, mixed, nested and selected, in both themes.
    #[test]
    fn text_on_every_highlight_has_at_least_the_contrast_body_text_needs() {
        let mut colours: Vec<Color32> = crate::codebook::SAFE_PALETTE
            .iter()
            .map(|(hex, _)| {
                let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
                Color32::from_rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
            })
            .collect();
        let cb = crate::codebook::Codebook::default();
        colours.extend(cb.codes.iter().map(|c| code_colour(&cb, &c.id)));
        for dark in [false, true] {
            let visuals = if dark { egui::Visuals::dark() } else { egui::Visuals::light() };
            let (page, text) = (visuals.panel_fill, visuals.text_color());
            for (i, &c) in colours.iter().enumerate() {
                let layers: Vec<Vec<Color32>> =
                    vec![vec![c], vec![c, c], vec![c, colours[(i + 3) % colours.len()]], vec![c, c, c, c]];
                for layer in layers {
                    let bg = blend_highlight(layer.iter().copied(), dark);
                    for bg in [bg, strengthen(bg, dark)] {
                        let (shown, on) = readable_highlight(bg, page, text);
                        let ratio = contrast(on, composite(shown, page));
                        assert!(ratio >= TEXT_CONTRAST, "dark {dark}: {c:?} x{} gives {ratio:.2}:1", layer.len());
                    }
                }
            }
        }
    }
}
