//! What the app can be asked to do. Two kinds:
//!
//! - [`UiCommand`]: what a person invokes from a menu or the keyboard. One table gives each its
//!   text, its menu and its shortcuts, so the menu bar, the keyboard handling and Help >
//!   Keyboard shortcuts are all built from it: a new command appears everywhere at once.
//! - [`Command`]: everything [`super::App::run_commands`] applies, i.e. a [`UiCommand`] or an
//!   operation that carries data (open this path, tag with this code, apply this action…).
//!
//! Views never change state: they push commands, and the app applies them once per frame.

use std::path::PathBuf;

use egui::{Key, KeyboardShortcut, Modifiers};
use uuid::Uuid;

use super::settings::ThemeChoice;
use super::state::ExportRequest;
use super::view::Notice;
use crate::annotation::Annotation;
use crate::codebook::Code;
use crate::edits::Action;

/// The menus of the menu bar, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Menu {
    File,
    Edit,
    View,
    Coders,
    Codebook,
    Help,
}

impl Menu {
    pub const ALL: [Menu; 6] = [Menu::File, Menu::Edit, Menu::View, Menu::Coders, Menu::Codebook, Menu::Help];

    pub fn text(self) -> &'static str {
        match self {
            Menu::File => "File",
            Menu::Edit => "Edit",
            Menu::View => "View",
            Menu::Coders => "Coders",
            Menu::Codebook => "Codebook",
            Menu::Help => "Help",
        }
    }
}

/// A command a person can invoke by name or key. The order of [`UiCommand::ALL`] is the order
/// of the menus' items and of the shortcut list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UiCommand {
    Open,
    SaveNow,
    Export,
    Undo,
    Redo,
    ToggleFind,
    FindNext,
    FindPrevious,
    NextAnnotation,
    PreviousAnnotation,
    DeleteSelected,
    TextBigger,
    TextSmaller,
    ZoomIn,
    ZoomOut,
    ZoomReset,
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
    /// Start making a link from the selected annotation with the keyboard.
    LinkFromSelected,
    /// Open the class dashboard (a class folder with an answer key).
    ClassDashboard,
    /// Open the code matrix of the open folder.
    ShowMatrix,
    /// Open the table of the open folder's document variables.
    EditVariables,
    /// Find a text in every document of the open folder, and tag the matches.
    FindInFolder,
    /// Show the open assignment's instructions.
    ShowAssignment,
    /// Save the student's work of the open assignment in one hand-in file.
    HandIn,
    /// Save and close the window.
    Quit,
}

const CMD: Modifiers = Modifiers::COMMAND;
const CMD_SHIFT: Modifiers = Modifiers { shift: true, ..Modifiers::COMMAND };

impl UiCommand {
    pub const ALL: [UiCommand; 34] = [
        UiCommand::Open,
        UiCommand::ShowAssignment,
        UiCommand::HandIn,
        UiCommand::SaveNow,
        UiCommand::Export,
        UiCommand::ShowRetrieve,
        UiCommand::ShowMatrix,
        UiCommand::EditVariables,
        UiCommand::ChangeName,
        UiCommand::Quit,
        UiCommand::Undo,
        UiCommand::Redo,
        UiCommand::ToggleFind,
        UiCommand::FindInFolder,
        UiCommand::FindNext,
        UiCommand::FindPrevious,
        UiCommand::NextAnnotation,
        UiCommand::PreviousAnnotation,
        UiCommand::DeleteSelected,
        UiCommand::LinkFromSelected,
        UiCommand::TextBigger,
        UiCommand::TextSmaller,
        UiCommand::ZoomIn,
        UiCommand::ZoomOut,
        UiCommand::ZoomReset,
        UiCommand::ToggleAnnotationPanel,
        UiCommand::ToggleFolderPanel,
        UiCommand::FocusDocument,
        UiCommand::FocusFolder,
        UiCommand::ShowShortcuts,
        UiCommand::ClearSelection,
        UiCommand::CompareCoders,
        UiCommand::ClassDashboard,
        UiCommand::EditCodebook,
    ];

