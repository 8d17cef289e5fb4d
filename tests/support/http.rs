//! A few HTTP/1.1 calls to the reference server on loopback, as an admin would make
//! them by hand (plain `std` sockets: no client stack needed for a test's two requests).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

fn request(base: &str, method: &str, path: &str, token: &str, body: Option<&str>) -> (u16, String) {
    let authority = base
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("{base} is not an http:// URL"));
    let mut stream = TcpStream::connect(authority).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let body = body.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(format!("{head}{body}").as_bytes())
        .expect("send the request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the answer");
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP answer: {response:?}"));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    // The server answers small bodies with Content-Length (no chunking).
    (status, body.to_owned())
}

/// GET `path` with a bearer token; panics unless the answer is 2xx JSON.
pub fn get_json(base: &str, path: &str, token: &str) -> Value {
    let (status, body) = request(base, "GET", path, token, None);
    assert!((200..300).contains(&status), "GET {path}: {status} {body}");
    serde_json::from_str(&body).unwrap_or_else(|error| panic!("GET {path}: {error}: {body}"))
}

/// POST `body` to `path` with a bearer token; panics unless the answer is 2xx JSON.
pub fn post_json(base: &str, path: &str, token: &str, body: &str) -> Value {
    let (status, answer) = request(base, "POST", path, token, Some(body));
    assert!(
        (200..300).contains(&status),
        "POST {path}: {status} {answer}"
    );
    serde_json::from_str(&answer).unwrap_or_else(|error| panic!("POST {path}: {error}: {answer}"))
}
