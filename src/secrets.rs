//! Secrets persisted in the data directory: created once with exclusive file creation, so instances starting together agree.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rand::Rng;

/// File of the RSA development signing key (PKCS#1 PEM).
pub const DEV_KEY_FILE: &str = "dev-signing-key.pem";
/// File of the 32-byte link-signing key (hex).
pub const LINK_KEY_FILE: &str = "link-signing.key";
/// File of the instance id used in `WWW-Authenticate`.
pub const INSTANCE_ID_FILE: &str = "instance-id";

/// A secret that could not be read or created.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct SecretError {
    /// The file concerned.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

fn secret_error(path: &Path, message: impl ToString) -> SecretError {
    SecretError {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// Reads `dir/name`, or creates it with `make()` if it does not exist. When two processes race, both end up
/// with the content of whichever created the file first.
pub fn load_or_create(
    dir: &Path,
    name: &str,
    make: impl FnOnce() -> Result<String, String>,
) -> Result<String, SecretError> {
    let path = dir.join(name);
    match fs::read_to_string(&path) {
        Ok(content) if !content.trim().is_empty() => return Ok(content),
        Ok(_) => {
            return Err(secret_error(
                &path,
                "the file is empty; delete it to have it created again",
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(secret_error(&path, e)),
    }
    fs::create_dir_all(dir).map_err(|e| secret_error(dir, e))?;
    let content = make().map_err(|e| secret_error(&path, e))?;
    let temp = dir.join(format!(".{name}.{:016x}.tmp", rand::thread_rng().gen::<u64>()));
    let write = || -> io::Result<()> {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temp)?;
        file.write_all(content.as_bytes())?;
        file.sync_all()
    };
    write().map_err(|e| secret_error(&temp, e))?;
    let linked = fs::hard_link(&temp, &path);
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => Ok(content),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            fs::read_to_string(&path).map_err(|e| secret_error(&path, e))
        }
        Err(e) => Err(secret_error(&path, e)),
    }
}

/// The link-signing key of the data directory as 64 hex digits, created on first use.
pub fn link_key_hex(dir: &Path) -> Result<String, SecretError> {
    load_or_create(dir, LINK_KEY_FILE, || {
        let bytes: [u8; 32] = rand::thread_rng().gen();
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    })
    .map(|text| text.trim().to_owned())
}

/// Decodes a 64-hex-digit link key.
pub fn decode_link_key(text: &str) -> Result<Vec<u8>, SecretError> {
    let bad = |message: String| secret_error(Path::new(LINK_KEY_FILE), message);
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return Err(bad("expected 64 hex digits".to_owned()));
    }
    (0..32)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|e| bad(e.to_string()))
}

/// The instance id, created on first use.
pub fn instance_id(dir: &Path) -> Result<String, SecretError> {
    load_or_create(dir, INSTANCE_ID_FILE, || Ok(uuid::Uuid::new_v4().to_string())).map(|s| s.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_created_once_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = link_key_hex(dir.path()).unwrap();
        let second = link_key_hex(dir.path()).unwrap();
        assert_eq!(first, second);
        assert_eq!(decode_link_key(&first).unwrap().len(), 32);
        let id = instance_id(dir.path()).unwrap();
        assert_eq!(instance_id(dir.path()).unwrap(), id);
    }
}
