//! Files a person picked in a native dialog: read only if they are what they claim to be,
//! and written so that a failure never leaves half a file behind.
//!
//! A dialog returns any path the user can reach: a directory, a device such as
//! `/dev/zero` behind a symlink, a named pipe that blocks whoever opens it, a sparse file
//! of gigabytes. [`read_regular_file`] refuses all of those before reading a byte, and
//! reads no more than its limit even if the file grows meanwhile. Messages name the file
//! by its name only: they are shown in the window, where a full path adds nothing.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Why a picked file was not read or written. Display is a sentence for the user.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{name} does not exist (any more); choose the file again")]
    NotFound { name: String },
    #[error("{name} is {kind}, not a file; choose a regular file")]
    NotAFile { name: String, kind: FileKind },
    #[error("{name} is {}, over the limit of {}; choose a smaller file", human_size(*size), human_size(*limit))]
    TooLarge { name: String, size: u64, limit: u64 },
    #[error("{name} grew past the limit of {} while it was being read; nothing was used", human_size(*limit))]
    Grew { name: String, limit: u64 },
    #[error("{name} is empty")]
    Empty { name: String },
    #[error("{name} could not be read: {}", describe(source))]
    Read {
        name: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "{name} could not be written: {}; the previous file, if any, is unchanged",
        describe(source)
    )]
    Write {
        name: String,
        #[source]
        source: io::Error,
    },
}

/// What a path turned out to be when it was not a regular file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Directory,
    Device,
    Fifo,
    Socket,
    Other,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Directory => "a folder",
            FileKind::Device => "a device",
            FileKind::Fifo => "a named pipe (FIFO)",
            FileKind::Socket => "a socket",
            FileKind::Other => "not a regular file",
        })
    }
}

/// The last component of `path`, for messages.
pub fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// "812 bytes", "512 KiB", "2.5 MiB", "2 GiB".
pub fn human_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            return if bytes.is_multiple_of(unit) {
                format!("{} {name}", bytes / unit)
            } else {
                format!("{:.1} {name}", bytes as f64 / unit as f64)
            };
        }
    }
    if bytes == 1 {
        "1 byte".to_owned()
    } else {
        format!("{bytes} bytes")
    }
}

fn describe(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        io::ErrorKind::StorageFull => "the disk is full".to_owned(),
        io::ErrorKind::ReadOnlyFilesystem => "the disk is read-only".to_owned(),
        _ => error.to_string(),
    }
}

fn kind_of(file_type: &fs::FileType) -> FileKind {
    if file_type.is_dir() {
        return FileKind::Directory;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_block_device() || file_type.is_char_device() {
            return FileKind::Device;
        }
        if file_type.is_fifo() {
            return FileKind::Fifo;
        }
        if file_type.is_socket() {
            return FileKind::Socket;
        }
    }
    FileKind::Other
}

/// A regular file of at most `limit` bytes, or why not.
fn refuse_unless_small_file(
    name: &str,
    metadata: &fs::Metadata,
    limit: u64,
) -> Result<(), FileError> {
    if !metadata.is_file() {
        return Err(FileError::NotAFile {
            name: name.to_owned(),
            kind: kind_of(&metadata.file_type()),
        });
    }
    if metadata.len() > limit {
        return Err(FileError::TooLarge {
            name: name.to_owned(),
            size: metadata.len(),
            limit,
        });
    }
    Ok(())
}

/// Reads a regular file of at most `limit` bytes (symlinks are followed to what they
/// name). Refuses, before reading anything: a missing path, a folder, a device, a FIFO, a
/// socket, and a file larger than `limit`; refuses an empty file; and stops at
/// `limit + 1` bytes if the file grows while it is read.
pub fn read_regular_file(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let name = display_name(path);
    let read_error = |source: io::Error| match source.kind() {
        io::ErrorKind::NotFound => FileError::NotFound { name: name.clone() },
        _ => FileError::Read {
            name: name.clone(),
            source,
        },
    };
    // Checked by path first: opening a FIFO would block until someone writes to it.
    refuse_unless_small_file(&name, &fs::metadata(path).map_err(read_error)?, limit)?;
    let file = open_for_reading(path).map_err(read_error)?;
    // And again on what was opened: the path may have been swapped in between.
    let metadata = file.metadata().map_err(read_error)?;
    refuse_unless_small_file(&name, &metadata, limit)?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > limit {
        return Err(FileError::Grew { name, limit });
    }
    if bytes.is_empty() {
        return Err(FileError::Empty { name });
    }
    Ok(bytes)
}

