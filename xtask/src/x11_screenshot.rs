//! Screenshots of the app's window, read from the X server the desktop tests run on.
//!
//! WebDriver's own screenshot asks WebKit for a snapshot, and when WebKit draws without
//! compositing (the app's choice on a machine without a GPU, `linux_session` in the desktop
//! crate) those requests time out: in a run of the desktop tests the first one answered and the
//! second never did. The X server holds what the window shows, however WebKit drew it.

use std::{fs, os::unix::net::UnixStream, path::Path};

use anyhow::{bail, ensure, Context, Result};
use x11rb::{
    connection::Connection,
    protocol::xproto::{AtomEnum, ConnectionExt, ImageFormat, ImageOrder, MapState, Window},
    rust_connection::{DefaultStream, RustConnection},
};

const COOKIE: &[u8] = b"MIT-MAGIC-COOKIE-1";

/// An X display started by `xvfb-run -f AUTH_FILE`: its number and the cookie that opens it.
pub struct XDisplay {
    number: String,
    cookie: Vec<u8>,
}

impl XDisplay {
    /// Reads the display's number and cookie from the auth file xvfb-run wrote.
    pub fn from_auth_file(path: &Path) -> Result<Self> {
        let bytes = fs::read(path).with_context(|| format!("cannot read the X auth file {}", path.display()))?;
        parse_auth(&bytes).with_context(|| format!("no display cookie in {}", path.display()))
    }

    /// A PNG of the top-level window titled `title`, or of the whole screen when no such window
    /// is showing (the app may have failed before opening it).
    pub fn screenshot(&self, title: &str) -> Result<Vec<u8>> {
        let socket = format!("/tmp/.X11-unix/X{}", self.number);
        let stream = UnixStream::connect(&socket).with_context(|| format!("cannot connect to {socket}"))?;
        let (stream, _) = DefaultStream::from_unix_stream(stream)?;
        let conn = RustConnection::connect_to_stream_with_auth_info(stream, 0, COOKIE.to_vec(), self.cookie.clone())
            .context("the X server refused the connection")?;
        let screen = &conn.setup().roots[0];
        let (x, y, width, height) = match find_window(&conn, screen.root, title)? {
            Some(window) => {
                let geometry = conn.get_geometry(window)?.reply()?;
                let origin = conn.translate_coordinates(window, screen.root, 0, 0)?.reply()?;
                (origin.dst_x, origin.dst_y, geometry.width, geometry.height)
            }
            None => (0, 0, screen.width_in_pixels, screen.height_in_pixels),
        };
        let image = conn.get_image(ImageFormat::Z_PIXMAP, screen.root, x, y, width, height, !0)?.reply()?;
        let bits_per_pixel = conn
            .setup()
            .pixmap_formats
            .iter()
            .find(|format| format.depth == image.depth)
            .map(|format| format.bits_per_pixel);
        ensure!(
            bits_per_pixel == Some(32) && conn.setup().image_byte_order == ImageOrder::LSB_FIRST,
            "unexpected X image format: depth {}, {bits_per_pixel:?} bits per pixel",
            image.depth
        );
        encode_png(&image.data, u32::from(width), u32::from(height))
    }
}

/// The first MIT-MAGIC-COOKIE-1 entry of an Xauthority file: entries are a 2-byte family,
/// then address, display number, auth name and auth data, each a 2-byte big-endian length and
/// that many bytes.
fn parse_auth(mut bytes: &[u8]) -> Result<XDisplay> {
    fn take<'a>(bytes: &mut &'a [u8], len: usize) -> Result<&'a [u8]> {
        ensure!(bytes.len() >= len, "the X auth file is cut short");
        let (head, rest) = bytes.split_at(len);
        *bytes = rest;
        Ok(head)
    }
    fn counted<'a>(bytes: &mut &'a [u8]) -> Result<&'a [u8]> {
        let len = take(bytes, 2)?;
        take(bytes, usize::from(u16::from_be_bytes([len[0], len[1]])))
    }
    while !bytes.is_empty() {
        take(&mut bytes, 2)?;
        let _address = counted(&mut bytes)?;
        let number = counted(&mut bytes)?;
        let name = counted(&mut bytes)?;
        let data = counted(&mut bytes)?;
        if name == COOKIE {
            let number = String::from_utf8(number.to_vec()).context("a display number that is not text")?;
            return Ok(XDisplay { number, cookie: data.to_vec() });
        }
    }
    bail!("no {} entry", String::from_utf8_lossy(COOKIE))
}

/// The viewable child of `root` whose WM_NAME is `title` (no window manager runs under Xvfb,
/// so top-level windows are the root's own children).
fn find_window(conn: &RustConnection, root: Window, title: &str) -> Result<Option<Window>> {
    for window in conn.query_tree(root)?.reply()?.children {
        let viewable = conn.get_window_attributes(window)?.reply()?.map_state == MapState::VIEWABLE;
        if !viewable {
            continue;
        }
        let name = conn.get_property(false, window, AtomEnum::WM_NAME, AtomEnum::ANY, 0, 1024)?.reply()?;
        if name.value == title.as_bytes() {
            return Ok(Some(window));
        }
    }
    Ok(None)
}

/// BGRX pixels (32 bits each, least significant byte first) as an RGB PNG.
fn encode_png(bgrx: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    let rgb: Vec<u8> = bgrx.chunks_exact(4).flat_map(|pixel| [pixel[2], pixel[1], pixel[0]]).collect();
    ensure!(rgb.len() == width as usize * height as usize * 3, "the X image is not {width}×{height}");
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(&rgb)?;
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(family: u16, address: &[u8], number: &[u8], name: &[u8], data: &[u8]) -> Vec<u8> {
        let mut bytes = family.to_be_bytes().to_vec();
        for field in [address, number, name, data] {
            bytes.extend_from_slice(&u16::try_from(field.len()).unwrap().to_be_bytes());
            bytes.extend_from_slice(field);
        }
        bytes
    }

    #[test]
    fn the_cookie_entry_gives_the_display_and_its_cookie() {
        let mut file = entry(256, b"host", b"7", b"XDM-AUTHORIZATION-1", &[9; 8]);
        file.extend(entry(256, b"host", b"99", COOKIE, &[1, 2, 3, 4]));
        let display = parse_auth(&file).unwrap();
        assert_eq!(display.number, "99");
        assert_eq!(display.cookie, vec![1, 2, 3, 4]);
    }

    #[test]
    fn a_cut_short_or_cookieless_file_is_an_error() {
        let file = entry(256, b"host", b"99", COOKIE, &[1, 2, 3, 4]);
        assert!(parse_auth(&file[..file.len() - 1]).is_err());
        assert!(parse_auth(&entry(256, b"host", b"1", b"OTHER", &[])).is_err());
        assert!(parse_auth(&[]).is_err());
    }

    #[test]
    fn pixels_become_an_rgb_png_of_the_same_size() {
        let png = encode_png(&[10, 20, 30, 0, 40, 50, 60, 0], 2, 1).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut pixels).unwrap();
        assert_eq!(pixels, [30, 20, 10, 60, 50, 40]);
    }
}