    pub fn text(self) -> &'static str {
        match self {
            UiCommand::Open => "Open…",
            UiCommand::SaveNow => "Save now",
            UiCommand::Export => "Export…",
            UiCommand::Undo => "Undo",
            UiCommand::Redo => "Redo",
            UiCommand::ToggleFind => "Find in document",
            UiCommand::FindNext => "Next match",
            UiCommand::FindPrevious => "Previous match",
            UiCommand::NextAnnotation => "Next annotation",
            UiCommand::PreviousAnnotation => "Previous annotation",
            UiCommand::DeleteSelected => "Delete annotation",
            UiCommand::TextBigger => "Larger text",
            UiCommand::TextSmaller => "Smaller text",
            UiCommand::ZoomIn => "Zoom in (whole window)",
            UiCommand::ZoomOut => "Zoom out (whole window)",
            UiCommand::ZoomReset => "Reset zoom",
            UiCommand::ShowShortcuts => "Keyboard shortcuts",
            UiCommand::ClearSelection => "Clear selection / close find",
            UiCommand::CompareCoders => "Compare coders…",
            UiCommand::EditCodebook => "Edit codebook…",
            UiCommand::ChangeName => "Your name…",
            UiCommand::FocusDocument => "Go to the document text",
            UiCommand::FocusFolder => "Go to the list of documents",
            UiCommand::ToggleAnnotationPanel => "Show/hide the annotation panel",
            UiCommand::ToggleFolderPanel => "Show/hide the list of documents",
            UiCommand::ShowRetrieve => "Retrieve passages…",
            UiCommand::LinkFromSelected => "Link from selected annotation…",
            UiCommand::ClassDashboard => "Class dashboard…",
            UiCommand::ShowMatrix => "Code matrix…",
            UiCommand::EditVariables => "Document variables…",
            UiCommand::FindInFolder => "Find in folder…",
            UiCommand::ShowAssignment => "Assignment instructions",
            UiCommand::HandIn => "Hand in...",
            UiCommand::Quit => "Quit",
        }
    }

    /// The menu that lists the command, if any, and the section within it (a separator is
    /// drawn between sections).
    pub fn menu(self) -> Option<(Menu, u8)> {
        Some(match self {
            UiCommand::Open | UiCommand::ShowAssignment | UiCommand::HandIn => (Menu::File, 0),
            UiCommand::SaveNow
            | UiCommand::Export
            | UiCommand::ShowRetrieve
            | UiCommand::ShowMatrix
            | UiCommand::EditVariables => (Menu::File, 1),
            UiCommand::ChangeName => (Menu::File, 2),
            UiCommand::Quit => (Menu::File, 3),
            UiCommand::Undo | UiCommand::Redo => (Menu::Edit, 0),
            UiCommand::ToggleFind
            | UiCommand::FindInFolder
            | UiCommand::NextAnnotation
            | UiCommand::PreviousAnnotation
            | UiCommand::DeleteSelected
            | UiCommand::LinkFromSelected => (Menu::Edit, 1),
            UiCommand::TextBigger | UiCommand::TextSmaller | UiCommand::ZoomIn | UiCommand::ZoomOut | UiCommand::ZoomReset => {
                (Menu::View, 0)
            }
            UiCommand::ToggleAnnotationPanel
            | UiCommand::ToggleFolderPanel
            | UiCommand::FocusDocument
            | UiCommand::FocusFolder => (Menu::View, 1),
            UiCommand::CompareCoders => (Menu::Coders, 0),
            UiCommand::ClassDashboard => (Menu::Coders, 1),
            UiCommand::EditCodebook => (Menu::Codebook, 0),
            UiCommand::ShowShortcuts => (Menu::Help, 0),
            UiCommand::FindNext | UiCommand::FindPrevious | UiCommand::ClearSelection => return None,
        })
    }

    /// The commands of one menu, in order, with their sections.
    pub fn in_menu(menu: Menu) -> impl Iterator<Item = (UiCommand, u8)> {
        Self::ALL.into_iter().filter_map(move |c| c.menu().filter(|(m, _)| *m == menu).map(|(_, s)| (c, s)))
    }

    /// The shortcut that works anywhere (even while typing in a field).
    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        let k = |m, key| Some(KeyboardShortcut::new(m, key));
        match self {
            UiCommand::Open => k(CMD, Key::O),
            UiCommand::Export => k(CMD, Key::E),
            UiCommand::SaveNow => k(CMD, Key::S),
            UiCommand::ToggleFind => k(CMD, Key::F),
            UiCommand::FindNext => k(Modifiers::NONE, Key::F3),
            UiCommand::FindPrevious => k(Modifiers::SHIFT, Key::F3),
            UiCommand::TextBigger => k(CMD, Key::Equals),
            UiCommand::TextSmaller => k(CMD, Key::Minus),
            UiCommand::ZoomIn => k(CMD_SHIFT, Key::Equals),
            UiCommand::ZoomOut => k(CMD_SHIFT, Key::Minus),
            UiCommand::ZoomReset => k(CMD, Key::Num0),
            UiCommand::ShowShortcuts => k(Modifiers::NONE, Key::F1),
            UiCommand::FocusDocument => k(Modifiers::NONE, Key::F6),
            UiCommand::FocusFolder => k(Modifiers::SHIFT, Key::F6),
            UiCommand::ToggleAnnotationPanel => k(CMD_SHIFT, Key::P),
            UiCommand::ToggleFolderPanel => k(CMD_SHIFT, Key::L),
            UiCommand::LinkFromSelected => k(CMD, Key::L),
            UiCommand::Quit => k(CMD, Key::Q),
            _ => None,
        }
    }

    /// The shortcut and the other key combinations that do the same: Shift+= types "+" on
    /// most keyboards, so Ctrl+Shift+= arrives as Ctrl+Shift+Plus.
    pub fn shortcuts(self) -> Vec<KeyboardShortcut> {
        let mut all: Vec<KeyboardShortcut> = self.shortcut().into_iter().collect();
        match self {
            UiCommand::TextBigger => all.push(KeyboardShortcut::new(CMD, Key::Plus)),
            UiCommand::ZoomIn => all.push(KeyboardShortcut::new(CMD_SHIFT, Key::Plus)),
            _ => {}
        }
        all
    }

    /// Every shortcut that works anywhere, the more specific first: egui ignores an extra
    /// Shift when matching, so Ctrl+Shift+= must be tried before Ctrl+=.
    pub fn global_keys() -> Vec<(KeyboardShortcut, UiCommand)> {
        let mut keys: Vec<(KeyboardShortcut, UiCommand)> =
            Self::ALL.into_iter().flat_map(|cmd| cmd.shortcuts().into_iter().map(move |s| (s, cmd))).collect();
        keys.sort_by_key(|(s, _)| std::cmp::Reverse(u8::from(s.modifiers.shift) + u8::from(s.modifiers.alt)));
        keys
    }

    /// Shortcuts that work only when no text field has the keyboard (so typing is safe).
    pub fn reading_shortcuts(self) -> &'static [(Modifiers, Key)] {
        match self {
            UiCommand::Undo => &[(CMD, Key::Z)],
            UiCommand::Redo => &[(CMD_SHIFT, Key::Z), (CMD, Key::Y)],
            UiCommand::NextAnnotation => &[(Modifiers::NONE, Key::N), (Modifiers::ALT, Key::ArrowDown)],
            UiCommand::PreviousAnnotation => &[(Modifiers::SHIFT, Key::N), (Modifiers::ALT, Key::ArrowUp)],
            UiCommand::DeleteSelected => &[(Modifiers::NONE, Key::Delete)],
            UiCommand::ClearSelection => &[(Modifiers::NONE, Key::Escape)],
            _ => &[],
        }
    }

    pub fn has_shortcut(self) -> bool {
        self.shortcut().is_some() || !self.reading_shortcuts().is_empty()
    }

    /// The commands with a shortcut, in the order Help lists them.
    pub fn with_shortcuts() -> impl Iterator<Item = UiCommand> {
        Self::ALL.into_iter().filter(|c| c.has_shortcut())
    }

    /// Every reading shortcut, the more specific first: Shift+N must not be taken as N, nor
    /// Ctrl+Shift+Z as Ctrl+Z.
    pub fn reading_keys() -> Vec<(Modifiers, Key, UiCommand)> {
        let mut keys: Vec<(Modifiers, Key, UiCommand)> =
            Self::ALL.into_iter().flat_map(|cmd| cmd.reading_shortcuts().iter().map(move |(m, k)| (*m, *k, cmd))).collect();
        keys.sort_by_key(|(m, _, _)| std::cmp::Reverse(u8::from(m.shift) + u8::from(m.alt) + u8::from(m.command)));
        keys
    }

    /// Text for Help > Keyboard shortcuts and menus.
    pub fn shortcut_text(self, ctx: &egui::Context) -> String {
        let mut parts: Vec<String> = self.shortcut().iter().map(|s| ctx.format_shortcut(s)).collect();
        for (m, key) in self.reading_shortcuts() {
            parts.push(ctx.format_shortcut(&KeyboardShortcut::new(*m, *key)));
        }
        parts.join(" or ")
    }
}

