//! The user's settings, kept as RON in the platform's config folder (`directories`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How many recent files are remembered.
const MAX_RECENT: usize = 10;
/// How many documents' reading positions are remembered.
const MAX_POSITIONS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ThemeChoice {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The name of the person coding on this computer, written into sidecars. Empty until asked.
    pub coder: String,
    /// That person's stable id, made at the first start; their sidecars carry it, so a new
    /// name relabels their work instead of hiding it.
    pub coder_id: Option<uuid::Uuid>,
    /// Everyone who has coded on this computer (a shared lab or classroom account), offered
    /// when someone else takes over.
    pub people: Vec<crate::coder::Coder>,
    pub font_size: f32,
    /// The reading column's maximum width, in points.
    pub line_width: f32,
    pub theme: ThemeChoice,
    /// Interface scale (1.0 = 100 %, up to 2.0).
    pub zoom: f32,
    pub recent: Vec<PathBuf>,
    /// Where each document was last read: (document, first code point in view), most recent
    /// first, so that a document opens where its reader left it.
    pub positions: Vec<(PathBuf, usize)>,
    /// Class dashboard: show students by their pseudonyms (Student A, B, …).
    pub anonymous: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            coder: String::new(),
            coder_id: None,
            people: Vec::new(),
            font_size: 17.0,
            line_width: 720.0,
            theme: ThemeChoice::System,
            zoom: 1.0,
            recent: Vec::new(),
            positions: Vec::new(),
            anonymous: false,
        }
    }
}

impl Settings {
    /// Where settings live (e.g. ~/.config/marginalia/settings.ron).
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("org", "Marginalia", "marginalia").map(|d| d.config_dir().join("settings.ron"))
    }

    /// Loads settings, falling back to defaults when the file is missing or unreadable.
    pub fn load(path: &Path) -> Self {
        std::fs::read_to_string(path).ok().and_then(|t| crate::sidecar::ron_options().from_str(&t).ok()).unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> Result<(), crate::Error> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir, "cannot create the settings folder", e))?;
        }
        crate::sidecar::write_atomic(path, crate::sidecar::to_ron_pretty(self).as_bytes(), false).map(|_| ())
    }

    /// The person coding now: their id (made here the first time) and name (`fallback` until
    /// they give one).
    pub fn person(&mut self, fallback: &str) -> crate::coder::Coder {
        let id = *self.coder_id.get_or_insert_with(uuid::Uuid::new_v4);
        let name = if self.coder.trim().is_empty() { fallback.to_owned() } else { self.coder.clone() };
        crate::coder::Coder { id, name }
    }

    /// Keeps `person` in the list of people who coded on this computer (by id; the name as now).
    pub fn know(&mut self, person: &crate::coder::Coder) {
        match self.people.iter_mut().find(|p| p.id == person.id) {
            Some(p) => p.name.clone_from(&person.name),
            None => self.people.push(person.clone()),
        }
        self.people.sort_by_key(|p| p.name.to_lowercase());
    }

    pub fn remember(&mut self, path: &Path) {
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(MAX_RECENT);
    }

    /// Where `path` was last read (the first code point that was in view), if known.
    pub fn position_of(&self, path: &Path) -> Option<usize> {
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        self.positions.iter().find(|(p, _)| *p == path).map(|&(_, pos)| pos)
    }

    /// Remembers where `path` is being read.
    pub fn remember_position(&mut self, path: &Path, pos: usize) {
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        self.positions.retain(|(p, _)| *p != path);
        self.positions.insert(0, (path, pos));
        self.positions.truncate(MAX_POSITIONS);
    }
}
