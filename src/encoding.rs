//! Base64, as credentials travel (basic auth, tokens in URLs) and as Kubernetes Secrets hold
//! `data`: encoding both alphabets for the redaction of known secrets, and decoding leniently
//! (standard or URL-safe, padded or not, with or without line breaks). No I/O.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Base64 with padding, standard or URL-safe.
pub(crate) fn encode_base64(bytes: &[u8], url_safe: bool) -> String {
    if url_safe {
        URL_SAFE.encode(bytes)
    } else {
        STANDARD.encode(bytes)
    }
}

/// Standard or URL-safe base64, padded or not, ASCII whitespace ignored; `None` when it isn't
/// base64.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD
        .decode(&compact)
        .or_else(|_| URL_SAFE.decode(&compact))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_alphabets_with_or_without_padding() {
        assert_eq!(encode_base64(b"user:pass", false), "dXNlcjpwYXNz");
        assert_eq!(encode_base64(b"ab", false), "YWI=");
        assert_eq!(encode_base64(b"\xfb\xff", true), "-_8=");
        assert_eq!(decode_base64("dXNlcjpwYXNz").unwrap(), b"user:pass");
        assert_eq!(decode_base64("YWI").unwrap(), b"ab");
        assert_eq!(decode_base64("YWI=").unwrap(), b"ab");
        assert_eq!(decode_base64("-_8").unwrap(), b"\xfb\xff");
        assert_eq!(decode_base64("dXNl\ncjpw\nYXNz\n").unwrap(), b"user:pass");
        assert_eq!(decode_base64("not base64!"), None);
    }
}