/// Everything the app applies in [`super::App::run_commands`]: a command a person invoked,
/// or an operation that carries data.
// A handful of commands per frame: their size does not matter, their plainness does.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Ui(UiCommand),
    OpenPath(PathBuf),
    /// Stop waiting for a large document being opened.
    CancelOpening,
    /// Tag the selection (or the current find match) with a code.
    Tag(String),
    /// Select an annotation; `jump` scrolls the document to it and flashes it.
    Select(Option<Uuid>, bool),
    /// Scroll the document to a span and flash it.
    Jump(crate::document::Span),
    /// Show only one code's annotations (None: all).
    Filter(Option<String>),
    /// Apply a core action (note, code, attribute and span edits, re-attach, delete code...).
    Apply(Action),
    /// Copy a coder's annotation (with its code's definition) into the gold sidecar.
    AcceptIntoGold {
        coder: String,
        annotation: Annotation,
        code: Option<Code>,
    },
    /// Undo (or redo) the last adjudication step in the gold sidecar.
    UndoGold {
        redo: bool,
    },
    CloseCompare,
    ReloadTheirs,
    KeepMine,
    /// Correct the name of the person coding: their work is relabelled, nothing moves.
    SetCoder(String),
    /// Someone else is coding now: a person known on this computer (by id) or a new one (by name).
    SwitchCoder {
        id: Option<uuid::Uuid>,
        name: String,
    },
    /// Mark as the open class's answer key (true), or as oneself again (false).
    MarkAsKey(bool),
    /// Name the open class's answer key (written into `class.ron`).
    NameKey(String),
    /// Go on without a name: the one from the environment signs annotations meanwhile.
    SkipName,
    /// Show a message in the bar above the document.
    Notify(Notice),
    DismissNotice,
    /// Read the sidecar on disk (in the background) to show it beside the one in memory.
    ReadSidecar(PathBuf),
    /// Read the open folder again from disk: its documents and every sidecar (Refresh, or a
    /// document that appeared or went).
    ReloadFolder,
    /// Reads sidecars for the compare view: these, or (None) the new ones beside the document.
    ReadCoders(Option<Vec<PathBuf>>),
    /// Write a file in the background (codebook saves): its path, content, whether the old
    /// file is kept as a backup, and the message for success.
    WriteFile {
        path: PathBuf,
        bytes: Vec<u8>,
        backup: bool,
        done: String,
    },
    /// Apply changes to a folder's variables file (none: read it) on the worker.
    EditVariables {
        folder: PathBuf,
        edits: Vec<crate::vars::VarEdit>,
        /// What to say once written.
        said: Option<String>,
    },
    /// Import a CSV table of variables into a folder's variables file on the worker.
    ImportVariables {
        folder: PathBuf,
        csv: PathBuf,
        /// The folder's document file names.
        documents: Vec<String>,
    },
    /// Tag matches found in the folder with a code: the open document's through its session
    /// (one undo step), the others' sidecars on the worker.
    TagHits {
        code: String,
        hits: Vec<crate::autocode::Hit>,
    },
    /// Take back a Find in folder tagging of other documents: delete exactly these annotations
    /// (by id) from each document's sidecar, on the worker.
    UntagHits {
        documents: Vec<(std::path::PathBuf, Vec<uuid::Uuid>)>,
    },
    /// Open the Retrieve window on the passages of one cell of a code matrix.
    RetrieveCell {
        query: crate::matrix::MatrixQuery,
        row: usize,
        col: usize,
        /// The row's code id and the column's name: the cell is found by them in the folder as
        /// it is when the passages are listed (read again since, its order may differ).
        row_id: String,
        col_name: String,
        /// What the cell is, in words.
        caption: String,
    },
    /// Read a codebook file in the background and offer it to the codebook editor.
    ReadCodebook(PathBuf),
    /// Write the open assignment's hand-in to this file (in the background).
    HandIn(PathBuf),
    /// Collect these hand-ins into the open class folder (in the background).
    CollectHandins(Vec<PathBuf>),
    /// Start an export in the background.
    StartExport(ExportRequest),
    CancelExport,
    SetTheme(ThemeChoice),
    /// The reading column's maximum width, in points.
    SetLineWidth(f32),
    /// What the class dashboard asks for.
    Dashboard(super::state::ClassCommand),
    /// Work a view needs done beside the frames (see [`super::task`]).
    Task(super::task::Task),
}