#[cfg(unix)]
fn open_for_reading(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Non-blocking: should a FIFO be swapped in after the check, opening it returns at
    // once (and the second check refuses it) instead of hanging the app.
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_for_reading(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// Replaces (or creates) the file at `path` with `bytes`, atomically: the bytes go to a
/// new file in the same folder, are flushed to disk, and only then renamed over `path`.
/// A failure at any point leaves the previous file as it was and no temporary file.
/// Refuses a `path` that is a folder, a device, a FIFO or a socket.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomically_with(path, |file| file.write_all(bytes))
}

fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<(), FileError> {
    let name = display_name(path);
    let failed = |source: io::Error| FileError::Write {
        name: name.clone(),
        source,
    };
    match fs::metadata(path) {
        Ok(metadata) if !metadata.is_file() => {
            return Err(FileError::NotAFile {
                name,
                kind: kind_of(&metadata.file_type()),
            })
        }
        Ok(_) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(failed(error)),
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let (mut file, temp) = create_temp_beside(&dir, &name).map_err(failed)?;
    let written = write(&mut file)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            drop(file);
            fs::rename(&temp, path)
        });
    if let Err(error) = written {
        // Best effort: the temporary file is ours and useless now.
        let _ = fs::remove_file(&temp);
        return Err(failed(error));
    }
    // Makes the rename itself durable; a failure here loses nothing already written.
    if let Ok(dir) = File::open(&dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// A new file next to the target, with a name no other writer uses.
fn create_temp_beside(dir: &Path, name: &str) -> io::Result<(File, PathBuf)> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    let mut attempt = 0u32;
    loop {
        let temp = dir.join(format!(
            ".{name}.{}-{stamp}-{attempt}.tmp",
            std::process::id()
        ));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => return Ok((file, temp)),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn leftovers(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("list")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|name| name.ends_with(".tmp"))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_regular_file_is_read_whole() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("tenant.json");
        fs::write(&path, b"{\"a\": 1}").expect("write");
        assert_eq!(read_regular_file(&path, 100).expect("read"), b"{\"a\": 1}");
        // Exactly at the limit is fine.
        assert_eq!(read_regular_file(&path, 8).expect("read").len(), 8);
    }

    #[test]
    fn a_2_gib_sparse_file_is_refused_without_reading_it() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("huge.png");
        File::create(&path)
            .and_then(|file| file.set_len(2 << 30))
            .expect("sparse file");
        let started = Instant::now();
        let error = read_regular_file(&path, 512 * 1024).expect_err("too large");
        assert!(started.elapsed() < Duration::from_millis(500));
        assert_eq!(
            error.to_string(),
            "huge.png is 2 GiB, over the limit of 512 KiB; choose a smaller file"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_to_dev_zero_is_a_device_not_a_file() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("logo.png");
        std::os::unix::fs::symlink("/dev/zero", &path).expect("symlink");
        let error = read_regular_file(&path, 1024).expect_err("a device");
        assert!(
            matches!(
                error,
                FileError::NotAFile {
                    kind: FileKind::Device,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "logo.png is a device, not a file; choose a regular file"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("pipe.yaml");
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        let started = Instant::now();
        let error = read_regular_file(&path, 1024).expect_err("a FIFO");
        assert!(started.elapsed() < Duration::from_millis(500));
        assert_eq!(
            error.to_string(),
            "pipe.yaml is a named pipe (FIFO), not a file; choose a regular file"
        );
    }

    #[test]
    fn a_directory_missing_and_empty_files_are_named() {
        let dir = tempfile::tempdir().expect("dir");
        let folder = dir.path().join("exports.json");
        fs::create_dir(&folder).expect("mkdir");
        assert_eq!(
            read_regular_file(&folder, 10).expect_err("dir").to_string(),
            "exports.json is a folder, not a file; choose a regular file"
        );
        assert_eq!(
            read_regular_file(&dir.path().join("gone.toml"), 10)
                .expect_err("missing")
                .to_string(),
            "gone.toml does not exist (any more); choose the file again"
        );
        let empty = dir.path().join("empty.png");
        File::create(&empty).expect("create");
        assert!(matches!(
            read_regular_file(&empty, 10).expect_err("empty"),
            FileError::Empty { .. }
        ));
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(1), "1 byte");
        assert_eq!(human_size(812), "812 bytes");
        assert_eq!(human_size(512 * 1024), "512 KiB");
        assert_eq!(human_size(1536 * 1024), "1.5 MiB");
        assert_eq!(human_size(2 << 30), "2 GiB");
        assert_eq!(display_name(Path::new("/home/ana/acme.yaml")), "acme.yaml");
    }

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("acme.json");
        write_atomically(&path, b"first").expect("create");
        write_atomically(&path, b"second").expect("replace");
        assert_eq!(fs::read(&path).expect("read"), b"second");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_failed_write_keeps_the_previous_file_and_no_half_file() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("acme.yaml");
        fs::write(&path, "previous: true\n").expect("write");
        let error = write_atomically_with(&path, |file| {
            file.write_all(b"half: ")?;
            Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
        })
        .expect_err("the write fails");
        assert_eq!(
            error.to_string(),
            "acme.yaml could not be written: the disk is full; the previous file, if any, is unchanged"
        );
        assert_eq!(fs::read_to_string(&path).expect("read"), "previous: true\n");
        assert!(
            leftovers(dir.path()).is_empty(),
            "{:?}",
            leftovers(dir.path())
        );
    }

    #[test]
    fn writing_over_a_folder_or_into_a_missing_folder_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let folder = dir.path().join("out.json");
        fs::create_dir(&folder).expect("mkdir");
        assert!(matches!(
            write_atomically(&folder, b"{}").expect_err("a folder"),
            FileError::NotAFile {
                kind: FileKind::Directory,
                ..
            }
        ));
        let nowhere = dir.path().join("missing").join("out.json");
        assert!(matches!(
            write_atomically(&nowhere, b"{}").expect_err("no folder"),
            FileError::Write { .. }
        ));
        #[cfg(unix)]
        {
            let error = write_atomically(Path::new("/dev/null"), b"{}").expect_err("a device");
            assert!(
                matches!(
                    error,
                    FileError::NotAFile {
                        kind: FileKind::Device,
                        ..
                    }
                ),
                "{error:?}"
            );
        }
    }
}
