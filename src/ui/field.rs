//! Text fields that keep everything typed into them, however fast.
//!
//! egui gives a frame's keys to the widget that has the keyboard focus when the frame starts,
//! and a click in the same frame moves the focus first. Letters typed just before a click
//! (fast typing, an input method, a burst of keys) arrive in that frame and would be lost: a
//! name typed and "Add" clicked at once came out cut short. [`keep_typed`] puts them where the
//! field's cursor was.

use egui::{Event, Response, Ui};

/// Called right after adding a `TextEdit` on `text`: when the field lost the focus to a click
/// in this frame without taking the frame's typing, inserts the text typed before that click
/// at the field's cursor (replacing its selection). Returns whether it changed `text`.
pub fn keep_typed(ui: &Ui, response: &Response, text: &mut String) -> bool {
    if !response.lost_focus() || response.changed() {
        return false;
    }
    let typed = typed_before_click(ui);
    if typed.is_empty() {
        return false;
    }
    let chars = text.chars().count();
    let (from, to) =
        egui::TextEdit::load_state(ui.ctx(), response.id).and_then(|s| s.cursor.char_range()).map_or((chars, chars), |r| {
            let (a, b) = (r.primary.index.0.min(chars), r.secondary.index.0.min(chars));
            (a.min(b), a.max(b))
        });
    let byte = |c: usize| text.char_indices().nth(c).map_or(text.len(), |(b, _)| b);
    let (start, end) = (byte(from), byte(to));
    text.replace_range(start..end, &typed);
    true
}

/// The text typed in this frame before its first press of a pointer button.
fn typed_before_click(ui: &Ui) -> String {
    ui.input(|i| {
        let mut typed = String::new();
        for e in &i.events {
            match e {
                Event::PointerButton { pressed: true, .. } => return typed,
                Event::Text(t) | Event::Paste(t) => typed.push_str(t),
                _ => {}
            }
        }
        // No click: the focus went some other way (Tab, Escape), after the field took the keys.
        String::new()
    })
}

/// Whether keys in this frame were typed into a field that a click in the same frame took
/// the focus from: `had_field` says a text field had the keyboard at the end of the last frame.
/// Those keys are text, never shortcuts.
pub fn typed_into_a_field_just_left(ctx: &egui::Context, had_field: bool) -> bool {
    had_field
        && ctx.input(|i| {
            i.events.iter().any(|e| matches!(e, Event::PointerButton { pressed: true, .. }))
                && i.events.iter().any(|e| matches!(e, Event::Text(_) | Event::Key { .. }))
        })
}