impl From<UiCommand> for Command {
    fn from(c: UiCommand) -> Self {
        Command::Ui(c)
    }
}

/// A key that acts in one situation only, outside the menus' commands: tagging with a code's
/// number, the keys of making a link, tagging a find match. The app's key handling reads each
/// key from here, and Help > Keyboard shortcuts (F1) lists them all from [`CONTEXT_KEYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextKey {
    /// When it acts ("Making a link").
    pub when: &'static str,
    /// What it does.
    pub what: &'static str,
    pub keys: Keys,
}

/// The keys of a [`ContextKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    One(Modifiers, Key),
    /// The number keys 1 … 9, 0 with these modifiers, in [`NUMBER_KEYS`] order.
    Numbers(Modifiers),
    /// Keys the text view handles as text views do (carets, clicks): described only.
    Described(&'static str),
}

impl ContextKey {
    /// Was this key pressed in this frame (consuming it)? Never for number keys or described ones.
    pub fn pressed(&self, ctx: &egui::Context) -> bool {
        match self.keys {
            Keys::One(m, key) => ctx.input_mut(|i| i.consume_key(m, key)),
            Keys::Numbers(_) | Keys::Described(_) => false,
        }
    }

    /// Which number key (0 for "1", 9 for "0") was pressed in this frame among the first `n`,
    /// consuming it; `None` for other keys.
    pub fn number_pressed(&self, ctx: &egui::Context, n: usize) -> Option<usize> {
        let Keys::Numbers(m) = self.keys else { return None };
        NUMBER_KEYS.iter().take(n).position(|(_, key)| ctx.input_mut(|i| i.consume_key(m, *key)))
    }

