//! Every command the app knows, with its label and keyboard shortcut, so that menus, shortcuts
//! and help are built from one list. Widgets never change state: they push commands, and the
//! app applies them once per frame.

use std::path::PathBuf;

use egui::{Key, KeyboardShortcut, Modifiers};
use uuid::Uuid;

use crate::edits::Action;

// A handful of commands per frame: their size does not matter, their plainness does.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    ShowOpen,
    OpenPath(PathBuf),
    ShowExport,
    SaveNow,
    Undo,
    Redo,
    ToggleFind,
    FindNext,
    FindPrevious,
    /// Tag the selection (or the current find match) with a code.
    Tag(String),
    DeleteSelected,
    /// Select an annotation; `jump` scrolls the document to it and flashes it.
    Select(Option<Uuid>, bool),
    NextAnnotation,
    PreviousAnnotation,
    /// Show only one code's annotations (None: all).
    Filter(Option<String>),
    TextBigger,
    TextSmaller,
    ZoomIn,
    ZoomOut,
    ZoomReset,
    /// Apply a core action (note, code, attribute and span edits, re-attach, delete code...).
    Apply(Action),
    ReloadTheirs,
    KeepMine,
    ShowShortcuts,
    ClearSelection,
    /// Open the compare view of the open document's coders.
    CompareCoders,
    /// Open the codebook editor.
    EditCodebook,
    /// Ask for the coder's name again.
    ChangeName,
    /// Give the keyboard to the document text (caret, selection, number keys).
    FocusDocument,
    /// Give the keyboard to the folder's list of documents.
    FocusFolder,
    /// Show or hide the annotation panel.
    ToggleAnnotationPanel,
    /// Show or hide the folder's list of documents.
    ToggleFolderPanel,
    /// Open the Retrieve window (passages across the open folder).
    ShowRetrieve,
}

const CMD: Modifiers = Modifiers::COMMAND;
const CMD_SHIFT: Modifiers = Modifiers { shift: true, ..Modifiers::COMMAND };

impl Command {
    /// The commands that have a global shortcut, in the order Help lists them.
    pub fn with_shortcuts() -> Vec<Command> {
        vec![
            Command::ShowOpen,
            Command::ShowExport,
            Command::SaveNow,
            Command::Undo,
            Command::Redo,
            Command::ToggleFind,
            Command::FindNext,
            Command::FindPrevious,
            Command::NextAnnotation,
            Command::PreviousAnnotation,
            Command::DeleteSelected,
            Command::TextBigger,
            Command::TextSmaller,
            Command::ZoomIn,
            Command::ZoomOut,
            Command::ZoomReset,
            Command::FocusDocument,
            Command::FocusFolder,
            Command::ToggleAnnotationPanel,
            Command::ToggleFolderPanel,
            Command::ShowShortcuts,
            Command::ClearSelection,
        ]
    }

