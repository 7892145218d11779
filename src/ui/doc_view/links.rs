//! Links drawn over the document: a curve in the right margin from the origin passage to the
//! target, with an arrowhead and the link type's name, when both ends are on screen; a labelled
//! stub at the top or bottom edge, pointing the way, when the other end is not (clicking it
//! goes there and selects it).
//!
//! Only links with an end in the laid-out paragraphs are looked at, through a [`LinkIndex`]
//! built once per change to the annotations or links, so a frame costs the same with ten
//! links or ten thousand.

use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Shape, Stroke, pos2, vec2};
use uuid::Uuid;

use super::{DocEvent, DocView};
use crate::annotation::AnchorStatus;
use crate::codebook::Codebook;
use crate::document::{Document, Span};
use crate::edits::Edits;
use crate::link::{LinkIndex, PlacedLink};

/// Stubs shown at one edge; the rest are counted ("+3 more links").
const MAX_STUBS: usize = 6;
/// Links drawn at most in one frame (a page where every sentence links to every other would
/// be unreadable anyway); the selected annotation's come first.
const MAX_CURVES: usize = 200;

/// What the view keeps about links between frames.
#[derive(Default)]
pub(super) struct LinkLayer {
    /// The index and what it was built for: (links revision, document fingerprint).
    index: Option<((u64, String), LinkIndex)>,
}

/// What was drawn in the last frame (for tests and benchmarks).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrawnLinks {
    /// Curves with both ends on screen.
    pub curves: usize,
    /// The labels of the stubs shown at the top and bottom edges.
    pub stubs: Vec<String>,
}

/// A link with one end on screen, waiting for its place at an edge.
struct Stub {
    up: bool,
    label: String,
    /// The annotation at the other end (where a click goes).
    other: Uuid,
    colour: Color32,
    emphasised: bool,
}

impl LinkLayer {
    /// The index for the current links (rebuilt only when links or linked places may have
    /// changed: not while annotations are added).
    fn index(&mut self, doc: &Document, edits: &Edits) -> &LinkIndex {
        let key = (edits.links_revision(), doc.fingerprint().to_owned());
        if self.index.as_ref().is_none_or(|(k, _)| *k != key) {
            let place = |id| edits.get(id).filter(|a| a.status != AnchorStatus::Orphaned).map(|a| a.span());
            self.index = Some((key, LinkIndex::build(edits.links(), place)));
        }
        &self.index.as_ref().expect("just built").1
    }
}

/// A link type's colour (grey when unknown).
pub fn link_colour(codebook: &Codebook, link_type: &str) -> Color32 {
    let [r, g, b] =
        codebook.link_type(link_type).and_then(|t| crate::codebook::parse_colour(&t.colour)).unwrap_or([0x99, 0x99, 0x99]);
    Color32::from_rgb(r, g, b)
}

/// "3 lines up", "1 line down", "further up" (same line of a long paragraph).
fn distance_text(lines: usize, up: bool) -> String {
    let way = if up { "up" } else { "down" };
    match lines {
        0 => format!("further {way}"),
        1 => format!("1 line {way}"),
        n => format!("{n} lines {way}"),
    }
}

