//! A class's roster: who the students are, as the learning platform knows them. A teacher
//! downloads it from Moodle (Participants or the grader report, "Download table data as CSV")
//! or Canvas (Grades > Export) and saves it in the class folder as `roster.csv`. With it the
//! app offers the students their names to pick, the gradebooks carry the platform's own
//! identity columns (so every row imports), and students who handed nothing in are listed.
//!
//! The file is read as the platforms write it: any of their column names, in any order, with
//! a `,` or `;` separator (Excel's in much of Europe), a byte-order mark or none, and Canvas's
//! "Points Possible" row. A row's place in the file is named in every message.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};

/// The roster in a class folder, and inside an assignment package.
pub const ROSTER_FILE: &str = "roster.csv";

/// One student of the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Student {
    /// The platform's login (Moodle `Username`, Canvas `SIS Login ID`); may be empty.
    #[serde(default)]
    pub username: String,
    /// The name people know them by (Moodle `First name` + `Last name`, Canvas `Student`).
    pub name: String,
    /// The institution's id (Moodle `ID number`, Canvas `SIS User ID`).
    #[serde(default)]
    pub id_number: String,
    /// Canvas's own numeric user id (`ID`).
    #[serde(default)]
    pub platform_id: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub section: String,
}

impl Student {
    /// The names this student may hand in under: their name, their username, their email.
    fn names(&self) -> impl Iterator<Item = &str> {
        [self.name.as_str(), self.username.as_str(), self.email.as_str()].into_iter().filter(|n| !n.trim().is_empty())
    }
}

/// What an assignment package tells students of the roster: names and usernames to pick
/// from, nothing else (no ids, no emails, never the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterName {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
}

/// A class's students, in the roster's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Roster {
    pub students: Vec<Student>,
}

/// A name as compared: case-folded, white space made single spaces, "Last, First" as "First
/// Last" (Canvas writes names so).
pub fn name_key(name: &str) -> String {
    let name = name.trim();
    let name = match name.split_once(',') {
        Some((last, first)) if !first.trim().is_empty() && !last.trim().is_empty() => format!("{} {}", first.trim(), last.trim()),
        _ => name.to_owned(),
    };
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

impl Roster {
    /// Reads a roster; `path` names the file in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, Error> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let first_line = text.lines().next().unwrap_or_default();
        let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() { b';' } else { b',' };
        let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| roster_error(path, 1, &e.to_string()))?
            .iter()
            .map(|h| h.trim().to_lowercase())
            .collect();
        let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
        let username = column(&["username", "user name", "sis login id", "login id", "login"]);
        let name = column(&["student", "name", "full name", "display name", "student name"]);
        let first = column(&["first name", "firstname", "given name"]);
        let last = column(&["last name", "lastname", "surname", "family name"]);
        let id_number = column(&["id number", "idnumber", "sis user id", "student id", "student number"]);
        let platform_id = column(&["id"]);
        let email = column(&["email address", "email", "e-mail"]);
        let section = column(&["section", "group", "groups"]);
        if name.is_none() && first.is_none() && username.is_none() {
            return Err(Error::new(ErrorKind::Format, "has no column of students' names or usernames")
                .in_file(path)
                .at(1, 1)
                .hint("save the participants list from Moodle or the gradebook from Canvas as CSV; its first line names the columns (e.g. Username, First name, Last name, or Student, SIS Login ID)"));
        }
        let mut students = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let record = record.map_err(|e| roster_error(path, line, &e.to_string()))?;
            let cell = |c: Option<usize>| c.and_then(|c| record.get(c)).map(str::trim).unwrap_or_default().to_owned();
            let full = match (cell(first), cell(last)) {
                (f, l) if !f.is_empty() || !l.is_empty() => format!("{f} {l}").trim().to_owned(),
                _ => cell(name),
            };
            // Canvas: "Last, First"; its second row holds the points possible, not a student.
            let full = if name.is_some() && first.is_none() && full.contains(',') { name_key_display(&full) } else { full };
            if full.trim().eq_ignore_ascii_case("points possible") || record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let student = Student {
                username: cell(username),
                name: full,
                id_number: cell(id_number),
                platform_id: cell(platform_id),
                email: cell(email),
                section: cell(section),
            };
            if student.name.is_empty() && student.username.is_empty() {
                return Err(roster_error(path, line, "names no student (no name and no username)"));
            }
            if let Some(c) = student.names().flat_map(str::chars).find(|&c| c.is_control() || crate::coder::is_format_char(c)) {
                return Err(roster_error(path, line, &format!("holds the invisible character U+{:04X}", c as u32)));
            }
            students.push(student);
        }
        Ok(Self { students })
    }

    /// Reads `roster.csv` of a folder; `Ok(None)` when there is none.
    pub fn load(folder: &Path) -> Result<Option<Self>, Error> {
        let path = folder.join(ROSTER_FILE);
        let Some(_) = crate::io::regular_metadata(&path, "cannot read the roster")? else { return Ok(None) };
        let bytes = crate::io::read_regular(&path, "cannot read the roster")?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::new(ErrorKind::Format, "is not UTF-8 text").in_file(&path).hint("save it as \"CSV UTF-8\""))?;
        Self::parse(&text, &path).map(Some)
    }

    /// The student who goes by `name` (their name, username or email, compared case-folded
    /// and with "Last, First" read as "First Last"); `None` when no one, or more than one, does.
    pub fn find(&self, name: &str) -> Option<&Student> {
        let key = name_key(name);
        let mut matches = self.students.iter().filter(|s| s.names().any(|n| name_key(n) == key));
        let first = matches.next()?;
        matches.next().is_none().then_some(first)
    }

    /// The names students pick from, as packed into an assignment.
    pub fn names(&self) -> Vec<RosterName> {
        self.students.iter().map(|s| RosterName { name: s.name.clone(), username: s.username.clone() }).collect()
    }

    /// The students of the roster not among `handed_in` (names as [`Self::find`] takes them).
    pub fn missing<'a>(&'a self, handed_in: &[String]) -> Vec<&'a Student> {
        let found: Vec<&Student> = handed_in.iter().filter_map(|n| self.find(n)).collect();
        self.students.iter().filter(|s| !found.iter().any(|f| std::ptr::eq(*f, *s))).collect()
    }
}