    /// The keys as Help shows them ("N", "Alt+1 … 9, 0").
    pub fn text(&self, ctx: &egui::Context) -> String {
        match self.keys {
            Keys::One(m, key) => ctx.format_shortcut(&KeyboardShortcut::new(m, key)),
            Keys::Numbers(m) => format!("{} … 9, 0", ctx.format_shortcut(&KeyboardShortcut::new(m, Key::Num1))),
            Keys::Described(text) => text.to_owned(),
        }
    }
}

pub const TAG_SELECTION: ContextKey = ContextKey {
    when: "Text selected",
    what: "Tag the selection with the code of that number",
    keys: Keys::Numbers(Modifiers::NONE),
};
pub const TAG_FIND_MATCH: ContextKey = ContextKey {
    when: "Find bar open",
    what: "Tag the current match with the code of that number",
    keys: Keys::Numbers(Modifiers::ALT),
};
pub const LINK_NEXT: ContextKey = ContextKey {
    when: "Making a link",
    what: "Propose the next annotation as its target",
    keys: Keys::One(Modifiers::NONE, Key::N),
};
pub const LINK_PREVIOUS: ContextKey =
    ContextKey { when: "Making a link", what: "Propose the annotation before", keys: Keys::One(Modifiers::SHIFT, Key::N) };
pub const LINK_TAKE: ContextKey =
    ContextKey { when: "Making a link", what: "Take the proposed target", keys: Keys::One(Modifiers::NONE, Key::Enter) };
pub const LINK_TYPE: ContextKey =
    ContextKey { when: "Making a link", what: "Choose the link type of that number", keys: Keys::Numbers(Modifiers::NONE) };
pub const LINK_CANCEL: ContextKey =
    ContextKey { when: "Making a link", what: "Stop making the link", keys: Keys::One(Modifiers::NONE, Key::Escape) };
pub const CARET: ContextKey = ContextKey {
    when: "In the text",
    what: "Move the caret / extend the selection",
    keys: Keys::Described("Arrows / Shift+Arrows (Ctrl: by word)"),
};
pub const CLICKS: ContextKey =
    ContextKey { when: "In the text", what: "Select a word / a paragraph", keys: Keys::Described("Double-click / triple-click") };

/// Every [`ContextKey`], in the order Help lists them.
pub const CONTEXT_KEYS: [ContextKey; 9] =
    [TAG_SELECTION, TAG_FIND_MATCH, CARET, CLICKS, LINK_NEXT, LINK_PREVIOUS, LINK_TAKE, LINK_TYPE, LINK_CANCEL];

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_reachable_from_a_menu_or_a_key() {
        for c in UiCommand::ALL {
            assert!(c.menu().is_some() || c.has_shortcut(), "{c:?} can be invoked");
            assert!(!c.text().is_empty());
        }
    }

    #[test]
    fn no_two_commands_share_a_key() {
        let mut keys: Vec<(Modifiers, Key)> = UiCommand::ALL
            .into_iter()
            .flat_map(|c| {
                c.shortcut().map(|s| (s.modifiers, s.logical_key)).into_iter().chain(c.reading_shortcuts().iter().copied())
            })
            .collect();
        let n = keys.len();
        keys.sort_by_key(|(m, k)| format!("{m:?} {k:?}"));
        keys.dedup();
        assert_eq!(keys.len(), n);
    }
}