    pub fn label(&self) -> &'static str {
        match self {
            Command::ShowOpen => "Open…",
            Command::OpenPath(_) => "Open",
            Command::ShowExport => "Export…",
            Command::SaveNow => "Save now",
            Command::Undo => "Undo",
            Command::Redo => "Redo",
            Command::ToggleFind => "Find in document",
            Command::FindNext => "Next match",
            Command::FindPrevious => "Previous match",
            Command::Tag(_) => "Tag selection",
            Command::DeleteSelected => "Delete annotation",
            Command::Select(..) => "Select annotation",
            Command::NextAnnotation => "Next annotation",
            Command::PreviousAnnotation => "Previous annotation",
            Command::Filter(_) => "Filter by code",
            Command::TextBigger => "Larger text",
            Command::TextSmaller => "Smaller text",
            Command::ZoomIn => "Zoom in (whole window)",
            Command::ZoomOut => "Zoom out (whole window)",
            Command::ZoomReset => "Reset zoom",
            Command::Apply(_) => "Edit",
            Command::ReloadTheirs => "Reload the file on disk",
            Command::KeepMine => "Keep mine",
            Command::ShowShortcuts => "Keyboard shortcuts",
            Command::ClearSelection => "Clear selection / close find",
            Command::CompareCoders => "Compare coders…",
            Command::EditCodebook => "Edit codebook…",
            Command::ChangeName => "Your name…",
            Command::FocusDocument => "Go to the document text",
            Command::FocusFolder => "Go to the list of documents",
            Command::ToggleAnnotationPanel => "Show/hide the annotation panel",
            Command::ToggleFolderPanel => "Show/hide the list of documents",
            Command::ShowRetrieve => "Retrieve passages…",
        }
    }

    /// Shortcuts that work anywhere (even while typing in a field).
    pub fn shortcut(&self) -> Option<KeyboardShortcut> {
        let k = |m, key| Some(KeyboardShortcut::new(m, key));
        match self {
            Command::ShowOpen => k(CMD, Key::O),
            Command::ShowExport => k(CMD, Key::E),
            Command::SaveNow => k(CMD, Key::S),
            Command::ToggleFind => k(CMD, Key::F),
            Command::FindNext => k(Modifiers::NONE, Key::F3),
            Command::FindPrevious => k(Modifiers::SHIFT, Key::F3),
            Command::TextBigger => k(CMD, Key::Equals),
            Command::TextSmaller => k(CMD, Key::Minus),
            Command::ZoomIn => k(CMD_SHIFT, Key::Equals),
            Command::ZoomOut => k(CMD_SHIFT, Key::Minus),
            Command::ZoomReset => k(CMD, Key::Num0),
            Command::ShowShortcuts => k(Modifiers::NONE, Key::F1),
            Command::FocusDocument => k(Modifiers::NONE, Key::F6),
            Command::FocusFolder => k(Modifiers::SHIFT, Key::F6),
            Command::ToggleAnnotationPanel => k(CMD_SHIFT, Key::P),
            Command::ToggleFolderPanel => k(CMD_SHIFT, Key::L),
            _ => None,
        }
    }

    /// The shortcut and the other key combinations that do the same: Shift+= types "+" on
    /// most keyboards, so Ctrl+Shift+= arrives as Ctrl+Shift+Plus.
    pub fn shortcuts(&self) -> Vec<KeyboardShortcut> {
        let mut all: Vec<KeyboardShortcut> = self.shortcut().into_iter().collect();
        match self {
            Command::TextBigger => all.push(KeyboardShortcut::new(CMD, Key::Plus)),
            Command::ZoomIn => all.push(KeyboardShortcut::new(CMD_SHIFT, Key::Plus)),
            _ => {}
        }
        all
    }

    /// Shortcuts that work only when no text field has the keyboard (so typing is safe).
    pub fn reading_shortcuts(&self) -> &'static [(Modifiers, Key)] {
        match self {
            Command::Undo => &[(CMD, Key::Z)],
            Command::Redo => &[(CMD_SHIFT, Key::Z), (CMD, Key::Y)],
            Command::NextAnnotation => &[(Modifiers::NONE, Key::N), (Modifiers::ALT, Key::ArrowDown)],
            Command::PreviousAnnotation => &[(Modifiers::SHIFT, Key::N), (Modifiers::ALT, Key::ArrowUp)],
            Command::DeleteSelected => &[(Modifiers::NONE, Key::Delete)],
            Command::ClearSelection => &[(Modifiers::NONE, Key::Escape)],
            _ => &[],
        }
    }

    /// Text for Help > Keyboard shortcuts and menus.
    pub fn shortcut_text(&self, ctx: &egui::Context) -> String {
        let mut parts: Vec<String> = self.shortcut().iter().map(|s| ctx.format_shortcut(s)).collect();
        for (m, key) in self.reading_shortcuts() {
            parts.push(ctx.format_shortcut(&KeyboardShortcut::new(*m, *key)));
        }
        parts.join(" or ")
    }
}

/// The number keys, in the order codes get them.
pub const NUMBER_KEYS: [(char, Key); 10] = [
    ('1', Key::Num1),
    ('2', Key::Num2),
    ('3', Key::Num3),
    ('4', Key::Num4),
    ('5', Key::Num5),
    ('6', Key::Num6),
    ('7', Key::Num7),
    ('8', Key::Num8),
    ('9', Key::Num9),
    ('0', Key::Num0),
];