/// "Last, First" → "First Last".
fn name_key_display(name: &str) -> String {
    match name.split_once(',') {
        Some((last, first)) => format!("{} {}", first.trim(), last.trim()).trim().to_owned(),
        None => name.to_owned(),
    }
}

fn roster_error(path: &Path, line: usize, what: &str) -> Error {
    Error::new(ErrorKind::Format, format!("line {line}: {}", crate::document::excerpt(what, 120)))
        .in_file(path)
        .at(line, 1)
        .hint("fix that line in a spreadsheet and save it again as CSV UTF-8; the rest of the class folder is untouched")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOODLE: &str = "\u{feff}First name,Last name,ID number,Institution,Department,Email address,Username\n\
        Ana,Lima,20231,Hill School,,ana.lima@hill.example,ana.lima\n\
        Ben,O'Neil,20232,Hill School,,ben.oneil@hill.example,b.oneil\n";
    const CANVAS: &str = "Student,ID,SIS User ID,SIS Login ID,Section,Week 1 (1234)\n\
        Points Possible,,,,,20\n\
        \"Lima, Ana\",101,S20231,alima,Period 2,\n\
        \"Park, Cleo\",102,S20233,cpark,Period 2,\n";

    #[test]
    fn a_moodle_participants_file_reads_with_its_bom_and_columns() {
        let r = Roster::parse(MOODLE, Path::new("roster.csv")).unwrap();
        assert_eq!(r.students.len(), 2);
        assert_eq!(r.students[0].name, "Ana Lima");
        assert_eq!(r.students[0].username, "ana.lima");
        assert_eq!(r.students[0].id_number, "20231");
        assert_eq!(r.find("ANA LIMA").unwrap().username, "ana.lima");
        assert_eq!(r.find("b.oneil").unwrap().name, "Ben O'Neil");
        assert!(r.find("Cleo").is_none());
    }

    #[test]
    fn a_canvas_gradebook_reads_without_its_points_possible_row() {
        let r = Roster::parse(CANVAS, Path::new("roster.csv")).unwrap();
        let names: Vec<&str> = r.students.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Ana Lima", "Cleo Park"]);
        assert_eq!(r.students[1].username, "cpark");
        assert_eq!(r.students[1].platform_id, "102");
        assert_eq!(r.students[1].id_number, "S20233");
        assert_eq!(r.find("Park, Cleo").unwrap().username, "cpark");
        let missing: Vec<&str> = r.missing(&["alima".to_owned()]).iter().map(|s| s.name.as_str()).collect();
        assert_eq!(missing, ["Cleo Park"]);
    }

    #[test]
    fn semicolons_and_quoted_newlines_are_read_and_a_bad_line_is_named() {
        let text = "Username;First name;Last name;Group\nzw;Zoë;Wu;\"Arts\nand crafts\"\nkb;Kim;Bo;A\n";
        let r = Roster::parse(text, Path::new("r.csv")).unwrap();
        assert_eq!(r.students.len(), 2);
        assert_eq!((r.students[0].name.as_str(), r.students[0].section.as_str()), ("Zoë Wu", "Arts\nand crafts"));
        let err = Roster::parse("Colour,Size\nred,1\n", Path::new("r.csv")).unwrap_err();
        assert!(err.to_string().contains("no column of students"), "{err}");
        let err = Roster::parse("Username,Name\nx,Ana\u{202E}\n", Path::new("r.csv")).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn two_students_with_one_name_are_never_guessed_between() {
        let text = "Username,First name,Last name\nali1,Ali,Khan\nali2,Ali,Khan\n";
        let r = Roster::parse(text, Path::new("r.csv")).unwrap();
        assert!(r.find("Ali Khan").is_none(), "ambiguous");
        assert_eq!(r.find("ali2").unwrap().username, "ali2");
    }
}