impl DocView {
    /// Draws the links with an end among the laid-out paragraphs (see the module's comment).
    /// `column` is the reading column's x range on screen.
    pub(super) fn paint_links(
        &mut self,
        ui: &mut egui::Ui,
        doc: &Document,
        edits: &Edits,
        selected: Option<Uuid>,
        column: (f32, f32),
        events: &mut Vec<DocEvent>,
    ) {
        self.drawn_links = DrawnLinks::default();
        // The proposed target of a link being made: a heavy outline in the text's own colour.
        if let Some(a) = self.link_candidate.and_then(|id| edits.get(id)) {
            let stroke = Stroke::new(3.0, ui.visuals().strong_text_color());
            for r in self.span_rects(doc, a.span()) {
                ui.painter().rect_stroke(r.expand(2.0), 3.0, stroke, egui::StrokeKind::Outside);
            }
        }
        let (Some(first), Some(last)) = (self.placed.first(), self.placed.last()) else { return };
        let paras = doc.paragraphs();
        let (start, end) = (paras[first.para].chars.start, paras[last.para].chars.end + 1);
        let mut layer = std::mem::take(&mut self.links);
        let index = layer.index(doc, edits);
        if index.links().is_empty() {
            self.links = layer;
            return;
        }
        let mut touching = index.touching(start, end);
        let involves = |l: &PlacedLink| selected.is_some_and(|s| s == l.origin || s == l.target);
        // The selected annotation's links first, so that they are never the ones left out.
        touching.sort_by_key(|&i| !involves(&index.links()[i]));
        touching.truncate(MAX_CURVES);
        let clip = ui.clip_rect();
        let codebook = edits.codebook();
        let painter = ui.painter().clone();
        let background = ui.visuals().panel_fill;
        let mut stubs = Vec::new();
        let mut lane = 0usize;
        for &i in &touching {
            let l = &index.links()[i];
            let name = codebook.link_type(&l.link_type).map_or(l.link_type.as_str(), |t| t.name.as_str());
            let emphasised = involves(l);
            let mut colour = link_colour(codebook, &l.link_type);
            if selected.is_some() && !emphasised {
                colour = colour.gamma_multiply(0.55);
            }
            let from = self.end_on_screen(doc, l.origin_span, clip);
            let to = self.end_on_screen(doc, l.target_span, clip);
            let lines = |a: Span, b: Span| doc.paragraph_at(a.start).abs_diff(doc.paragraph_at(b.start));
            match (from, to) {
                (Some(a), Some(b)) => {
                    curve(&painter, a, b, column.1, clip, lane, (colour, background), emphasised, name);
                    lane += 1;
                    self.drawn_links.curves += 1;
                }
                (Some(_), None) => {
                    let up = l.target_span.start < l.origin_span.start;
                    let label = format!("{name}: {}", distance_text(lines(l.origin_span, l.target_span), up));
                    stubs.push(Stub { up, label, other: l.target, colour, emphasised });
                }
                (None, Some(_)) => {
                    let up = l.origin_span.start < l.target_span.start;
                    let label = format!("From {}: {name}", distance_text(lines(l.origin_span, l.target_span), up));
                    stubs.push(Stub { up, label, other: l.origin, colour, emphasised });
                }
                (None, None) => {}
            }
        }
        self.links = layer;
        for up in [true, false] {
            let at_edge: Vec<&Stub> = stubs.iter().filter(|s| s.up == up).collect();
            self.stub_row(ui, &at_edge, column, clip, events);
        }
    }

    /// The first stretch of `span` that is on screen, if any.
    fn end_on_screen(&self, doc: &Document, span: Span, clip: Rect) -> Option<Rect> {
        self.span_rects(doc, span).into_iter().find(|r| r.max.y > clip.min.y + 2.0 && r.min.y < clip.max.y - 2.0)
    }

    /// One edge's stubs, left to right from the column's start; those that do not fit are
    /// counted at the end.
    fn stub_row(&mut self, ui: &mut egui::Ui, stubs: &[&Stub], column: (f32, f32), clip: Rect, events: &mut Vec<DocEvent>) {
        if stubs.is_empty() {
            return;
        }
        let font = FontId::proportional(13.0);
        let height = 22.0;
        let y = if stubs[0].up { clip.min.y + 4.0 } else { clip.max.y - height - 4.0 };
        let mut x = column.0;
        let painter = ui.painter().clone();
        let background = ui.visuals().panel_fill;
        let text_colour = ui.visuals().text_color();
        let mut shown = 0;
        for stub in stubs.iter().take(MAX_STUBS) {
            let galley = painter.layout_no_wrap(stub.label.clone(), font.clone(), text_colour);
            let width = galley.size().x + 28.0;
            if shown > 0 && x + width > column.1.max(column.0 + 200.0) {
                break;
            }
            let rect = Rect::from_min_size(pos2(x, y), vec2(width, height));
            let id = egui::Id::unique(("link-stub", stub.other, stub.up, shown));
            // Dragging too, so that a press on the stub is not the start of a text selection
            // (which scrolls the view when it begins at its edge).
            let response = ui.interact(rect, id, Sense::click_and_drag());
            let label = stub.label.clone();
            response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
            let stroke = Stroke::new(if stub.emphasised || response.hovered() { 2.5 } else { 1.5 }, stub.colour);
            painter.rect_filled(rect, 4.0, background);
            painter.rect_stroke(rect, 4.0, stroke, egui::StrokeKind::Inside);
            // The pointer: a triangle pointing the way to the other end.
            let c = pos2(rect.min.x + 12.0, rect.center().y);
            let tri = if stub.up {
                vec![pos2(c.x, c.y - 6.0), pos2(c.x + 5.5, c.y + 4.0), pos2(c.x - 5.5, c.y + 4.0)]
            } else {
                vec![pos2(c.x, c.y + 6.0), pos2(c.x - 5.5, c.y - 4.0), pos2(c.x + 5.5, c.y - 4.0)]
            };
            painter.add(Shape::convex_polygon(tri, stub.colour, Stroke::NONE));
            painter.galley(pos2(rect.min.x + 22.0, rect.center().y - galley.size().y / 2.0), galley, text_colour);
            let response = response.on_hover_text("Go to the other end of this link");
            if response.clicked() {
                events.push(DocEvent::FollowLink(stub.other));
            }
            self.drawn_links.stubs.push(stub.label.clone());
            x += width + 6.0;
            shown += 1;
        }
        if shown < stubs.len() {
            let more = stubs.len() - shown;
            let text = format!("+{more} more link{}", if more == 1 { "" } else { "s" });
            painter.text(pos2(x, y + height / 2.0), Align2::LEFT_CENTER, text, font, text_colour);
        }
    }
}

