//! Small widgets every view uses.

use egui::RichText;

/// A small coloured chip with a code's cue, name and key (for lists and buttons).
pub fn code_chip(ui: &mut egui::Ui, codebook: &crate::Codebook, code_id: &str) {
    super::doc_view::cue_sample(ui, codebook, code_id);
    let name = codebook.code(code_id).map_or(code_id.to_owned(), |c| c.name.clone());
    ui.label(RichText::new(name).strong());
}