/// A curve through the right margin from `from` (the origin's first stretch on screen) to `to`,
/// ending in an arrowhead, with the type's name at its middle. `lane` spreads neighbouring
/// curves apart.
#[allow(clippy::too_many_arguments)]
fn curve(
    painter: &egui::Painter,
    from: Rect,
    to: Rect,
    column_right: f32,
    clip: Rect,
    lane: usize,
    (colour, background): (Color32, Color32),
    emphasised: bool,
    name: &str,
) {
    let p0 = pos2(from.max.x, from.center().y);
    let p3 = pos2(to.max.x, to.center().y);
    let x = (column_right + 14.0 + 10.0 * (lane % 4) as f32).min(clip.max.x - 24.0).max(p0.x.max(p3.x) + 12.0);
    let lift = if (p0.y - p3.y).abs() < 6.0 { 14.0 } else { 0.0 };
    let c1 = pos2(x, p0.y - lift);
    let c2 = pos2(x, p3.y - lift);
    let width = if emphasised { 3.0 } else { 1.5 };
    let stroke = Stroke::new(width, colour);
    painter.add(egui::epaint::CubicBezierShape::from_points_stroke([p0, c1, c2, p3], false, Color32::TRANSPARENT, stroke));
    painter.circle_filled(p0, width + 1.0, colour);
    arrowhead(painter, c2, p3, colour, if emphasised { 12.0 } else { 9.0 });
    // The name at the curve's middle, on a background so that text under it does not show.
    let mid = Pos2::new(0.125 * p0.x + 0.375 * (c1.x + c2.x) + 0.125 * p3.x, 0.125 * p0.y + 0.375 * (c1.y + c2.y) + 0.125 * p3.y);
    let galley = painter.layout_no_wrap(name.to_owned(), FontId::proportional(12.0), colour);
    // Right of the curve, in the margin, rather than over the ends of the lines.
    let size = galley.size() + vec2(6.0, 2.0);
    let rect = Rect::from_min_size(pos2(mid.x + 2.0, mid.y - size.y / 2.0), size);
    let rect = rect.translate(vec2((clip.max.x - 4.0 - rect.max.x).min(0.0), 0.0));
    painter.rect_filled(rect, 3.0, background);
    painter.galley(rect.min + vec2(3.0, 1.0), galley, colour);
}

/// A filled triangle at `tip`, pointing along the direction from `from` to `tip`.
fn arrowhead(painter: &egui::Painter, from: Pos2, tip: Pos2, colour: Color32, size: f32) {
    let dir = (tip - from).normalized();
    let dir = if dir.is_finite() && dir.length() > 0.5 { dir } else { vec2(-1.0, 0.0) };
    let base = tip - dir * size;
    let side = vec2(-dir.y, dir.x) * (size * 0.5);
    painter.add(Shape::convex_polygon(vec![tip, base + side, base - side], colour, Stroke::NONE));
}
